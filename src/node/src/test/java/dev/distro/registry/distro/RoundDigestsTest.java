package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Versions;
import dev.distro.registry.testing.FakeClock;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One walk per verify cutoff: a node's own round and its peers' verifies at the same cutoff are
 * answered from it, each owner's digests equal to a walk of its own; a change that may alter a
 * settled digest after the walk started (a late one, or a second change after the cutoff)
 * discards it, and one that cannot (a new registration) does not.
 */
@ExtendWith(VertxExtension.class)
class RoundDigestsTest {

  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "s");
  static final Rendezvous RING = new Rendezvous(List.of("10.1.0.1:8848", "10.1.0.2:8848", "10.1.0.3:8848"));

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final RoundDigests digests = RoundDigests.watching(store);

  static Instance inst(String ip, long version) {
    return new Instance(SVC, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), version);
  }

  long[] of(Vertx vertx, String owner, Rendezvous ring, long cutoff) throws Exception {
    return digests.of(vertx, owner, ring, cutoff).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** What a walk of its own gives for {@code owner}. */
  long[] alone(String owner, Rendezvous ring, long cutoff) {
    return Digests.settledByOwner(store, (ip, port, holder) -> ring.ownerOf(ip, port), cutoff)
        .getOrDefault(owner, new long[Digests.BUCKETS]);
  }

  long cutoff() {
    return RoundDigests.align(clock.millis() - 2_000, 5_000);
  }

  /** Registers {@code n} instances, lets 10 s pass and returns the round cutoff then. */
  long registerThenSettle(int n) {
    for (int i = 1; i <= n; i++) {
      store.register(inst("10.0.0." + i, 0));
    }
    clock.advance(Duration.ofSeconds(10));
    return cutoff();
  }

  @Test
  void oneWalk_answersEveryOwnerAtACutoff(Vertx vertx) throws Exception {
    long cutoff = registerThenSettle(60);
    for (String m : RING.members()) {
      assertArrayEquals(alone(m, RING, cutoff), of(vertx, m, RING, cutoff), m);
      assertFalse(Arrays.equals(new long[Digests.BUCKETS], of(vertx, m, RING, cutoff)), m + " owns some");
    }
    assertEquals(1, digests.walksStarted(), "one walk for the three owners");

    // registrations after the cutoff leave the settled digests as they were: still one walk
    store.register(inst("10.0.0.200", 0));
    store.update(SVC, "10.0.0.1#80#DEFAULT", i -> i.withHealthy(false, i.version()), Reason.UNHEALTHY);
    for (String m : RING.members()) {
      assertArrayEquals(alone(m, RING, cutoff), of(vertx, m, RING, cutoff), m);
    }
    assertEquals(1, digests.walksStarted());

    // the same members in another order: the same owners, the same walk; other members: a walk of their own
    Rendezvous reordered = new Rendezvous(List.of("10.1.0.3:8848", "10.1.0.1:8848", "10.1.0.2:8848"));
    assertArrayEquals(alone("10.1.0.3:8848", RING, cutoff), of(vertx, "10.1.0.3:8848", reordered, cutoff));
    assertEquals(1, digests.walksStarted());
    Rendezvous two = new Rendezvous(List.of("10.1.0.1:8848", "10.1.0.2:8848"));
    assertArrayEquals(alone("10.1.0.1:8848", two, cutoff), of(vertx, "10.1.0.1:8848", two, cutoff));
    assertEquals(2, digests.walksStarted());
    // another cutoff: another walk
    assertArrayEquals(alone("10.1.0.1:8848", RING, cutoff - 5_000), of(vertx, "10.1.0.1:8848", RING, cutoff - 5_000));
    assertEquals(3, digests.walksStarted());
  }

  @Test
  void aCopyArrivingLate_discardsTheWalk(Vertx vertx) throws Exception {
    long cutoff = registerThenSettle(30);
    long[][] before = new long[3][];
    for (int m = 0; m < 3; m++) {
      before[m] = of(vertx, RING.members().get(m), RING, cutoff);
    }
    // a sync that lagged: a copy made before the cutoff, applied only now
    store.applyRemote(inst("10.0.9.9", Versions.versionAt(cutoff - 1_000)), Reason.SYNC);
    boolean changed = false;
    for (int m = 0; m < 3; m++) {
      String owner = RING.members().get(m);
      long[] now = of(vertx, owner, RING, cutoff);
      assertArrayEquals(alone(owner, RING, cutoff), now, owner);
      changed |= !Arrays.equals(before[m], now);
    }
    assertEquals(2, digests.walksStarted(), "walked again once");
    assertTrue(changed, "the late copy counts in its owner's digests");
  }

  @Test
  void aSecondChangeAfterTheCutoff_discardsTheWalk(Vertx vertx) throws Exception {
    long cutoff = registerThenSettle(30);
    // changed once after the cutoff: the walk counts the version before (the settled one)
    store.update(SVC, "10.0.0.7#80#DEFAULT", i -> i.withHealthy(false, i.version()), Reason.UNHEALTHY);
    String owner = RING.ownerOf("10.0.0.7", 80);
    assertArrayEquals(alone(owner, RING, cutoff), of(vertx, owner, RING, cutoff));
    // changed again: the settled version no longer shows, and a walk now would not count it
    store.update(SVC, "10.0.0.7#80#DEFAULT", i -> i.withHealthy(true, i.version()), Reason.BEAT);
    assertArrayEquals(alone(owner, RING, cutoff), of(vertx, owner, RING, cutoff));
    assertEquals(2, digests.walksStarted());
    // and a removal without a tombstone (a repair's drop) discards it as well
    store.removeStale(store.find(SVC, "10.0.0.8#80#DEFAULT"), Long.MAX_VALUE);
    String owner8 = RING.ownerOf("10.0.0.8", 80);
    assertArrayEquals(alone(owner8, RING, cutoff), of(vertx, owner8, RING, cutoff));
    assertEquals(3, digests.walksStarted());
  }
}

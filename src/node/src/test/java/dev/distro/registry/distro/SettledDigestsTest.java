package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Versions;
import dev.distro.registry.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Verify digests as the entries stood at the round's cutoff: a change or a delete the owner made
 * after it, still on its way to a peer, makes no difference between the owner's digests and the
 * peer's (before, the owner left the instance out and the peer counted its older copy: a repair
 * at nearly every round under churn); a copy the peer lacks still does.
 */
class SettledDigestsTest {

  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "s");
  final FakeClock clock = new FakeClock();
  final RegistryStore owner = new RegistryStore(clock);
  final RegistryStore peer = new RegistryStore(clock);

  static Instance inst(String ip, boolean healthy) {
    return new Instance(SVC, "DEFAULT", ip, 80, 1.0, healthy, true, true, Map.of(), 0);
  }

  /** Registers on the owner and delivers the same version to the peer, as a sync would. */
  void registerEverywhere(String ip) {
    Instance i = owner.register(inst(ip, true)).current();
    peer.applyRemote(i, Reason.SYNC);
  }

  long[] digests(RegistryStore store, long settledBefore) {
    return only(Digests.settledByOwner(store, (ip, port, holder) -> "all", settledBefore));
  }

  /** The one owner's digests of a walk that counts everything under one name (none: zeros). */
  static long[] only(Map<String, long[]> byOwner) {
    return byOwner.getOrDefault("all", new long[Digests.BUCKETS]);
  }

  /** The old rule: only versions at or before the cutoff, each instance by its current version. */
  long[] currentVersionsOnly(RegistryStore store, long settledBefore) {
    return Digests.compute(store, i -> Versions.millisOf(i.version()) <= settledBefore);
  }

  @Test
  void aChangeAndADeleteInFlight_makeNoDifference_butAMissingCopyDoes() {
    registerEverywhere("10.0.0.1");
    registerEverywhere("10.0.0.2");
    registerEverywhere("10.0.0.3");
    clock.advance(Duration.ofSeconds(10));
    long cutoff = clock.millis() - 2_000;
    // on the owner, just now: 10.0.0.1 marked unhealthy, 10.0.0.2 deregistered; neither has reached the peer
    owner.update(SVC, "10.0.0.1#80#DEFAULT", i -> i.withHealthy(false, i.version()), Reason.UNHEALTHY);
    owner.deregister(SVC, "10.0.0.2#80#DEFAULT", Reason.DEREGISTER);
    assertFalse(Arrays.equals(currentVersionsOnly(owner, cutoff), currentVersionsOnly(peer, cutoff)),
        "the rule this replaces saw a difference here");
    assertArrayEquals(digests(owner, cutoff), digests(peer, cutoff), "changes younger than the cutoff");

    // the changes arrive at the peer: still equal, before and after the cutoff passes them
    peer.applyRemote(owner.find(SVC, "10.0.0.1#80#DEFAULT").instance(), Reason.SYNC);
    peer.applyRemoteDelete(SVC, "10.0.0.2#80#DEFAULT",
        owner.tombstones().get(SVC + "#10.0.0.2#80#DEFAULT").version(), Reason.SYNC);
    assertArrayEquals(digests(owner, cutoff), digests(peer, cutoff), "delivered, still younger than the cutoff");
    clock.advance(Duration.ofSeconds(5));
    long later = clock.millis() - 2_000;
    assertArrayEquals(digests(owner, later), digests(peer, later), "delivered and settled");

    // a copy the peer never received, older than the cutoff: a real difference, found
    owner.register(inst("10.0.0.4", true));
    clock.advance(Duration.ofSeconds(5));
    long last = clock.millis() - 2_000;
    assertFalse(Arrays.equals(digests(owner, last), digests(peer, last)), "a copy missing on the peer");
  }

  /**
   * Deletes made while a walk is under way (lease expiries on a loaded node, hundreds per walk):
   * each instance counts once, whether the walk reached it before or after its delete. Before,
   * one the walk had counted live was counted again as a recent delete, and its bucket differed
   * from every peer's at each round (found in a saturated 3-process run, where every round then
   * sent repairs).
   */
  @Test
  void deletesDuringAWalk_countEachInstanceOnce() {
    for (int i = 1; i <= 40; i++) {
      registerEverywhere("10.0.1." + i);
    }
    clock.advance(Duration.ofSeconds(10));
    long cutoff = clock.millis() - 2_000;
    long[] before = digests(owner, cutoff);
    // the walk deletes, as a concurrent expiry would, every instance it has just counted and every
    // third one it has not reached yet
    List<String> seen = new ArrayList<>();
    long[] during = only(Digests.settledByOwner(owner, (ip, port, holder) -> {
      if (!seen.isEmpty()) {
        owner.deregister(SVC, seen.get(seen.size() - 1) + "#80#DEFAULT", Reason.EXPIRED);
      }
      seen.add(ip);
      int n = Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
      if (n % 3 == 0) {
        String ahead = "10.0.1." + (n + 1);
        if (n + 1 <= 40 && owner.find(SVC, ahead + "#80#DEFAULT") != null && !seen.contains(ahead)) {
          owner.deregister(SVC, ahead + "#80#DEFAULT", Reason.EXPIRED);
        }
      }
      return "all";
    }, cutoff));
    assertArrayEquals(before, during, "deletes younger than the cutoff, made during the walk");
    assertArrayEquals(before, digests(owner, cutoff), "the same deletes, made before the walk");
    assertArrayEquals(digests(peer, cutoff), digests(owner, cutoff), "the peer without them");
  }
}

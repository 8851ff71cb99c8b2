package dev.distro.registry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * When the owner of 100,000 instances leaves, this node takes them over. Their copies carry the
 * lease of their arrival here, older than the delete timeout; the new owner restarts them on a
 * worker. Before the fix a sweep between the ring change and that restart judged the old leases and
 * expired (and replicated deletes of) live instances.
 */
@ExtendWith(VertxExtension.class)
class NewOwnerRenewalTest {

  static final int N = 100_000;

  @Test
  void ownerLeaves_sweepBeforeTheRenewal_expiresNothing(Vertx vertx) {
    FakeClock clock = new FakeClock();
    RegistryStore store = new RegistryStore(clock);
    Cluster cluster = new Cluster("127.0.0.1:1");
    cluster.setMembers(List.of("127.0.0.1:1", "127.0.0.1:2"));
    cluster.pingResult("127.0.0.1:2", true, Member.State.UP, false);
    cluster.selfState(Member.State.UP);
    AtomicLong expired = new AtomicLong();
    store.addListener(e -> {
      if (e.reason() == Reason.EXPIRED || e.reason() == Reason.EVICTED) {
        expired.incrementAndGet();
      }
    });
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "s");
    // N instances, every one owned by the member that is about to leave
    long version = store.versions().next();
    int loaded = 0;
    for (int i = 0; loaded < N; i++) {
      String ip = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
      if (cluster.isResponsible(ip, 80)) {
        continue;
      }
      store.applyRemote(new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), version + i),
          Reason.SYNC);
      loaded++;
    }
    HealthVerticle health = new HealthVerticle(store, new Switches(), cluster, 3_600_000, true, "127.0.0.1:1", 5_000,
        new java.util.concurrent.atomic.LongAdder(), null);
    store.addListener(health);
    Wait.on(vertx.deployVerticle(health));
    // file the copies, then let 31 s pass (over the 30 s delete timeout, under the replica grace)
    Wait.on(health.sweepNow());
    clock.advance(Duration.ofSeconds(16));
    Wait.on(health.sweepNow());
    clock.advance(Duration.ofSeconds(15));
    // the owner is gone (refused connection) and, in the same event-loop task, the sweep runs
    Wait.on(health.sweepNow(() -> cluster.pingResult("127.0.0.1:2", false, null, true)), 30);
    Poll.until(Duration.ofSeconds(30), "renewal done", () -> !health.renewalPending());
    clock.advance(Duration.ofMillis(200));
    Wait.on(health.sweepNow(), 30);
    assertEquals(0, expired.get(), "live instances expired by the new owner");
    assertEquals(N, store.instanceCount());
    // the taken-over leases run from the renewal: 31 s later they do expire
    clock.advance(Duration.ofSeconds(31));
    Wait.on(health.sweepNow(), 30);
    Poll.until(Duration.ofSeconds(30), "taken-over instances expire once their restarted lease runs out",
        () -> expired.get() == N);
  }
}

package dev.distro.registry.health;

import dev.distro.registry.testing.Wait;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.Poll;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The TTL sweep, driven by a fake clock: no test here waits for real time to pass. */
@ExtendWith(VertxExtension.class)
class HealthVerticleTest {

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final Switches switches = new Switches();
  final List<ChangeEvent> events = new ArrayList<>();
  final ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "s");
  final AtomicBoolean owner = new AtomicBoolean(true);
  HealthVerticle health;
  Vertx vertx;

  @BeforeEach
  void deploy(Vertx vertx) {
    this.vertx = vertx;
    store.addListener(events::add);
    Ownership ownership = (ip, port) -> owner.get();
    health = new HealthVerticle(store, switches, ownership, 3_600_000, true);
    store.addListener(health);
    Wait.on(vertx.deployVerticle(health));
  }

  /** Runs one sweep (and its continuations) on the verticle's event loop. */
  void sweep() {
    Wait.on(health.sweepNow());
  }

  Instance inst(String ip, Map<String, String> meta) {
    return new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, meta, 0);
  }

  @Test
  void unhealthyAfterTimeout_removedAfterDeleteTimeout() {
    store.register(inst("10.0.0.1", Map.of()));
    sweep();
    clock.advance(Duration.ofSeconds(15));
    sweep();
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(), "15 s is not yet past the timeout");
    clock.advance(Duration.ofMillis(200));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
    clock.advance(Duration.ofSeconds(15));
    sweep();
    assertNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
    assertEquals(List.of(Reason.REGISTER, Reason.UNHEALTHY, Reason.EXPIRED),
        events.stream().map(ChangeEvent::reason).toList());
  }

  @Test
  void afterAPauseOfTheProcess_ownedLeasesRestart_insteadOfAllTurningUnhealthy() {
    AtomicLong ticks = new AtomicLong(1);
    health.ticker(ticks::get);
    store.register(inst("10.0.0.1", Map.of()));
    sweep();
    // Frozen 20 s (SIGSTOP, a long GC): wall time moved, no sweep ran, no beat was read.
    clock.advance(Duration.ofSeconds(20));
    ticks.addAndGet(TimeUnit.HOURS.toNanos(11));
    sweep();
    Poll.until(Duration.ofSeconds(5), "owned leases restarted",
        () -> store.find(svc, "10.0.0.1#80#DEFAULT").lastBeat() == clock.monotonicMillis());
    sweep();
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(), "a pause is not a missed beat");
    clock.advance(Duration.ofSeconds(16));
    ticks.addAndGet(TimeUnit.SECONDS.toNanos(1));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(), "the restarted lease still runs out");
  }

  @Test
  void metadataOverridesTimeouts() {
    store.register(inst("10.0.0.1", Map.of(Instance.META_BEAT_TIMEOUT, "1000", Instance.META_DELETE_TIMEOUT, "2000")));
    sweep();
    clock.advance(Duration.ofMillis(1200));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
    clock.advance(Duration.ofMillis(1000));
    sweep();
    assertNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
  }

  @Test
  void beats_keepAlive_andReviveUnhealthy() {
    store.register(inst("10.0.0.1", Map.of()));
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(5));
      store.beat(svc, "10.0.0.1#80#DEFAULT");
      sweep();
    }
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
    clock.advance(Duration.ofSeconds(20));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
    store.beat(svc, "10.0.0.1#80#DEFAULT");
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
    clock.advance(Duration.ofSeconds(20));
    sweep();
    assertNotNull(store.find(svc, "10.0.0.1#80#DEFAULT"), "the beat restarted the lease");
  }

  @Test
  void notResponsible_notJudged() {
    owner.set(false);
    store.register(inst("10.0.0.1", Map.of()));
    sweep();
    clock.advance(Duration.ofMinutes(5));
    sweep();
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy());
  }

  @Test
  void healthCheckSwitchOff_suspendsTtl() {
    switches.set("healthCheckEnabled", "false");
    store.register(inst("10.0.0.1", Map.of()));
    sweep();
    clock.advance(Duration.ofMinutes(5));
    sweep();
    assertNotNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
  }

  @Test
  void sweep_onlyLooksAtDueLeases_andHandlesMassExpiryInSlices() {
    int n = 3 * HealthVerticle.SWEEP_BUDGET + 123;
    for (int i = 0; i < n; i++) {
      store.register(new Instance(svc, "DEFAULT", "10.1." + (i / 250) + "." + (i % 250), 80, 1, true, true, true,
          Map.of(), 0));
    }
    sweep();
    long judged = health.judged();
    clock.advance(Duration.ofSeconds(10));
    sweep();
    assertEquals(judged, health.judged(), "nothing is due 10 s after the beat: no lease is looked at");
    clock.advance(Duration.ofSeconds(25));
    sweep();
    Future<Void> drained = Future.future(p -> vertx.setPeriodic(10, id -> {
      if (store.instanceCount() == 0) {
        vertx.cancelTimer(id);
        p.complete();
      }
    }));
    Wait.on(drained, 30);
    assertEquals(0, store.instanceCount());
    assertEquals(n, events.stream().filter(e -> e.reason() == Reason.EXPIRED).count());
  }

  @Test
  void wallClockStepForward_expiresNothing_stepBack_extendsNothing() {
    store.register(inst("10.0.0.1", Map.of()));
    sweep();
    clock.advance(Duration.ofSeconds(5));
    // NTP steps the wall clock a minute ahead: no lease may run out for it
    clock.stepWall(Duration.ofSeconds(60));
    sweep();
    clock.advance(Duration.ofMillis(200));
    sweep();
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(), "a wall step is not a missed beat");
    // and back two minutes: the lease must still run out on time (15 s after the beat)
    clock.stepWall(Duration.ofSeconds(-120));
    clock.advance(Duration.ofSeconds(10).plusMillis(200));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(), "a step back extends no lease");
  }

  @Test
  void deregistered_leavesTheWheelAtOnce_notAtItsOldDeadline() {
    // preserved timeouts can put the deadline weeks away; the slot must not be held that long
    store.register(inst("10.0.0.1", Map.of(Instance.META_BEAT_TIMEOUT, "2000000000",
        Instance.META_DELETE_TIMEOUT, "2000000000")));
    store.register(inst("10.0.0.2", Map.of()));
    sweep();
    assertEquals(2, health.tracked());
    store.deregister(svc, "10.0.0.1#80#DEFAULT", Reason.DEREGISTER);
    clock.advance(Duration.ofMillis(200));
    sweep();
    assertEquals(1, health.tracked(), "the removed registration is out of the wheel");
  }

  @Test
  void shortenedTimeout_appliesAtOnce() {
    store.register(inst("10.0.0.1", Map.of(Instance.META_BEAT_TIMEOUT, "600000", Instance.META_DELETE_TIMEOUT,
        "900000")));
    sweep();
    store.update(svc, "10.0.0.1#80#DEFAULT", i -> new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1.0, true, true, true,
        Map.of(Instance.META_BEAT_TIMEOUT, "1000", Instance.META_DELETE_TIMEOUT, "2000"), 0), Reason.UPDATE);
    clock.advance(Duration.ofMillis(100));
    sweep();
    clock.advance(Duration.ofMillis(1100));
    sweep();
    assertFalse(store.find(svc, "10.0.0.1#80#DEFAULT").instance().healthy(),
        "judged by the new 1 s timeout, not at the old 10 min deadline");
    clock.advance(Duration.ofMillis(1000));
    sweep();
    assertEquals(null, store.find(svc, "10.0.0.1#80#DEFAULT"));
    sweep();
    assertEquals(0, health.tracked());
  }

  @Test
  void ownerBackInTheRing_getsAFullGrace_beforeItsReplicasAreEvicted() {
    // Found by the fault suite: a member out of service for longer than the replica grace (30 s
    // delete timeout + 3 verify rounds) came back and took its instances over again; the other
    // members judged their copies by its last verify, from before it left, and evicted those due
    // before its first verify round here: live instances missing on a correct member.
    String self = "10.9.9.1:8848";
    String back = "10.9.9.2:8848";
    String other = "10.9.9.3:8848";
    java.util.concurrent.atomic.AtomicReference<dev.distro.registry.cluster.Rendezvous> ring =
        new java.util.concurrent.atomic.AtomicReference<>(new dev.distro.registry.cluster.Rendezvous(List.of(self)));
    List<java.util.function.BiConsumer<dev.distro.registry.cluster.Rendezvous, dev.distro.registry.cluster.Rendezvous>>
        listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    Map<String, Long> renewed = new java.util.concurrent.ConcurrentHashMap<>();
    Ownership cluster = new Ownership() {
      @Override
      public boolean isResponsible(String ip, int port) {
        return self.equals(ring.get().ownerOf(ip, port));
      }

      @Override
      public String ownerOf(String ip, int port) {
        return ring.get().ownerOf(ip, port);
      }

      @Override
      public long lastRenewedBy(String owner) {
        return renewed.getOrDefault(owner, 0L);
      }

      @Override
      public dev.distro.registry.cluster.Rendezvous ring() {
        return ring.get();
      }

      @Override
      public void onRingChange(java.util.function.BiConsumer<dev.distro.registry.cluster.Rendezvous,
          dev.distro.registry.cluster.Rendezvous> listener) {
        listeners.add(listener);
      }
    };
    RegistryStore store = new RegistryStore(clock);
    HealthVerticle health = new HealthVerticle(store, switches, cluster, 3_600_000, true, self, 5_000,
        new java.util.concurrent.atomic.LongAdder(), null);
    store.addListener(health);
    Wait.on(vertx.deployVerticle(health));
    dev.distro.registry.cluster.Rendezvous all = new dev.distro.registry.cluster.Rendezvous(List.of(self, back, other));
    dev.distro.registry.cluster.Rendezvous without = new dev.distro.registry.cluster.Rendezvous(List.of(self, other));
    ring.set(all);
    renewed.put(back, clock.monotonicMillis());
    renewed.put(other, clock.monotonicMillis());
    // copies here of instances the returning member owns, and the third member owns while it is away
    List<String> its = new ArrayList<>();
    for (int i = 1; its.size() < 10; i++) {
      String ip = "10.1." + (i >> 8) + "." + (i & 255);
      if (back.equals(all.ownerOf(ip, 80)) && other.equals(without.ownerOf(ip, 80))) {
        store.register(new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), 0));
        its.add(ip);
      }
    }
    Wait.on(health.sweepNow());
    changeRing(listeners, ring, without, health);
    for (int i = 0; i < 4; i++) { // away for 64 s, longer than the grace (30 s + 3 x 5 s)
      clock.advance(Duration.ofSeconds(16));
      renewed.put(other, clock.monotonicMillis()); // the interim owner's verify rounds
      Wait.on(health.sweepNow());
    }
    assertEquals(its.size(), count(store, its), "kept while the interim owner renews them");
    changeRing(listeners, ring, all, health); // it is back and owns them again
    for (int i = 0; i < 2; i++) { // 32 s: within a grace counted from its return
      clock.advance(Duration.ofSeconds(16));
      Wait.on(health.sweepNow());
    }
    assertEquals(its.size(), count(store, its), "evicted before the returning owner's first verify here");
    for (int i = 0; i < 2; i++) { // an owner that never verifies after its return: gone after the grace
      clock.advance(Duration.ofSeconds(16));
      Wait.on(health.sweepNow());
    }
    assertEquals(0, count(store, its), "kept although the returning owner never renewed them");
  }

  static int count(RegistryStore store, List<String> ips) {
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "s");
    return (int) ips.stream().filter(ip -> store.find(svc, ip + "#80#DEFAULT") != null).count();
  }

  static void changeRing(
      List<java.util.function.BiConsumer<dev.distro.registry.cluster.Rendezvous, dev.distro.registry.cluster.Rendezvous>> listeners,
      java.util.concurrent.atomic.AtomicReference<dev.distro.registry.cluster.Rendezvous> ring,
      dev.distro.registry.cluster.Rendezvous next, HealthVerticle health) {
    dev.distro.registry.cluster.Rendezvous before = ring.getAndSet(next);
    listeners.forEach(l -> l.accept(before, next));
    Poll.until(Duration.ofSeconds(10), "the ring change handled", () -> !health.renewalPending());
  }

}

package dev.distro.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.metrics.Counters;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.ChangeEvent.Type;
import dev.distro.registry.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegistryStoreTest {

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final List<ChangeEvent> events = new ArrayList<>();
  final ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "s");

  RegistryStoreTest() {
    store.addListener(events::add);
  }

  Instance inst(String ip, boolean healthy) {
    return new Instance(svc, "DEFAULT", ip, 80, 1.0, healthy, true, true, Map.of(), 0);
  }

  /** An instance as a peer sends it: from another node, unhealthy or not, with that version. */
  Instance remote(String ip, boolean healthy, long version) {
    return new Instance(svc, "DEFAULT", ip, 80, 1.0, healthy, true, true, Map.of(), version);
  }

  @Test
  void instancesOfAService_shareItsKeyAndTheDefaultClusterName_fromRequestsAndPeersAlike() {
    // each request and each sync batch decodes its own copies of these strings
    store.register(new Instance(new ServiceKey(new String("public"), new String("DEFAULT_GROUP"), new String("s")),
        new String("DEFAULT"), "10.0.0.1", 80, 1.0, true, true, true, Map.of(), 0));
    store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", new String("s")), new String("DEFAULT"),
        "10.0.0.2", 80, 1.0, true, true, true, Map.of(), 0));
    store.applyRemote(new Instance(new ServiceKey("public", "DEFAULT_GROUP", new String("s")), new String("DEFAULT"),
        "10.0.0.3", 80, 1.0, true, true, true, Map.of(), store.versions().next()), Reason.SYNC);
    ServiceKey kept = store.service(svc).key();
    for (String ip : List.of("10.0.0.1", "10.0.0.2", "10.0.0.3")) {
      Instance i = store.find(svc, ip + "#80#DEFAULT").instance();
      assertSame(kept, i.service(), ip);
      assertSame(Instance.DEFAULT_CLUSTER, i.cluster(), ip);
    }
    assertEquals(3, store.instanceCount());
    long version = store.find(svc, "10.0.0.3#80#DEFAULT").instance().version();
    assertTrue(store.find(svc, "10.0.0.1#80#DEFAULT").instance().version() < version, "versions as assigned");
  }

  @Test
  void deleteFromAPeer_beatsANewerUnhealthyMark_madeWithoutHearingTheClient() {
    long v = store.versions().next();
    store.applyRemote(remote("10.0.0.1", true, v), Reason.SYNC);
    long delete = store.versions().next();
    // another node, unaware of the delete, turned its copy unhealthy later; that mark arrived first
    store.applyRemote(remote("10.0.0.1", false, store.versions().next()), Reason.SYNC);
    long mark = store.find(svc, "10.0.0.1#80#DEFAULT").instance().version();
    assertNotNull(store.applyRemoteDelete(svc, "10.0.0.1#80#DEFAULT", delete, Reason.SYNC));
    assertNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
    assertEquals(mark, store.tombstones().get("public##DEFAULT_GROUP@@s#10.0.0.1#80#DEFAULT").version(),
        "the delete is remembered under the mark's version, so it beats that mark on other nodes too");
  }

  @Test
  void deleteFromAPeer_losesToANewerHealthyCopy_orToAClientHeardSince() {
    long v = store.versions().next();
    store.applyRemote(remote("10.0.0.1", true, v), Reason.SYNC);
    long delete = store.versions().next();
    store.applyRemote(remote("10.0.0.1", true, store.versions().next()), Reason.SYNC);
    assertNull(store.applyRemoteDelete(svc, "10.0.0.1#80#DEFAULT", delete, Reason.SYNC), "healthy and newer: kept");
    store.register(inst("10.0.0.2", true));
    clock.advance(Duration.ofSeconds(1));
    long older = store.versions().next() - (2_000L << 16);
    Registration reg = store.find(svc, "10.0.0.2#80#DEFAULT");
    store.markUnhealthy(reg, reg.lastBeat());
    assertNull(store.applyRemoteDelete(svc, "10.0.0.2#80#DEFAULT", older, Reason.SYNC),
        "its client registered here after that delete was made: kept");
    assertNotNull(store.find(svc, "10.0.0.2#80#DEFAULT"));
  }

  @Test
  void unhealthyCopyFromAPeer_doesNotBringBackAnInstanceDeletedHere_unlessTheOwnerRepairsIt() {
    store.register(inst("10.0.0.1", true));
    store.deregister(svc, "10.0.0.1#80#DEFAULT", Reason.DEREGISTER);
    assertNull(store.applyRemote(remote("10.0.0.1", false, store.versions().next()), Reason.SYNC));
    assertNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
    assertNotNull(store.applyRemote(remote("10.0.0.1", false, store.versions().next()), Reason.REPAIR, false, true,
        clock.millis() + 1), "the owner's repair, its client heard after the delete, is the truth");
    store.deregister(svc, "10.0.0.1#80#DEFAULT", Reason.DEREGISTER);
    assertNotNull(store.applyRemote(remote("10.0.0.1", true, store.versions().next()), Reason.SYNC),
        "a healthy copy newer than the delete is a registration again");
  }

  @Test
  void ownersRepair_beatsADeleteRememberedHere_onlyIfTheOwnerHeardTheClientAfterIt() {
    long registered = store.versions().next();
    store.applyRemote(remote("10.0.0.1", true, registered), Reason.SYNC);
    long deletedAt = clock.millis();
    store.applyRemoteDelete(svc, "10.0.0.1#80#DEFAULT", store.versions().next(), Reason.SYNC);
    // a member that just took the instance over, and never got the delete, repairs with its old copy
    assertNull(store.applyRemote(remote("10.0.0.1", true, registered), Reason.REPAIR, false, true, deletedAt - 1_000));
    assertNull(store.find(svc, "10.0.0.1#80#DEFAULT"), "a stale copy does not undo the delete");
    // the owner kept hearing the client after the delete (it was made on the far side of a partition)
    clock.advance(Duration.ofSeconds(2));
    assertNotNull(store.applyRemote(remote("10.0.0.1", true, registered), Reason.REPAIR, false, true,
        clock.millis()));
    assertNotNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
  }

  @Test
  void everyChange_publishesOneEvent_inRevisionOrder() {
    store.register(inst("10.0.0.1", true));
    store.update(svc, "10.0.0.1#80#DEFAULT", i -> new Instance(svc, "DEFAULT", "10.0.0.1", 80, 2.0, true, true, true,
        Map.of(), 0), Reason.UPDATE);
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    store.markUnhealthy(reg, reg.lastBeat());
    store.beat(svc, "10.0.0.1#80#DEFAULT");
    clock.advance(Duration.ofSeconds(1));
    store.expire(reg, reg.lastBeat());
    store.register(inst("10.0.0.2", true));
    store.deregister(svc, "10.0.0.2#80#DEFAULT", Reason.DEREGISTER);

    assertEquals(List.of(Type.ADDED, Type.MODIFIED, Type.MODIFIED, Type.MODIFIED, Type.DELETED, Type.ADDED,
        Type.DELETED), events.stream().map(ChangeEvent::type).toList());
    assertEquals(List.of(Reason.REGISTER, Reason.UPDATE, Reason.UNHEALTHY, Reason.BEAT, Reason.EXPIRED,
        Reason.REGISTER, Reason.DEREGISTER), events.stream().map(ChangeEvent::reason).toList());
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).revision());
    }
    assertEquals(events.size(), store.revision());
    assertEquals(0, store.instanceCount());
    assertEquals(0, store.serviceCount());
  }

  @Test
  void versions_increasePerChange_andSurviveSameMillisecond() {
    store.register(inst("10.0.0.1", true));
    store.register(inst("10.0.0.1", false));
    store.register(inst("10.0.0.1", true));
    assertTrue(events.get(0).current().version() < events.get(1).current().version());
    assertTrue(events.get(1).current().version() < events.get(2).current().version());
  }

  @Test
  void identicalReRegister_onlyRenewsLease() {
    store.register(inst("10.0.0.1", true));
    long beat = store.find(svc, "10.0.0.1#80#DEFAULT").lastBeat();
    clock.advance(Duration.ofSeconds(3));
    assertNull(store.register(inst("10.0.0.1", true)));
    assertEquals(1, events.size());
    assertEquals(beat + 3000, store.find(svc, "10.0.0.1#80#DEFAULT").lastBeat());
  }

  @Test
  void expire_and_markUnhealthy_lose_toAConcurrentBeat() {
    store.register(inst("10.0.0.1", true));
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    long seen = reg.lastBeat();
    clock.advance(Duration.ofSeconds(1));
    store.beat(svc, "10.0.0.1#80#DEFAULT");
    assertNull(store.markUnhealthy(reg, seen));
    assertNull(store.expire(reg, seen));
    assertNotNull(store.find(svc, "10.0.0.1#80#DEFAULT"));
  }

  @Test
  void explicitService_outlivesItsInstances_implicitDoesNot() {
    ServiceKey other = new ServiceKey("public", "G", "explicit");
    store.putServiceMeta(other, new dev.distro.registry.model.ServiceMeta(0.5f, Map.of(), "{}", true, 0));
    store.register(new Instance(other, "DEFAULT", "10.0.0.1", 1, 1, true, true, true, Map.of(), 0));
    store.deregister(other, "10.0.0.1#1#DEFAULT", Reason.DEREGISTER);
    assertNotNull(store.service(other));
    assertTrue(store.removeService(other));
    assertNull(store.service(other));
  }

  @Test
  void metricsCounters_followTheChangeStream() {
    Counters m = new Counters();
    store.addListener(m);
    store.register(inst("10.0.0.1", true));
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    store.markUnhealthy(reg, reg.lastBeat());
    store.expire(reg, reg.lastBeat());
    store.register(inst("10.0.0.2", true));
    store.deregister(svc, "10.0.0.2#80#DEFAULT", Reason.DEREGISTER);
    assertEquals(2, m.registrations.sum());
    assertEquals(1, m.unhealthyMarks.sum());
    assertEquals(1, m.expirations.sum());
    assertEquals(1, m.deregistrations.sum());
    assertEquals(5, m.changes.sum());
  }

  @Test
  void concurrentWriters_revisionsAreDenseAndOrdered() throws Exception {
    int threads = 4;
    int perThread = 2_000;
    List<Long> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    store.addListener(e -> seen.add(e.revision()));
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      int id = t;
      new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          store.register(new Instance(svc, "DEFAULT", "10." + id + "." + (i / 250) + "." + (i % 250), 80, 1, true,
              true, true, Map.of(), 0));
        }
        done.countDown();
      }).start();
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    assertEquals(threads * perThread, store.instanceCount());
    assertEquals(threads * perThread, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i + 1, seen.get(i), "listeners see revisions in order, without gaps");
    }
    assertFalse(events.isEmpty());
  }

  @Test
  void beat_onARegistrationRemovedMeanwhile_isNotFound_soTheClientRegistersAgain() {
    store.register(inst("10.0.0.1", true));
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    store.deregister(svc, "10.0.0.1#80#DEFAULT", Reason.DEREGISTER);
    assertNull(store.beat(reg), "a beat answered 10200 for a removed instance would leave it unregistered");
  }

  @Test
  void lease_neverMovesBack_underConcurrentRenewals() throws InterruptedException {
    store.register(inst("10.0.0.1", true));
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    long base = reg.lastBeat();
    int threads = 4;
    int rounds = 200_000;
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int offset = t;
      ts[t] = new Thread(() -> {
        for (int i = 0; i < rounds; i++) {
          reg.renew(base + (long) i * threads + offset);
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertEquals(base + (long) (rounds - 1) * threads + threads - 1, reg.lastBeat());
  }

  @Test
  void leases_runOnMonotonicTime_clientSeenOnTheHybridClock() {
    store.register(inst("10.0.0.1", true));
    Registration reg = store.find(svc, "10.0.0.1#80#DEFAULT");
    assertEquals(clock.monotonicMillis(), reg.lastBeat());
    clock.stepWall(Duration.ofSeconds(-60));
    store.beat(svc, "10.0.0.1#80#DEFAULT");
    assertEquals(clock.monotonicMillis(), reg.lastBeat());
    assertTrue(reg.clientSeen() >= clock.millis() + 60_000 - 1, "the hybrid clock does not step back with the wall");
  }
}

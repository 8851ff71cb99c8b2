package dev.distro.registry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lease sweep for instances held by gRPC connections, on a fake clock: the connection is the
 * lease where it lives; elsewhere a copy lives while its holder sends verify rounds.
 */
@ExtendWith(VertxExtension.class)
class HeldInstancesTest {

  static final String ME = "10.1.0.1:8848";
  static final String PEER = "10.1.0.2:8848";
  static final long GRACE_MS = 30_000;

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final List<ChangeEvent> events = new ArrayList<>();
  final ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "s");
  final Set<String> liveHolders = ConcurrentHashMap.newKeySet();
  final AtomicLong peerLastVerify = new AtomicLong();
  final AtomicBoolean quorum = new AtomicBoolean(true);
  HealthVerticle health;

  @BeforeEach
  void deploy(Vertx vertx) {
    store.addListener(events::add);
    store.liveHolders(liveHolders::contains);
    // by ip:port every instance hashes to this node: only the holder can make one another member's
    Ownership ownership = new Ownership() {
      @Override
      public boolean isResponsible(String ip, int port) {
        return true;
      }

      @Override
      public String ownerOf(String ip, int port) {
        return ME;
      }

      @Override
      public String self() {
        return ME;
      }

      @Override
      public long lastRenewedBy(String owner) {
        return PEER.equals(owner) ? peerLastVerify.get() : 0;
      }

      @Override
      public boolean canExpire() {
        return quorum.get();
      }
    };
    health = new HealthVerticle(store, new Switches(), ownership, 3_600_000, true, ME, 5_000, new LongAdder(), null)
        .holders(liveHolders::contains, GRACE_MS);
    store.addListener(health);
    Wait.on(vertx.deployVerticle(health));
  }

  void sweep() {
    Wait.on(health.sweepNow());
  }

  Instance held(String ip, String holder) {
    return new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), 0, holder);
  }

  String local(String ip) {
    return ip + "#80#DEFAULT";
  }

  @Test
  void heldByALiveConnectionHere_itOutlivesEveryTimeout_noBeatsNeeded() {
    String holder = Instance.holder(ME, "1_10.0.0.9_5000");
    liveHolders.add(holder);
    store.register(held("10.0.0.1", holder));
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(30));
      sweep();
    }
    assertNotNull(store.find(svc, local("10.0.0.1")), "5 minutes without a beat");
    assertEquals(List.of(Reason.REGISTER), events.stream().map(ChangeEvent::reason).toList());
  }

  @Test
  void heldByAConnectionHereThatIsGone_itIsRemovedAtTheNextLook_andTheDeleteReplicated() {
    String holder = Instance.holder(ME, "1_10.0.0.9_5000");
    store.register(held("10.0.0.1", holder)); // e.g. its copy came back from a peer after a restart
    sweep(); // filed for a look one tick later, not after the 15 s a beaten lease would wait
    clock.advance(Duration.ofMillis(200));
    sweep();
    assertNull(store.find(svc, local("10.0.0.1")));
    ChangeEvent delete = events.get(events.size() - 1);
    assertEquals(Reason.EXPIRED, delete.reason());
    assertEquals(true, delete.local(), "a local delete: replicated to the peers");
  }

  @Test
  void aCopyHeldByAnotherMember_livesWhileThatMemberVerifies_andGoesAGraceAfterItStops() {
    Instance copy = held("10.0.0.2", Instance.holder(PEER, "1_10.0.0.9_5000")).withVersion(store.versions().next());
    store.applyRemote(copy, Reason.SYNC);
    for (int i = 0; i < 12; i++) {
      clock.advance(Duration.ofSeconds(5));
      peerLastVerify.set(clock.monotonicMillis());
      sweep();
    }
    assertNotNull(store.find(svc, local("10.0.0.2")), "a minute of verify rounds from its holder");
    // the holder stops (it crashed): the copy goes once the grace has passed since its last round
    clock.advance(Duration.ofMillis(GRACE_MS - 1_000));
    sweep();
    assertNotNull(store.find(svc, local("10.0.0.2")), "within the grace");
    clock.advance(Duration.ofMillis(1_200));
    sweep();
    assertNull(store.find(svc, local("10.0.0.2")), "after the grace");
    assertEquals(Reason.EVICTED, events.get(events.size() - 1).reason(), "evicted here only, not replicated");
  }

  @Test
  void aCopyHeldByAnotherMember_staysWhileThisNodeIsCutOffFromMost() {
    store.applyRemote(held("10.0.0.3", Instance.holder(PEER, "1_10.0.0.9_5000")).withVersion(store.versions().next()),
        Reason.SYNC);
    quorum.set(false);
    sweep();
    clock.advance(Duration.ofMillis(GRACE_MS * 4));
    sweep();
    assertNotNull(store.find(svc, local("10.0.0.3")), "the holder may be alive on the other side");
    quorum.set(true);
    // back in contact, owned leases are restarted first (on a worker); then the copy is judged
    Poll.until(Duration.ofSeconds(5), "in contact again, and still no round from the holder: evicted", () -> {
      clock.advance(Duration.ofMillis(200));
      sweep();
      return store.find(svc, local("10.0.0.3")) == null;
    });
  }

  @Test
  void aDeleteFromAClosedConnection_leavesACopyAnotherConnectionRegisteredSince() {
    String first = Instance.holder(ME, "1_10.0.0.9_5000");
    String second = Instance.holder(PEER, "2_10.0.0.9_5001");
    store.register(held("10.0.0.4", first));
    // the client moved: its registration through the other member arrives, newer
    store.applyRemote(held("10.0.0.4", second).withVersion(store.versions().next()), Reason.SYNC);
    assertNull(store.deregisterHeld(svc, local("10.0.0.4"), first), "no longer the first connection's");
    assertEquals(second, store.find(svc, local("10.0.0.4")).instance().holder());
    assertNotNull(store.deregisterHeld(svc, local("10.0.0.4"), second));
  }

  @Test
  void aClosedConnectionsDelete_reachingTheMemberWhoseConnectionHoldsTheClientNow_removesNothing() {
    // The other member was paused (SIGSTOP): meanwhile the client gave up on it and registered
    // here, on a connection that lives. Back, that member closes the old connection before this
    // registration reaches it, and replicates the delete of its own copy, newer on the clock. A
    // live connection here is hearing the client now: the delete does not remove its instance.
    String old = Instance.holder(PEER, "1_10.0.0.9_5000");
    String mine = Instance.holder(ME, "2_10.0.0.9_5001");
    liveHolders.add(mine);
    store.register(held("10.0.0.6", mine));
    clock.advance(Duration.ofSeconds(20));
    long delete = store.versions().next();
    ChangeEvent e = store.applyRemoteDelete(svc, local("10.0.0.6"), delete, Reason.SYNC, true);
    assertNotNull(store.find(svc, local("10.0.0.6")), "held by a live connection here: " + old + " ended");
    // published again, newer than the delete, so that it wins on every member that applied it
    assertNotNull(e);
    assertEquals(true, e.local(), "replicated");
    assertEquals(true, store.find(svc, local("10.0.0.6")).instance().version() > delete);
    // once the connection is gone, the same delete wins again (the client is not heard any more)
    liveHolders.remove(mine);
    clock.advance(Duration.ofSeconds(1));
    store.applyRemoteDelete(svc, local("10.0.0.6"), store.versions().next(), Reason.SYNC, true);
    assertNull(store.find(svc, local("10.0.0.6")));
  }
}

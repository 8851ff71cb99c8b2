package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.distro.DistroSyncVerticle.BatchResult;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.node.MeterBindings;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sync verticle alone against a fake peer (a loopback HTTP server answering
 * {@code /distro/sync} as each test scripts), on a {@link FakeClock}: the backoff after failures,
 * its clock (monotonic: a wall step neither stalls nor hastens a retry), the queue cap and reading
 * the queue depth from other threads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DistroSyncVerticleTest {

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final Vertx vertx = Vertx.vertx();
  /** Statuses the fake peer answers, in turn; 200 once they run out. */
  final Queue<Integer> script = new ConcurrentLinkedQueue<>();
  final AtomicInteger requests = new AtomicInteger();
  String self;
  String peer;
  Cluster cluster;
  final Counters metrics = new Counters();
  final PrometheusMeters meters = PrometheusMeters.create();
  DistroSyncVerticle sync;
  HttpServer fakePeer;

  @AfterEach
  void stop() {
    Wait.on(vertx.close(), 30);
  }

  void start(Map<String, String> settings) throws Exception {
    int selfPort = TestCluster.freePortPairForTests();
    int peerPort = TestCluster.freePortPairForTests();
    self = "127.0.0.1:" + selfPort;
    peer = "127.0.0.1:" + peerPort;
    Map<String, String> s = new HashMap<>(Map.of("host", "127.0.0.1", "bind", "127.0.0.1",
        "port", String.valueOf(selfPort), "members", self + "," + peer, "cluster-secret", TestCluster.SECRET,
        "batch-window-ms", "10"));
    s.putAll(settings);
    cluster = new Cluster(self);
    cluster.setMembers(List.of(self, peer));
    cluster.pingResult(peer, true, Member.State.UP, false);
    MeterBindings.counters(meters, metrics);
    fakePeer = Wait.on(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      requests.incrementAndGet();
      Integer status = script.poll();
      req.response().setStatusCode(status == null ? 200 : status).end("{}");
    })).listen(peerPort + NodeConfig.PEER_PORT_OFFSET, "127.0.0.1"), 20);
    sync = new DistroSyncVerticle(NodeConfig.of(s), store, metrics, meters, cluster, new Liveness(),
        new PeerClients(NodeConfig.of(s), self, null));
    store.addListener(sync);
    Wait.on(vertx.deployVerticle(sync), 20);
  }

  void register(int i) {
    store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "s"), "DEFAULT", "10.0.0." + i, 80,
        1.0, true, true, true, Map.of(), 0));
  }

  @ParameterizedTest(name = "{0} failure {1}: {2} ms")
  @CsvSource({
      "TRANSIENT, 1, 200", "TRANSIENT, 2, 400", "TRANSIENT, 5, 3200", "TRANSIENT, 6, 5000", "TRANSIENT, 60, 5000",
      "CONGESTION, 1, 800", "CONGESTION, 2, 1600", "CONGESTION, 3, 3200", "CONGESTION, 4, 5000",
  })
  void backoff_doublesPerFailureUpToTheCap(BatchResult o, int failures, long ms) {
    assertEquals(ms, DistroSyncVerticle.backoffMs(o, failures));
  }

  @Test
  void failures_areClassifiedByType_notByTheirMessage() {
    assertEquals(BatchResult.CONGESTION, DistroSyncVerticle.classify(new java.util.concurrent.TimeoutException("late")));
    assertEquals(BatchResult.CONGESTION, DistroSyncVerticle.classify(
        new RuntimeException("wrapped", new io.netty.channel.ConnectTimeoutException("slow connect"))));
    // a message naming a timeout does not make a refused connection congestion
    assertEquals(BatchResult.TRANSIENT, DistroSyncVerticle.classify(
        new java.net.ConnectException("Connection refused: timeout.example/10.0.0.9:9849")));
    assertEquals(BatchResult.TRANSIENT, DistroSyncVerticle.classify(new IllegalStateException("timed out?")));
  }

  @Test
  void retry_waitsItsBackoffOnTheMonotonicClock() throws Exception {
    start(Map.of());
    script.add(500);
    register(1);
    Poll.until(Duration.ofSeconds(10), "the first batch fails", () -> metrics.syncFailures.sum() == 1);
    assertEquals(1, sync.pending(peer), "the change is kept for the retry");
    clock.advance(Duration.ofMillis(150));
    Poll.holdsFor(Duration.ofMillis(300), Poll.rounds("sync flush passes", 2, sync::flushes),
        () -> requests.get() > 1 ? "retried before its 200 ms backoff" : null);
    clock.advance(Duration.ofMillis(60));
    Poll.until(Duration.ofSeconds(10), "retried once 200 ms passed", () -> metrics.syncBatchesSent.sum() == 1);
    assertEquals(2, requests.get());
    assertEquals(0, sync.pending(peer));
  }

  @Test
  void wallClockStep_neitherHastensNorStallsTheRetry() throws Exception {
    start(Map.of());
    script.add(500);
    script.add(500);
    register(1);
    Poll.until(Duration.ofSeconds(10), "the first batch fails", () -> metrics.syncFailures.sum() == 1);
    // NTP steps the wall clock two hours forward: the 200 ms backoff has not passed for all that
    clock.stepWall(Duration.ofHours(2));
    Poll.holdsFor(Duration.ofMillis(300), Poll.rounds("sync flush passes", 2, sync::flushes),
        () -> requests.get() > 1 ? "a forward wall step skipped the backoff" : null);
    clock.advance(Duration.ofMillis(250));
    Poll.until(Duration.ofSeconds(10), "retried after its backoff", () -> metrics.syncFailures.sum() == 2);
    // and four hours back: the 400 ms backoff still ends after 400 ms, not four hours later
    clock.stepWall(Duration.ofHours(-4));
    clock.advance(Duration.ofMillis(450));
    Poll.until(Duration.ofSeconds(10), "a backward wall step did not stall the retry",
        () -> metrics.syncBatchesSent.sum() == 1);
    assertEquals(3, requests.get());
  }

  @Test
  void queueOverCap_isDroppedAndCounted() throws Exception {
    start(Map.of("sync-queue-max", "5"));
    cluster.pingResult(peer, false, null, true); // DOWN: its queue keeps what it is owed
    for (int i = 1; i <= 5; i++) {
      register(i);
    }
    Poll.until(Duration.ofSeconds(10), "five changes wait", () -> sync.pending(peer) == 5);
    assertEquals(0, metrics.syncOverflows.sum());
    register(6);
    Poll.until(Duration.ofSeconds(10), "the sixth overflows the queue", () -> metrics.syncOverflows.sum() == 1);
    assertEquals(0, sync.pending(peer), "dropped whole");
    register(7);
    Poll.until(Duration.ofSeconds(10), "later changes queue again", () -> sync.pending(peer) == 1);
    assertTrue(meters.scrape().contains("distro_sync_overflows_total 1.0"), "in /metrics");
    cluster.pingResult(peer, true, Member.State.UP, false);
    Poll.until(Duration.ofSeconds(10), "sent when the peer is back", () -> sync.pending(peer) == 0
        && metrics.syncEntriesSent.sum() == 1);
  }

  @Test
  void queueDepth_readFromAnotherThreadWhileTheLoopMergesChanges() throws Exception {
    start(Map.of("sync-queue-max", "100000", "batch-max-entries", "100000"));
    cluster.pingResult(peer, false, null, true);
    AtomicReference<String> bad = new AtomicReference<>();
    AtomicInteger reads = new AtomicInteger();
    Thread reader = new Thread(() -> {
      int last = 0;
      while (!Thread.currentThread().isInterrupted()) {
        int n = sync.pending(peer);
        String scraped = meters.scrape();
        reads.incrementAndGet();
        if (n < last || n > 2_000 || n > 0 && !scraped.contains("distro_sync_queue_depth{peer=\"" + peer + "\"}")) {
          bad.compareAndSet(null, "read " + n + " after " + last);
        }
        last = n;
      }
    });
    reader.start();
    try {
      for (int i = 0; i < 2_000; i++) {
        store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "s" + (i % 7)), "DEFAULT",
            "10.1." + (i / 250) + "." + (i % 250), 80, 1.0, true, true, true, Map.of(), 0));
      }
      Poll.until(Duration.ofSeconds(10), "all 2000 changes wait for the peer", () -> sync.pending(peer) == 2_000);
      Poll.until(Duration.ofSeconds(10), "the reader ran alongside", () -> reads.get() > 10);
    } finally {
      reader.interrupt();
      reader.join(5_000);
    }
    assertEquals(null, bad.get());
  }

  @Test
  void aBurstFromOtherThreads_isMergedInSlices_notInOnePass() throws Exception {
    // a window long enough for the whole burst to wait in the inbox for one periodic pass
    start(Map.of("sync-queue-max", "100000", "batch-max-entries", "100000", "batch-window-ms", "1000"));
    cluster.pingResult(peer, false, null, true); // DOWN: its queue keeps every change
    int n = 3 * DistroSyncVerticle.DRAIN_SLICE + 5;
    for (int i = 0; i < n; i++) {
      store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "s" + (i % 7)), "DEFAULT",
          "10.2." + (i / 250) + "." + (i % 250), 80, 1.0, true, true, true, Map.of(), 0));
    }
    Poll.until(Duration.ofSeconds(20), "all changes wait for the peer", () -> sync.pending(peer) == n);
    int largest = sync.largestPass();
    assertTrue(largest <= DistroSyncVerticle.DRAIN_SLICE, "one pass merged " + largest + " changes");
    assertEquals(0, metrics.syncOverflows.sum());
  }

  @Test
  void aLoneChange_isSentAtOnce_notAtTheEndOfTheWindow() throws Exception {
    start(Map.of("batch-window-ms", "2000"));
    // empty passes of the periodic flush start no window: right after one, the next is 2 s away
    long passes = sync.flushes();
    Poll.until(Duration.ofSeconds(10), "an empty flush pass", () -> sync.flushes() == passes + 1);
    long before = sync.flushes();
    register(1);
    Poll.until(Duration.ofSeconds(5), "the lone change sent", () -> requests.get() == 1
        && metrics.syncEntriesSent.sum() == 1);
    assertEquals(before + 1, sync.flushes());
    assertEquals(1, sync.loneFlushes(), "sent by a flush of its own, not the window's");
  }

  @Test
  void aBatchForTwoPeers_isEncodedOnce_andBothGetTheSameBody() throws Exception {
    int selfPort = TestCluster.freePortPairForTests();
    int[] peerPorts = {TestCluster.freePortPairForTests(), TestCluster.freePortPairForTests()};
    self = "127.0.0.1:" + selfPort;
    List<String> peers = List.of("127.0.0.1:" + peerPorts[0], "127.0.0.1:" + peerPorts[1]);
    Map<String, String> s = new HashMap<>(Map.of("host", "127.0.0.1", "bind", "127.0.0.1",
        "port", String.valueOf(selfPort), "members", self + "," + String.join(",", peers),
        "cluster-secret", TestCluster.SECRET, "batch-window-ms", "10"));
    cluster = new Cluster(self);
    cluster.setMembers(List.of(self, peers.get(0), peers.get(1)));
    List<List<String>> bodies = List.of(new java.util.concurrent.CopyOnWriteArrayList<>(),
        new java.util.concurrent.CopyOnWriteArrayList<>());
    for (int k = 0; k < 2; k++) {
      cluster.pingResult(peers.get(k), true, Member.State.UP, false);
      List<String> mine = bodies.get(k);
      Wait.on(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
        mine.add(b.toString());
        req.response().end("{}");
      })).listen(peerPorts[k] + NodeConfig.PEER_PORT_OFFSET, "127.0.0.1"), 20);
    }
    sync = new DistroSyncVerticle(NodeConfig.of(s), store, metrics, meters, cluster, new Liveness(),
        new PeerClients(NodeConfig.of(s), self, null));
    store.addListener(sync);
    Wait.on(vertx.deployVerticle(sync), 20);
    for (int i = 1; i <= 50; i++) {
      register(i);
    }
    Poll.until(Duration.ofSeconds(10), "both peers have all 50 changes", () -> sync.pending(peers.get(0)) == 0
        && sync.pending(peers.get(1)) == 0 && metrics.syncEntriesSent.sum() == 100);
    // batch boundaries may differ when one peer answers sooner; the changes and their order do not
    List<List<String>> entries = new java.util.ArrayList<>();
    for (List<String> peerBodies : bodies) {
      List<String> flat = new java.util.ArrayList<>();
      for (String b : peerBodies) {
        new io.vertx.core.json.JsonObject(b).getJsonArray("entries").forEach(e -> flat.add(e.toString()));
      }
      entries.add(flat);
    }
    assertEquals(entries.get(0), entries.get(1), "both peers got the same changes in the same order");
    long distinct = java.util.stream.Stream.concat(bodies.get(0).stream(), bodies.get(1).stream()).distinct().count();
    long sent = bodies.get(0).size() + bodies.get(1).size();
    assertEquals(distinct, sync.encodes(), "each distinct batch encoded once");
    org.junit.jupiter.api.Assertions.assertTrue(distinct < sent, "at least one batch went to both peers from one"
        + " encoding: " + distinct + " encodings for " + sent + " requests");
  }
}

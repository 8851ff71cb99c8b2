package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Slow-header clients and connection floods against both ports of a two-node cluster: the node
 * keeps answering everyone else promptly, the peers keep seeing each other, and its registry does
 * not change. Memory is bounded against a baseline measured in the same run: after three floods the
 * heap is back within a quarter of what one flood held while open, and a connection that sends more
 * header than the limit holds no more than an idle one plus twice the limit (without the limit,
 * 300 such connections held 36 MiB against an 8 MiB bound). (The node has no header timeout yet, so it does not close such
 * connections itself: see Known limitations in docs/ARCHITECTURE.md.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileConnectionTest {

  TestCluster cluster;
  String a;
  NodeConfig config;
  Api api;
  int clientPort;
  int peerPort;
  final List<Socket> sockets = new ArrayList<>();

  @BeforeAll
  void start() {
    cluster = TestCluster.started(2, Map.of());
    a = cluster.address(0);
    config = cluster.node(a).config();
    api = cluster.api(a);
    clientPort = config.port;
    peerPort = config.peerPort;
    api.post("/nacos/v1/ns/instance", "serviceName", "conn", "ip", "10.5.0.1", "port", "80", "metadata",
        "{\"preserved.heart.beat.timeout\":\"3600000\",\"preserved.ip.delete.timeout\":\"3600000\"}");
    Poll.until(Duration.ofSeconds(10), "on both nodes", () -> cluster.running().stream()
        .allMatch(n -> cluster.node(n).store().instanceCount() == 1));
  }

  @AfterEach
  void closeSockets() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closed already
      }
    }
    sockets.clear();
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  Socket open(int port, String first) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    sockets.add(s);
    if (!first.isEmpty()) {
      s.getOutputStream().write(first.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
    }
    return s;
  }

  /** True once the node closed {@code s} (EOF or reset); never blocks more than 1 ms. */
  static boolean closedByNode(Socket s) {
    try {
      s.setSoTimeout(1);
      InputStream in = s.getInputStream();
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A normal request answers 200 within {@code ms}. */
  void answersWithin(long ms, String what) {
    long t0 = System.nanoTime();
    assertEquals(200, api.get("/nacos/v1/ns/instance/list", "serviceName", "conn").statusCode(), what);
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(took < ms, what + ": a normal request took " + took + " ms");
  }

  @Test
  void slowHeaderClients_doNotDelayOthers_andChangeNothing() throws IOException {
    RegistryState before = RegistryState.of(cluster);
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      slow.add(open(clientPort, "PUT /nacos/v1/ns/instance/beat?serviceName=conn&ip=10.5.0.1&port=80 HTTP/1.1\r\n"
          + "Host: x\r\nX-Slow: "));
      slow.add(open(peerPort, "POST /distro/sync HTTP/1.1\r\nHost: x\r\nX-Distro-Secret: "));
      slow.add(open(clientPort, "GET /nacos/v1/ns/watch HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Slow: "));
      slow.add(open(clientPort, "GET /nacos/v1/ns/instance/list?serviceName="));
    }
    // 20 rounds: every slow client sends one more header byte, and a normal request must stay prompt
    for (int round = 0; round < 20; round++) {
      for (Socket s : slow) {
        s.getOutputStream().write('x');
        s.getOutputStream().flush();
      }
      answersWithin(1_000, "round " + round + " with 40 slow-header clients");
    }
    before.assertUnchanged(cluster, "slow headers");
  }

  /** Client-port connections per wave, half of them with a header block started and never ended. */
  static final int WAVE = 2_000;
  static final int PEER_WAVE = 200;

  @Test
  void connectionFloods_doNotDelayOthers_heapReturns_andChangeNothing() throws IOException {
    RegistryState before = RegistryState.of(cluster);
    long heapBefore = usedHeapAfterGc();
    // just under the 8 KiB header limit: each half-sent request holds as much as the node lets it
    String partial = "GET /nacos/v1/ns/instance/list?serviceName=conn HTTP/1.1\r\nHost: x\r\nX-Pad: "
        + "p".repeat(7_000);
    long openCost = Long.MAX_VALUE;
    for (int wave = 0; wave < 3; wave++) {
      for (int i = 0; i < WAVE; i++) {
        open(clientPort, i % 2 == 0 ? partial : "");
      }
      for (int i = 0; i < PEER_WAVE; i++) {
        open(peerPort, i % 2 == 0 ? "GET /distro/snapshot HTTP/1.1\r\n" : "");
      }
      answersWithin(1_000, "wave " + wave + ": " + (WAVE + PEER_WAVE) + " idle or half-sent connections open");
      var live = api.get("/health/live");
      assertEquals(200, live.statusCode(), "event loops responsive: " + live.bodyAsString());
      // answered on a connection accepted after every one of this wave (one accept queue per port)
      openCost = Math.min(openCost, usedHeapAfterGc() - heapBefore);
      closeSockets();
      answersWithin(500, "after wave " + wave);
    }
    Poll.until(Duration.ofSeconds(5), "the peers still see each other",
        () -> cluster.node(a).cluster().view().ring().members().size() == 2);
    // The bound is relative to what one wave of open connections was measured to hold (client and
    // node side both live in this JVM): if a closed connection left even a quarter of that behind,
    // three waves would leave three quarters of a wave.
    long cost = openCost;
    assertTrue(cost > 4L * 1024 * 1024, "a wave of open connections must be visible in the heap to prove"
        + " anything: it held " + cost / 1024 + " KiB");
    // the node closes its side of each connection on its event loops, shortly after the client
    long[] grown = {Long.MAX_VALUE};
    try {
      Poll.until(Duration.ofSeconds(10), "heap back", () -> (grown[0] = usedHeapAfterGc() - heapBefore) < cost / 4);
    } catch (AssertionError e) {
      throw new AssertionError("heap grew by " + grown[0] / 1024 + " KiB over three floods of " + (WAVE + PEER_WAVE)
          + " connections, closed 10 s ago; one wave open held " + cost / 1024 + " KiB", e);
    }
    System.out.printf("connection floods: a wave of %d open held %d KiB; after three waves, closed: %d KiB%n",
        WAVE + PEER_WAVE, cost / 1024, grown[0] / 1024);
    before.assertUnchanged(cluster, "floods");
  }

  @Test
  void oversizedHeaderBlocks_areCutAtTheLimit_soAConnectionHoldsNoMoreThanAnIdleOne() throws IOException {
    int n = 300;
    int limit = config.maxHeaderBytes;
    // settled first: memory an earlier test left behind, released now, would make the baseline negative
    long heapBefore = settledMemoryAfterGc();
    for (int i = 0; i < n; i++) {
      open(clientPort, "");
    }
    answersWithin(1_000, n + " idle connections open");
    long idle = usedMemoryAfterGc() - heapBefore; // the baseline: what an open connection costs
    closeSockets();
    heapBefore = settledMemoryAfterGc();
    // 64 KiB of header, never ended: without the limit the node would keep all of it for each
    String big = "GET /nacos/v1/ns/instance/list?serviceName=conn HTTP/1.1\r\nHost: x\r\nX-Pad: "
        + "p".repeat(64 * 1024);
    for (int i = 0; i < n; i++) {
      Socket s = open(clientPort, "");
      try {
        s.getOutputStream().write(big.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
      } catch (IOException refused) {
        // the node answered 431 and closed while this was still being written
      }
    }
    answersWithin(1_000, n + " connections with oversized headers");
    long held = usedMemoryAfterGc() - heapBefore;
    long bound = Math.max(0, idle) + (long) n * 2 * limit; // a negative reading is noise: never above the limit's share
    System.out.printf("oversized headers: %d idle connections held %d KiB, %d with 64 KiB headers %d KiB"
        + " (bound %d KiB)%n", n, idle / 1024, n, held / 1024, bound / 1024);
    assertTrue(held < bound, n + " connections with 64 KiB headers held " + held / 1024 + " KiB; idle ones held "
        + idle / 1024 + " KiB, and the " + limit + "-byte header limit allows " + bound / 1024 + " KiB");
    assertTrue(closedByNode(sockets.get(0)), "the node closed a connection whose header passed the limit");
  }

  /**
   * Heap after GC plus the JVM's direct buffers: the node reads into pooled direct buffers, where
   * a request's header bytes wait until the header block is complete.
   */
  static long usedMemoryAfterGc() {
    long heap = usedHeapAfterGc();
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    return heap + direct;
  }

  /** {@link #usedMemoryAfterGc} once two readings in a row agree within 1 MiB (at most 5 s). */
  static long settledMemoryAfterGc() {
    long deadline = System.nanoTime() + 5_000_000_000L;
    long last = usedMemoryAfterGc();
    while (true) {
      long now = usedMemoryAfterGc();
      if (Math.abs(now - last) < 1024 * 1024 || System.nanoTime() > deadline) {
        return now;
      }
      last = now;
    }
  }

  static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) { // several collections: take the lowest reading
      System.gc();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }
}

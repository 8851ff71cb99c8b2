package dev.distro.registry.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.NonReadingWatcher;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import dev.distro.registry.testing.WatchClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshots under backpressure (issue 13): a snapshot is streamed only as fast as the client reads,
 * identical subscriptions share one, the node-wide budget holds, and connections that do not read
 * are closed (1013) and cut, whatever the registry's size.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchBackpressureTest {

  static final Map<String, String> PAD = Map.of("pad", "p".repeat(200));
  Vertx vertx = Vertx.vertx();
  Node node;
  final List<WatchClient> clients = new ArrayList<>();
  final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    clients.forEach(WatchClient::close);
    Wait.on(vertx.close());
  }

  void populate(int n) {
    RegistryStore store = node.store();
    for (int i = 0; i < n; i++) {
      store.register(new Instance(new ServiceKey("public", i % 2 == 0 ? "EVEN" : "ODD", "svc" + i % 50), "DEFAULT",
          "10.1." + (i >> 8 & 255) + "." + (i & 255), 80, 1, true, true, true, PAD, 0));
    }
  }

  @Test
  void pausedClient_snapshotIsStreamedWithinItsBound_identicalSubscriptionsShareIt_mirrorsEndExact() {
    node = TestNodes.standalone(vertx, Map.of());
    populate(20_000); // about 9 MB per snapshot
    WatchHub hub = node.watch();
    RegistryStore store = node.store();
    WatchClient c = new WatchClient(vertx, node.config().port);
    clients.add(c);
    c.ws.pause();
    for (int i = 0; i < 8; i++) { // not waiting for each write: they may reach the node in one read or several
      c.ws.writeTextMessage(WatchApiTest.sub("all" + i, null, null, null).encode());
    }
    c.send(WatchApiTest.sub("odd", "public", "ODD", null));
    long bound = hub.limits.maxQueuedBytes() + 64 * 1024;
    // while the client does not read, the node holds at most the connection's bound, and keeps changing
    Poll.until(Duration.ofSeconds(5), "the connection's queue filled", () -> hub.queuedBytes() > bound / 2);
    for (int i = 0; i < 300; i++) {
      Instance x = new Instance(new ServiceKey("public", i % 2 == 0 ? "EVEN" : "ODD", "svc" + i % 50), "DEFAULT",
          "10.1." + (i >> 8 & 255) + "." + (i & 255), 80, 2, i % 3 != 0, true, true, PAD, 0);
      if (i % 10 == 0) {
        store.deregister(x.service(), x.localId(), dev.distro.registry.store.ChangeEvent.Reason.DEREGISTER);
      } else {
        store.register(x);
      }
      store.register(new Instance(new ServiceKey("public", "ODD", "new" + i % 7), "DEFAULT", "10.9.0." + i % 250,
          81 + i, 1, true, true, true, PAD, 0));
    }
    Poll.holdsFor(Duration.ofMillis(2_500), Poll.rounds("watch loop passes", 2, hub.loopTicks::sum),
        () -> hub.queuedBytes() <= bound ? null
        : "queued " + hub.queuedBytes() + " bytes to a paused client, over " + bound);
    c.ws.resume();
    Map<String, JsonObject> all = WatchApiTest.registry(store);
    Map<String, JsonObject> odd = new HashMap<>();
    all.forEach((k, v) -> {
      if ("ODD".equals(v.getString("group"))) {
        odd.put(k, v);
      }
    });
    Poll.until(Duration.ofSeconds(30), "every subscription's mirror equals the registry", () -> {
      for (int i = 0; i < 8; i++) {
        if (!mirror(c, "all" + i).equals(all)) {
          return false;
        }
      }
      return mirror(c, "odd").equals(odd);
    });
    // the 8 identical subscriptions share one snapshot (a late one also gets the part it missed)
    long chunks = hub.snapshotChunks.sum();
    long sent = c.frames.stream().filter(f -> "snapshot".equals(f.getString("type"))).count();
    long allChunks = c.frames.stream().filter(f -> "snapshot".equals(f.getString("type"))
        && "all0".equals(f.getString("id"))).count();
    long oddChunks = c.frames.stream().filter(f -> "snapshot".equals(f.getString("type"))
        && "odd".equals(f.getString("id"))).count();
    System.out.printf("snapshot chunks: %d encoded, %d sent; one unfiltered snapshot is %d chunks%n", chunks, sent,
        allChunks);
    assertTrue(chunks < 2 * (allChunks + oddChunks), chunks + " chunks encoded for " + sent + " sent");
    for (int i = 0; i < 8; i++) {
      String id = "all" + i;
      assertEquals(1, c.frames.stream().filter(f -> id.equals(f.getString("id")) && f.getBoolean("last", false))
          .count(), id + ": one last chunk");
    }
    assertEquals(0, node.metrics().watchSlowCloses.sum());
  }

  static Map<String, JsonObject> mirror(WatchClient c, String id) {
    Map<String, JsonObject> m = new HashMap<>();
    for (JsonObject f : c.frames) {
      if (id.equals(f.getString("id"))) {
        WatchApiTest.apply(m, f);
      }
    }
    return m;
  }

  @Test
  void nonReadingConnections_areClosedAndCutBeforeTheBudgetIsReached_aReaderIsServed() throws Exception {
    node = TestNodes.standalone(vertx, Map.of("watch-budget-bytes", String.valueOf(2 * 1024 * 1024)));
    populate(20_000);
    WatchHub hub = node.watch();
    assertEquals(2 * 1024 * 1024, hub.budgetBytes());
    for (int i = 0; i < 6; i++) {
      sockets.add(NonReadingWatcher.open(node.config().port, 64));
    }
    Poll.until(Duration.ofSeconds(5), "6 watch connections", () -> hub.connections() == 6);
    Poll.until(Duration.ofSeconds(10), "over half the budget queued", () -> hub.underPressure());
    WatchClient reader = new WatchClient(vertx, node.config().port);
    clients.add(reader);
    // a reader is served while they hold on: over half the budget, nobody grows past its share
    reader.send(WatchApiTest.sub("r", "public", "ODD", "svc1"));
    reader.await(Duration.ofSeconds(5), "its snapshot", f -> "snapshot".equals(f.getString("type"))
        && f.getBoolean("last"));
    assertEquals(0, node.metrics().watchSlowCloses.sum(), "served before any non-reader was closed");
    long[] most = {0};
    // each round: the queues fill, 2 s without reading, closed, cut 2 s later; then the next ones grow
    Poll.until(Duration.ofSeconds(30), "the non-reading connections closed and cut", () -> {
      long q = hub.queuedBytes();
      most[0] = Math.max(most[0], q);
      assertTrue(q < hub.budgetBytes(), "queued " + q + ": the budget reached");
      return hub.connections() == 1;
    });
    assertEquals(6, node.metrics().watchSlowCloses.sum());
    System.out.printf("at most %,d bytes queued to watchers (budget %,d)%n", most[0], hub.budgetBytes());
    // and afterwards
    int before = reader.ofType("snapshot").size();
    reader.send(WatchApiTest.sub("r2", "public", "EVEN", "svc2"));
    reader.await(Duration.ofSeconds(5), "its second snapshot", f -> "snapshot".equals(f.getString("type"))
        && "r2".equals(f.getString("id")) && f.getBoolean("last"));
    assertTrue(reader.ofType("snapshot").size() > before);
    Poll.until(Duration.ofSeconds(5), "nothing queued once they are gone", () -> hub.queuedBytes() == 0);
  }

  /** Queued bytes are counted in UTF-8, as they go out. */
  @Test
  void utf8Length_matchesTheEncoding() {
    for (String s : new String[] {"", "abc", "\u00e9t\u00e9", "\u20ac", "\ud83d\ude00 x",
        "\u0000\u007f\u0080\u07ff\u0800\uffff"}) {
      assertEquals(s.getBytes(StandardCharsets.UTF_8).length, Frames.utf8Length(s), s);
    }
  }
}

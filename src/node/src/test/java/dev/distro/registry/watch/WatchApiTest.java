package dev.distro.registry.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.WatchClient;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The watch WebSocket, end to end over loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchApiTest {

  static final String I = "/nacos/v1/ns/instance";
  Vertx vertx;
  Node node;
  Api api;
  final List<WatchClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    node = TestNodes.standalone(vertx, Map.of());
    api = new Api(vertx, node.config().port);
  }

  @AfterEach
  void stop() {
    clients.forEach(WatchClient::close);
    api.close();
    Wait.on(vertx.close());
  }

  WatchClient connect() {
    WatchClient c = new WatchClient(vertx, node.config().port);
    clients.add(c);
    return c;
  }

  static JsonObject sub(String id, String ns, String group, String service) {
    JsonObject o = new JsonObject().put("op", "subscribe").put("id", id);
    if (ns != null) {
      o.put("namespace", ns);
    }
    if (group != null) {
      o.put("group", group);
    }
    if (service != null) {
      o.put("service", service);
    }
    return o;
  }

  @Test
  void aNodeNotInService_refusesTheUpgrade503_soTheClientGoesElsewhere() {
    node.status().markNotReady("loading its snapshot (test)");
    io.vertx.core.http.WebSocketClient ws = vertx.createWebSocketClient();
    Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, () -> Wait.on(ws.connect(
        new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.config().port)
            .setURI("/nacos/v1/ns/watch"))));
    while (t.getCause() != null && !(t instanceof io.vertx.core.http.UpgradeRejectedException)) {
      t = t.getCause();
    }
    assertEquals(503, ((io.vertx.core.http.UpgradeRejectedException) t).getStatus());
    node.status().markReady();
    WatchClient c = connect();
    c.await(Duration.ofSeconds(5), "hello once in service", f -> f.getString("type").equals("hello"));
  }

  @Test
  void snapshotThenOrderedEvents_register_update_unhealthy_expiry_deregister() {
    api.post(I, "serviceName", "w", "ip", "10.0.0.1", "port", "1");
    WatchClient c = connect();
    JsonObject hello = c.await(Duration.ofSeconds(5), "hello", f -> f.getString("type").equals("hello"));
    assertEquals(node.watch().epoch(), hello.getString("epoch"));
    c.send(sub("s1", "public", "DEFAULT_GROUP", "w"));
    JsonObject snap = c.await(Duration.ofSeconds(5), "snapshot", f -> f.getString("type").equals("snapshot"));
    assertEquals(1, snap.getJsonArray("instances").size());
    assertTrue(snap.getBoolean("last"));

    api.post(I, "serviceName", "w", "ip", "10.0.0.2", "port", "1", "metadata",
        "{\"preserved.heart.beat.timeout\":\"300\",\"preserved.ip.delete.timeout\":\"700\"}");
    api.put(I, "serviceName", "w", "ip", "10.0.0.1", "port", "1", "weight", "3");
    api.post(I, "serviceName", "other", "ip", "10.0.0.9", "port", "1");
    api.delete(I, "serviceName", "w", "ip", "10.0.0.1", "port", "1");
    c.await(Duration.ofSeconds(5), "expiry of 10.0.0.2", f -> "expired".equals(f.getString("reason")));

    List<JsonObject> events = c.ofType("event");
    List<String> seen = new ArrayList<>();
    long last = snap.getLong("revision");
    for (JsonObject e : events) {
      assertTrue(e.getLong("revision") > last, "revisions increase");
      last = e.getLong("revision");
      seen.add(e.getString("kind") + ":" + e.getString("reason") + ":" + e.getJsonObject("instance").getString("ip"));
    }
    assertEquals(List.of("added:register:10.0.0.2", "modified:update:10.0.0.1", "deleted:deregister:10.0.0.1",
        "modified:unhealthy:10.0.0.2", "deleted:expired:10.0.0.2"), seen);
  }

  @Test
  void filters_namespaceGroupEverything_andSeveralSubscriptionsPerConnection() {
    WatchClient c = connect();
    c.send(sub("all", null, null, null));
    c.send(sub("dev", "dev", null, null));
    c.send(sub("g", "public", "G", null));
    // a change made while a subscription's snapshot is still streaming comes as a `service` frame
    // after it (docs/WATCH.md), not as an event: register once the three snapshots are complete
    for (String id : List.of("all", "dev", "g")) {
      c.await(Duration.ofSeconds(5), "snapshot of " + id, f -> "snapshot".equals(f.getString("type"))
          && id.equals(f.getString("id")) && f.getBoolean("last"));
    }
    api.post(I, "serviceName", "a", "ip", "10.0.0.1", "port", "1");
    api.post(I, "serviceName", "b", "groupName", "G", "ip", "10.0.0.2", "port", "1");
    api.post(I, "serviceName", "c", "namespaceId", "dev", "ip", "10.0.0.3", "port", "1");
    c.await(Duration.ofSeconds(5), "three events for 'all'", f -> c.ofType("event").stream()
        .filter(e -> e.getString("id").equals("all")).count() == 3);
    c.await(Duration.ofSeconds(5), "dev event", f -> "dev".equals(f.getString("id")) && "event".equals(f.getString("type")));
    c.await(Duration.ofSeconds(5), "G event", f -> "g".equals(f.getString("id")) && "event".equals(f.getString("type")));
    assertEquals(1, c.ofType("event").stream().filter(e -> e.getString("id").equals("dev")).count());
    assertEquals(1, c.ofType("event").stream().filter(e -> e.getString("id").equals("g")).count());
    c.send(new JsonObject().put("op", "unsubscribe").put("id", "all"));
    c.await(Duration.ofSeconds(5), "unsubscribed", f -> "unsubscribed".equals(f.getString("type")));
    assertEquals(2, node.watch().subscriptions());
    JsonObject m = api.json(io.vertx.core.http.HttpMethod.GET, "/nacos/v1/ns/operator/metrics", "onlyStatus", "false");
    assertEquals(1, m.getInteger("watchConnections"));
    assertEquals(2, m.getInteger("watchSubscriptions"));
    assertTrue(m.getLong("watchEvents") >= 5);
  }

  @Test
  void badFrames_getErrorFrames_andTheConnectionSurvives() {
    WatchClient c = connect();
    c.send("not json");
    c.send("[1,2]");
    c.send(new JsonObject().put("op", "explode").put("id", "x"));
    c.send(new JsonObject().put("op", "subscribe"));
    c.send(sub("bad", "pub lic", null, null));
    c.send(sub("bad2", null, "G", null));
    c.await(Duration.ofSeconds(5), "six errors", f -> c.ofType("error").size() == 6);
    assertEquals(List.of("bad_json", "bad_request", "unknown_op", "bad_request", "bad_filter", "bad_filter"),
        c.ofType("error").stream().map(e -> e.getString("code")).toList());
    for (int i = 0; i < 64; i++) {
      c.send(sub("s" + i, "public", null, null));
    }
    c.send(sub("s64", "public", null, null));
    c.await(Duration.ofSeconds(5), "limit error", f -> "too_many_subscriptions".equals(f.getString("code")));
    c.send(new JsonObject().put("op", "ping"));
    c.await(Duration.ofSeconds(5), "pong", f -> "pong".equals(f.getString("type")));
    assertFalse(c.ws.isClosed());

    c.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
    Poll.until(Duration.ofSeconds(5), "an oversized frame closes the connection", () -> c.closeCode != null);
    assertEquals(1009, (int) c.closeCode);
    assertEquals(200, api.get("/health/live").statusCode());
  }

  @Test
  void resume_afterForcedDisconnect_underChurn_noGapNoDuplicate_tooOldResets() throws Exception {
    RegistryStore store = node.store();
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "churn");
    AtomicBoolean churning = new AtomicBoolean(true);
    Thread churn = new Thread(() -> {
      int i = 0;
      while (churning.get()) {
        String ip = "10.7.0." + (i % 200 + 1);
        if (i % 3 == 2) {
          store.deregister(svc, Instance.localId(ip, 80, "DEFAULT"), ChangeEvent.Reason.DEREGISTER);
        } else {
          store.register(new Instance(svc, "DEFAULT", ip, 80, 1 + i % 5, true, true, true, Map.of(), 0));
        }
        i++;
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
      }
    });
    List<Long> received = new ArrayList<>();
    WatchClient first = connect();
    first.send(sub("s", "public", "DEFAULT_GROUP", "churn"));
    long start = first.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")))
        .getLong("revision");
    churn.start();
    Poll.until(Duration.ofSeconds(10), "events flow", () -> first.ofType("event").size() > 500);
    first.ws.close();
    Poll.until(Duration.ofSeconds(5), "closed", first.ws::isClosed);
    first.ofType("event").forEach(e -> received.add(e.getLong("revision")));
    long lastSeen = received.get(received.size() - 1);

    WatchClient second = connect();
    second.send(sub("s", "public", "DEFAULT_GROUP", "churn").put("resume",
        new JsonObject().put("epoch", node.watch().epoch()).put("revision", lastSeen)));
    second.await(Duration.ofSeconds(5), "resumed", f -> "resumed".equals(f.getString("type")));
    Poll.until(Duration.ofSeconds(10), "more events", () -> second.ofType("event").size() > 500);
    churning.set(false);
    churn.join();
    long head = store.revision();
    Poll.until(Duration.ofSeconds(10), "caught up", () -> {
      List<JsonObject> ev = second.ofType("event");
      return !ev.isEmpty() && ev.get(ev.size() - 1).getLong("revision") == head;
    });
    second.ofType("event").forEach(e -> received.add(e.getLong("revision")));

    List<Long> expected = new ArrayList<>();
    EventLog log = node.watch().log();
    assertTrue(log.oldest() <= start + 1, "the log still holds the whole run");
    for (long r = start + 1; r <= head; r++) {
      ChangeEvent e = log.get(r);
      if (e != null && e.service().equals(svc) && (e.current() != null || e.previous() != null)) {
        expected.add(r);
      }
    }
    assertEquals(expected, received, "exactly the node's own log: no gap, no duplicate");

    WatchClient third = connect();
    third.send(sub("old", "public", "DEFAULT_GROUP", "churn").put("resume",
        new JsonObject().put("epoch", "another-lifetime").put("revision", 5)));
    JsonObject reset = third.await(Duration.ofSeconds(5), "reset", f -> "reset".equals(f.getString("type")));
    assertEquals("epoch", reset.getString("reason"));
    third.await(Duration.ofSeconds(5), "fresh snapshot", f -> "snapshot".equals(f.getString("type")));
  }

  @Test
  void resume_tooOld_resetsAndSnapshots() {
    Node small = TestNodes.standalone(vertx, Map.of("watch-log-size", "16"));
    WatchClient c = new WatchClient(vertx, small.config().port);
    clients.add(c);
    for (int i = 0; i < 40; i++) {
      small.store().register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "x"), "DEFAULT",
          "10.6.0." + (i + 1), 80, 1, true, true, true, Map.of(), 0));
    }
    c.send(sub("s", "public", null, null).put("resume",
        new JsonObject().put("epoch", small.watch().epoch()).put("revision", 3)));
    assertEquals("too old", c.await(Duration.ofSeconds(5), "reset", f -> "reset".equals(f.getString("type")))
        .getString("reason"));
    JsonObject snap = c.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
    assertEquals(40, snap.getJsonArray("instances").size());
  }

  /**
   * A reader that stops reading falls behind; once it is more than half the change log behind
   * (here 7,500 of a 15,000-change log, which still holds the test's 10,000 changes) its changes
   * are coalesced into service frames.
   */
  @Test
  void slowReader_isCoalesced_endsInTheRegistrysState_othersNotDelayed() throws Exception {
    node = TestNodes.standalone(vertx, Map.of("watch-log-size", "15000"));
    RegistryStore store = node.store();
    WatchClient slow = connect();
    WatchClient fast = connect();
    slow.send(sub("s", null, null, null));
    fast.send(sub("f", null, null, null));
    slow.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
    fast.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
    slow.ws.pause();
    Map<String, String> big = new HashMap<>();
    big.put("pad", "p".repeat(1500));
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 500; i++) {
        store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "svc" + (i % 20)), "DEFAULT",
            "10.5." + (i / 250) + "." + (i % 250 + 1), 80, 1 + round, true, true, true, big, 0));
      }
    }
    long head = store.revision();
    fast.await(Duration.ofSeconds(10), "the fast watcher is current", f -> f.getLong("revision", 0L) == head);
    assertTrue(node.metrics().watchCoalesced.sum() > 0, "the slow watcher's changes were coalesced");
    slow.ws.resume();
    Map<String, JsonObject> mirror = new HashMap<>();
    Poll.until(Duration.ofSeconds(20), "the slow mirror equals the registry", () -> {
      mirror.clear();
      for (JsonObject f : slow.frames) {
        apply(mirror, f);
      }
      return mirror.equals(registry(store));
    });
    assertEquals(0, node.metrics().watchSlowCloses.sum());
  }

  /**
   * A reader that stops reading for a moment while its queue fills, but stays well within the
   * change log, gets every change as an event, in order, once it reads again: nothing coalesced
   * into whole-service frames (before, the first moment without room did that, and under steady
   * writes such a watcher never got back to events).
   */
  @Test
  void readerPausedWithinTheLog_getsEveryEvent_noneCoalesced() throws Exception {
    RegistryStore store = node.store();
    WatchClient reader = connect();
    reader.send(sub("r", null, null, null));
    reader.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
    reader.ws.pause();
    Map<String, String> big = new HashMap<>();
    big.put("pad", "p".repeat(3000));
    long first = store.revision() + 1;
    for (int i = 0; i < 6_000; i++) {
      store.register(new Instance(new ServiceKey("public", "DEFAULT_GROUP", "svc" + (i % 20)), "DEFAULT",
          "10.7." + (i / 250) + "." + (i % 250 + 1), 80, 1, true, true, true, big, 0));
    }
    long head = store.revision();
    // more queued than one drain pass may write (256 KiB): the socket stopped taking frames
    Poll.until(Duration.ofSeconds(10), "the reader's frames back up",
        () -> node.watch().queuedBytes() > 256 * 1024);
    reader.ws.resume();
    Poll.until(Duration.ofSeconds(20), "every change reached the reader", () -> reader.frames.stream()
        .anyMatch(f -> "event".equals(f.getString("type")) && f.getLong("revision", 0L) == head));
    List<Long> revisions = new ArrayList<>();
    for (JsonObject f : reader.frames) {
      assertNotEquals("service", f.getString("type"), "no whole-service frame");
      if ("event".equals(f.getString("type"))) {
        revisions.add(f.getLong("revision"));
      }
    }
    List<Long> expected = new ArrayList<>();
    for (long r = first; r <= head; r++) {
      expected.add(r);
    }
    assertEquals(expected, revisions, "every change once, in order");
    assertEquals(0, node.metrics().watchCoalesced.sum());
  }

  static String key(JsonObject i) {
    return i.getString("namespace") + "/" + i.getString("group") + "/" + i.getString("service") + "/"
        + i.getString("cluster") + "/" + i.getString("ip") + ":" + i.getInteger("port");
  }

  static void apply(Map<String, JsonObject> mirror, JsonObject f) {
    switch (f.getString("type")) {
      case "snapshot" -> f.getJsonArray("instances").forEach(o -> mirror.put(key((JsonObject) o), (JsonObject) o));
      case "event" -> {
        JsonObject i = f.getJsonObject("instance");
        if ("deleted".equals(f.getString("kind"))) {
          mirror.remove(key(i));
        } else {
          mirror.put(key(i), i);
        }
      }
      case "service" -> {
        String prefix = f.getString("namespace") + "/" + f.getString("group") + "/" + f.getString("service") + "/";
        mirror.keySet().removeIf(k -> k.startsWith(prefix));
        f.getJsonArray("instances").forEach(o -> mirror.put(key((JsonObject) o), (JsonObject) o));
      }
      case "reset" -> mirror.clear();
      default -> { }
    }
  }

  static Map<String, JsonObject> registry(RegistryStore store) {
    Map<String, JsonObject> out = new HashMap<>();
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        dev.distro.registry.support.JsonWriter w = new dev.distro.registry.support.JsonWriter();
        Frames.writeInstance(w, r.instance());
        JsonObject o = new JsonObject(w.toString());
        out.put(key(o), o);
      }
    }
    return out;
  }

  @Test
  void shutdown_sendsGoaway_andCloses1001() {
    WatchClient c = connect();
    c.send(sub("s", null, null, null));
    c.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
    Wait.on(node.stop());
    c.await(Duration.ofSeconds(5), "goaway", f -> "goaway".equals(f.getString("type")));
    Poll.until(Duration.ofSeconds(5), "closed", () -> c.closeCode != null);
    assertEquals(1001, (int) c.closeCode);
  }

  @Test
  void threeNodes_aWatcherOnB_seesARegistrationMadeOnA() {
    try (TestCluster cluster = TestCluster.started(3, Map.of())) {
      String a = cluster.address(0);
      String b = cluster.address(1);
      WatchClient w = new WatchClient(cluster.node(b).vertx(), cluster.node(b).config().port);
      clients.add(w);
      w.send(sub("s", "public", "DEFAULT_GROUP", "xnode"));
      w.await(Duration.ofSeconds(5), "snapshot", f -> "snapshot".equals(f.getString("type")));
      cluster.api(a).post(I, "serviceName", "xnode", "ip", "10.4.0.1", "port", "80");
      JsonObject e = w.await(Duration.ofSeconds(5), "the event on B", f -> "event".equals(f.getString("type")));
      assertEquals("10.4.0.1", e.getJsonObject("instance").getString("ip"));
      assertNotNull(e.getString("reason"));
      w.close();
      clients.remove(w);
    }
  }
}

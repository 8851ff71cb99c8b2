package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real in-JVM clusters: every node its own Vert.x, real HTTP between them on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistroClusterTest {

  static final String I = "/nacos/v1/ns/instance";
  final Random random = new Random(42);
  TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  String any() {
    List<String> r = cluster.running();
    return r.get(random.nextInt(r.size()));
  }

  Set<String> hosts(String node, String service) {
    JsonArray hosts = cluster.api(node).list(service).getJsonArray("hosts");
    Set<String> out = new TreeSet<>();
    for (Object o : hosts) {
      JsonObject h = (JsonObject) o;
      out.add(h.getString("ip") + ":" + h.getInteger("port") + (h.getBoolean("healthy") ? "" : "(unhealthy)"));
    }
    return out;
  }

  void awaitEverywhere(String service, Set<String> expected, Duration within) {
    for (String n : cluster.running()) {
      Set<String>[] last = new Set[1];
      try {
        Poll.until(within, service + " on " + n, () -> (last[0] = hosts(n, service)).equals(expected));
      } catch (AssertionError e) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(last[0]);
        Set<String> extra = new TreeSet<>(last[0]);
        extra.removeAll(expected);
        throw new AssertionError(e.getMessage() + ": missing " + missing + ", extra " + extra);
      }
    }
  }

  static String ip(int i) {
    return "10.8." + (i / 250) + "." + (i % 250 + 1);
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5})
  void writesThroughRandomNodes_visibleOnEveryNode(int size) {
    cluster = TestCluster.started(size, Map.of());
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < 60; i++) {
      HttpResponse<Buffer> r = cluster.api(any()).post(I, "serviceName", "orders", "ip", ip(i), "port", "8080");
      assertEquals("ok", r.bodyAsString());
      expected.add(ip(i) + ":8080");
    }
    awaitEverywhere("orders", expected, Duration.ofSeconds(5));
    for (int i = 0; i < 20; i++) {
      cluster.api(any()).delete(I, "serviceName", "orders", "ip", ip(i), "port", "8080");
      expected.remove(ip(i) + ":8080");
    }
    awaitEverywhere("orders", expected, Duration.ofSeconds(5));
  }

  @Test
  void writeForAnotherOwner_isForwardedAndAppliedOnTheOwner() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    Map<String, List<ChangeEvent>> events = new java.util.HashMap<>();
    for (String n : cluster.running()) {
      List<ChangeEvent> list = new CopyOnWriteArrayList<>();
      events.put(n, list);
      cluster.node(n).store().addListener(list::add);
    }
    int i = 0;
    while (a.equals(cluster.node(a).cluster().ownerOf(ip(i), 80))) {
      i++;
    }
    String owner = cluster.node(a).cluster().ownerOf(ip(i), 80);
    assertEquals("ok", cluster.api(a).post(I, "serviceName", "fwd", "ip", ip(i), "port", "80").bodyAsString());
    assertEquals(1, cluster.node(a).metrics().forwards.sum());
    assertTrue(events.get(owner).stream().anyMatch(e -> e.reason() == ChangeEvent.Reason.REGISTER),
        "the owner applied the client's write");
    awaitEverywhere("fwd", Set.of(ip(i) + ":80"), Duration.ofSeconds(5));
    assertTrue(events.get(a).stream().allMatch(e -> e.reason() == ChangeEvent.Reason.SYNC),
        "the receiving node only got the owner's sync");

    String beat = cluster.api(a).put(I + "/beat", "serviceName", "fwd", "ip", ip(i), "port", "80").bodyAsString();
    assertEquals(10200, new JsonObject(beat).getInteger("code"));
    assertEquals(2, cluster.node(a).metrics().forwards.sum(), "beats are forwarded too");
    cluster.api(a).get(I + "/list", "serviceName", "fwd");
    assertEquals(2, cluster.node(a).metrics().forwards.sum(), "reads are never forwarded");
  }

  /**
   * A form-body write (as the Nacos 1.x client sends them) reaches its owner with the client's
   * bytes: the owner decodes the same values the receiving node did, characters an encoder treats
   * specially included.
   */
  @Test
  void formWriteForAnotherOwner_ownerDecodesTheSameValues() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    int i = 0;
    while (a.equals(cluster.node(a).cluster().ownerOf(ip(i), 80))) {
      i++;
    }
    String owner = cluster.node(a).cluster().ownerOf(ip(i), 80);
    String metadata = "{\"k\":\"a+b %2B ~*'() \u00e9\u4e2d&=\"}";
    assertEquals("ok", cluster.api(a).form(io.vertx.core.http.HttpMethod.POST, I, "serviceName", "fwdform",
        "ip", ip(i), "port", "80", "metadata", metadata).bodyAsString());
    assertEquals(1, cluster.node(a).metrics().forwards.sum());
    assertEquals(0, cluster.node(a).metrics().forwardFailures.sum());
    dev.distro.registry.store.Registration onOwner = cluster.node(owner).store()
        .find(new dev.distro.registry.model.ServiceKey("public", "DEFAULT_GROUP", "fwdform"), ip(i) + "#80#DEFAULT");
    assertTrue(onOwner != null, "applied on the owner");
    assertEquals("a+b %2B ~*'() \u00e9\u4e2d&=", onOwner.instance().metadata().get("k"));
  }

  @Test
  void manyWritesInOneWindow_fewPeerRequests() {
    cluster = TestCluster.started(3, Map.of("batch-window-ms", "300", "verify-interval-ms", "60000"));
    String a = cluster.address(0);
    Node node = cluster.node(a);
    long before = node.metrics().syncBatchesSent.sum();
    WebClient client = WebClient.create(node.vertx());
    List<io.vertx.core.Future<?>> all = new ArrayList<>();
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < 400; i++) {
      expected.add(ip(i) + ":9000");
      all.add(client.post(Integer.parseInt(a.substring(a.indexOf(':') + 1)), "127.0.0.1",
              I + "?serviceName=batch&ip=" + ip(i) + "&port=9000")
          .putHeader("X-Distro-Forwarded", "test").send());
    }
    Wait.on(io.vertx.core.Future.all(all), 30);
    awaitEverywhere("batch", expected, Duration.ofSeconds(10));
    long batches = node.metrics().syncBatchesSent.sum() - before;
    assertEquals(800, node.metrics().syncEntriesSent.sum(), "400 changes to each of 2 peers");
    assertTrue(batches <= 12, "400 writes to 2 peers in " + batches + " requests");
    client.close();
  }

  @Test
  void syncRetries_afterAPeerComesBack() {
    cluster = TestCluster.started(3, Map.of("verify-interval-ms", "60000"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    cluster.faults.cut(a, b);
    cluster.api(a).post(I, "serviceName", "retry", "ip", "10.9.0.1", "port", "1", "ephemeral", "true");
    Registered owner = localOwner(a, "10.9.0.1");
    Poll.until(Duration.ofSeconds(5), "a sync attempt failed",
        () -> cluster.node(owner.node).metrics().syncFailures.sum() > 0 || !owner.node.equals(a));
    cluster.faults.healAll();
    awaitEverywhere("retry", Set.of("10.9.0.1:1"), Duration.ofSeconds(10));
  }

  /** Where an instance landed: we register through its owner when the test needs a known writer. */
  record Registered(String node) { }

  Registered localOwner(String via, String ip) {
    return new Registered(cluster.node(via).cluster().ownerOf(ip, 1));
  }

  @Test
  void lostDelete_doesNotResurrect() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    String b = cluster.address(1);
    int i = 0;
    while (!a.equals(cluster.node(a).cluster().ownerOf(ip(i), 7))) {
      i++;
    }
    String ip = ip(i);
    cluster.api(a).post(I, "serviceName", "zombie", "ip", ip, "port", "7");
    awaitEverywhere("zombie", Set.of(ip + ":7"), Duration.ofSeconds(5));
    cluster.faults.cut(a, b);
    cluster.api(a).delete(I, "serviceName", "zombie", "ip", ip, "port", "7");
    Poll.until(Duration.ofSeconds(5), "deleted on the owner and the reachable peer",
        () -> hosts(a, "zombie").isEmpty() && hosts(cluster.address(2), "zombie").isEmpty());
    assertEquals(Set.of(ip + ":7"), hosts(b, "zombie"), "b missed the delete");
    cluster.faults.healAll();
    awaitEverywhere("zombie", Set.of(), Duration.ofSeconds(10));
    // b's verify rounds are what would offer its stale copy back to a (and a's would repair b)
    Poll.holdsFor(Duration.ofSeconds(3), verifyRounds(3), () -> {
      for (String n : cluster.running()) {
        if (!hosts(n, "zombie").isEmpty()) {
          return "resurrected on " + n;
        }
      }
      return null;
    });
  }

  @Test
  void joiningNode_loadsSnapshot_andConverges() {
    cluster = new TestCluster(3, Map.of());
    cluster.start(cluster.address(0));
    cluster.start(cluster.address(1));
    cluster.awaitRing();
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < 200; i++) {
      cluster.api(any()).post(I, "serviceName", "snap", "ip", ip(i), "port", "80");
      expected.add(ip(i) + ":80");
    }
    cluster.api(any()).post("/nacos/v1/ns/service", "serviceName", "explicit", "protectThreshold", "0.3");
    awaitEverywhere("snap", expected, Duration.ofSeconds(5));
    String c = cluster.address(2);
    Node node = cluster.start(c);
    cluster.awaitRing();
    assertEquals(1, node.metrics().snapshotLoads.sum());
    assertTrue(node.store().instanceCount() >= 200, "loaded before ready: " + node.store().instanceCount());
    assertEquals(expected, hosts(c, "snap"));
    assertEquals(0.3, cluster.api(c).json(HttpMethod.GET, "/nacos/v1/ns/service", "serviceName", "explicit")
        .getDouble("protectThreshold"), 1e-6);
    Poll.until(Duration.ofSeconds(5), "the others see c UP", () -> cluster.node(cluster.address(0)).cluster()
        .members().stream().anyMatch(m -> m.address().equals(c) && m.state() == Member.State.UP));
  }

  @Test
  void stoppingANode_movesOwnership_beatingInstancesSurvive() {
    cluster = TestCluster.started(3, Map.of());
    String meta = "{\"preserved.heart.beat.timeout\":\"1500\",\"preserved.ip.delete.timeout\":\"3000\"}";
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      cluster.api(any()).post(I, "serviceName", "live", "ip", ip(i), "port", "80", "metadata", meta);
      expected.add(ip(i) + ":80");
    }
    awaitEverywhere("live", expected, Duration.ofSeconds(5));
    String victim = cluster.address(2);
    try (Beater beater = new Beater("live", 30, 300)) {
      cluster.kill(victim);
      // the survivors' lease sweeps are what would drop an instance whose beats were lost
      Poll.holdsFor(Duration.ofSeconds(6), sweeps(cluster.running(), 40), () -> {
        for (String n : cluster.running()) {
          Set<String> h = hosts(n, "live");
          if (!h.equals(expected)) {
            return "on " + n + ": " + h;
          }
        }
        return null;
      });
    }
  }

  @Test
  void partitionedNode_healsWithNothingLost() {
    cluster = TestCluster.started(3, Map.of());
    String meta = "{\"preserved.heart.beat.timeout\":\"1500\",\"preserved.ip.delete.timeout\":\"3000\"}";
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      cluster.api(any()).post(I, "serviceName", "part", "ip", ip(i), "port", "80", "metadata", meta);
      expected.add(ip(i) + ":80");
    }
    awaitEverywhere("part", expected, Duration.ofSeconds(5));
    String c = cluster.address(2);
    try (Beater beater = new Beater("part", 30, 300, cluster.address(0), cluster.address(1))) {
      cluster.faults.isolate(c, cluster.addresses());
      Poll.holdsFor(Duration.ofSeconds(4), sweeps(List.of(cluster.address(0), cluster.address(1)), 30), () -> {
        for (String n : List.of(cluster.address(0), cluster.address(1))) {
          if (!hosts(n, "part").equals(expected)) {
            return "majority side lost instances on " + n + ": " + hosts(n, "part");
          }
        }
        return null;
      });
      cluster.api(cluster.address(0)).post(I, "serviceName", "part", "ip", "10.99.0.1", "port", "80", "metadata", meta);
      cluster.faults.healAll();
      awaitEverywhere("part", withNew(expected), Duration.ofSeconds(10));
    }
  }

  /** The fewest verify rounds any running node has run. */
  Poll.Rounds verifyRounds(long atLeast) {
    return Poll.rounds("verify rounds on every running node", atLeast, () -> cluster.running().stream()
        .mapToLong(n -> cluster.node(n).metrics().verifyRounds.sum()).min().orElseThrow());
  }

  /** The fewest lease sweeps any of {@code nodes} has completed. */
  Poll.Rounds sweeps(List<String> nodes, long atLeast) {
    List<String> fixed = List.copyOf(nodes);
    return Poll.rounds("lease sweeps on each of " + fixed, atLeast, () -> fixed.stream()
        .mapToLong(n -> cluster.node(n).metrics().healthSweeps.sum()).min().orElseThrow());
  }

  static Set<String> withNew(Set<String> s) {
    Set<String> out = new TreeSet<>(s);
    out.add("10.99.0.1:80");
    return out;
  }

  @Test
  void peerApi_requiresTheSecret_andChangesNothingWithout() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    Node node = cluster.node(a);
    int peerPort = node.config().peerPort;
    long revision = node.store().revision();
    WebClient client = WebClient.create(node.vertx());
    String entry = "{\"from\":\"" + cluster.address(1) + "\",\"entries\":[{\"o\":\"put\",\"ns\":\"public\","
        + "\"g\":\"DEFAULT_GROUP\",\"s\":\"evil\",\"c\":\"DEFAULT\",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":99999999999999}]}";
    for (String secret : new String[] {null, "wrong-secret-0123456789", ""}) {
      for (String path : new String[] {"/distro/sync", "/distro/repair", "/distro/verify", "/anything"}) {
        var req = client.post(peerPort, "127.0.0.1", path).putHeader("User-Agent", "Nacos-Server:2.5.1");
        if (secret != null) {
          req.putHeader("X-Distro-Secret", secret);
        }
        HttpResponse<Buffer> r = Wait.on(req.sendBuffer(Buffer.buffer(entry)));
        assertEquals(401, r.statusCode(), path + " with secret " + secret);
      }
      HttpResponse<Buffer> snap = Wait.on(client.get(peerPort, "127.0.0.1", "/distro/snapshot").send());
      assertEquals(401, snap.statusCode());
    }
    assertEquals(revision, node.store().revision());
    assertEquals(0, cluster.api(a).list("evil").getJsonArray("hosts").size());
    client.close();
  }

  @Test
  void nodeLoadingItsSnapshot_refusesVerify_andPeersLeaveItOutOfTheirRounds() {
    cluster = TestCluster.started(2, Map.of("verify-interval-ms", "200"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    cluster.awaitRing();
    Node nodeB = cluster.node(b);
    nodeB.cluster().selfState(Member.State.STARTING);
    WebClient client = WebClient.create(nodeB.vertx());
    StringBuilder buckets = new StringBuilder();
    for (int i = 0; i < Digests.BUCKETS; i++) {
      buckets.append(i == 0 ? "" : ",").append(0);
    }
    HttpResponse<Buffer> r = Wait.on(client.post(nodeB.config().peerPort, "127.0.0.1", "/distro/verify")
        .putHeader("X-Distro-Secret", TestCluster.SECRET)
        .sendBuffer(Buffer.buffer("{\"from\":\"" + a + "\",\"buckets\":[" + buckets + "]}")));
    assertEquals(503, r.statusCode());
    assertTrue(r.bodyAsString().contains("STARTING"), r.bodyAsString());
    client.close();

    // a's pings see b starting; once b is up again, both verify as before
    var m = cluster.node(a).metrics();
    Poll.until(Duration.ofSeconds(10), "a sees b starting", () -> cluster.node(a).cluster().livePeers()
        .stream().anyMatch(p -> p.address().equals(b) && p.state() == Member.State.STARTING));
    long bytes = m.verifyBytesSent.sum();
    long rounds = nodeB.metrics().verifyRounds.sum();
    nodeB.cluster().selfState(Member.State.UP);
    Poll.until(Duration.ofSeconds(10), "b verifies again", () -> nodeB.metrics().verifyRounds.sum() > rounds);
    Poll.until(Duration.ofSeconds(10), "a verifies b again", () -> m.verifyBytesSent.sum() > bytes);
  }

  @Test
  void verify_leavesOutVersionsNewerThanTheSendersCutoff() {
    cluster = TestCluster.started(2, Map.of("verify-interval-ms", "600000"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    cluster.awaitRing();
    for (int i = 0; i < 40; i++) {
      assertEquals("ok", cluster.api(a).post(I, "serviceName", "settle", "ip", ip(i), "port", "80").bodyAsString());
    }
    Node nodeB = cluster.node(b);
    Poll.until(Duration.ofSeconds(10), "b holds all 40", () -> nodeB.store().instanceCount() == 40);
    WebClient client = WebClient.create(nodeB.vertx());
    StringBuilder zeros = new StringBuilder();
    for (int i = 0; i < Digests.BUCKETS; i++) {
      zeros.append(i == 0 ? "" : ",").append(0);
    }
    java.util.function.Function<String, String> verify = extra -> Wait.on(client
        .post(nodeB.config().peerPort, "127.0.0.1", "/distro/verify")
        .putHeader("X-Distro-Secret", TestCluster.SECRET)
        .sendBuffer(Buffer.buffer("{\"from\":\"" + a + "\"" + extra + ",\"buckets\":[" + zeros + "]}")))
        .bodyAsString();
    // a owns some of the 40: against all-zero digests their buckets differ, unless all are too new
    assertNotEquals("{\"mismatched\":[]}", verify.apply(""));
    assertNotEquals("{\"mismatched\":[]}", verify.apply(",\"settledBefore\":" + (System.currentTimeMillis() + 60_000)));
    assertEquals("{\"mismatched\":[]}", verify.apply(",\"settledBefore\":" + (System.currentTimeMillis() - 60_000)));
    client.close();
  }

  @Test
  void repair_ofManyBuckets_travelsInSeveralRequests_andRestoresEverything() {
    cluster = TestCluster.started(2, Map.of("verify-interval-ms", "300"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    cluster.awaitRing();
    Node nodeA = cluster.node(a);
    Node nodeB = cluster.node(b);
    Set<String> expected = new TreeSet<>();
    for (int i = 0; expected.size() < 40; i++) {
      if (a.equals(nodeA.cluster().ownerOf(ip(i), 80))) {
        assertEquals("ok", cluster.api(a).post(I, "serviceName", "chunks", "ip", ip(i), "port", "80").bodyAsString());
        expected.add(ip(i) + ":80");
      }
    }
    awaitEverywhere("chunks", expected, Duration.ofSeconds(10));
    int before = VerifyVerticle.repairEntries;
    VerifyVerticle.repairEntries = 5;
    try {
      long repairs = nodeB.metrics().repairs.sum();
      // b loses its copies behind the owner's back (as if deletes had reached it wrongly)
      var svc = new dev.distro.registry.model.ServiceKey("public", "DEFAULT_GROUP", "chunks");
      for (var r : nodeB.store().service(svc).registrations()) {
        nodeB.store().applyRemoteDelete(svc, r.instance().localId(), r.instance().version() + 1,
            dev.distro.registry.store.ChangeEvent.Reason.SYNC);
      }
      assertTrue(hosts(b, "chunks").isEmpty());
      // the clients keep beating at their owner, after those deletes: the owner's copies win
      for (String hp : expected) {
        cluster.api(a).put(I + "/beat", "serviceName", "chunks", "ip", hp.substring(0, hp.indexOf(':')), "port", "80");
      }
      awaitEverywhere("chunks", expected, Duration.ofSeconds(15));
      assertTrue(nodeB.metrics().repairs.sum() - repairs >= 2,
          "repairs received: " + (nodeB.metrics().repairs.sum() - repairs));
    } finally {
      VerifyVerticle.repairEntries = before;
    }
  }

  /** Heartbeats for {@code count} instances every {@code periodMs}, through random nodes of a set. */
  final class Beater implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final WebClient client = WebClient.create(vertx);
    private final long timer;

    Beater(String service, int count, long periodMs, String... via) {
      List<String> targets = via.length > 0 ? List.of(via) : null;
      timer = vertx.setPeriodic(periodMs, id -> {
        List<String> live = targets != null ? targets : cluster.running();
        for (int i = 0; i < count; i++) {
          String n = live.get(random.nextInt(live.size()));
          int port = Integer.parseInt(n.substring(n.indexOf(':') + 1));
          client.put(port, "127.0.0.1", I + "/beat?serviceName=" + service + "&ip=" + ip(i) + "&port=80").send();
        }
      });
    }

    @Override
    public void close() {
      vertx.cancelTimer(timer);
      client.close();
      Wait.on(vertx.close());
    }
  }

  static Set<String> ipSet(Set<String> hosts) {
    return hosts.stream().map(h -> h.replace("(unhealthy)", "")).collect(Collectors.toCollection(TreeSet::new));
  }
}

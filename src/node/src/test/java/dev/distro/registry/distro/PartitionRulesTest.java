package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.testing.PeerCalls;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the fault suite found about partitions, each pinned on a real in-JVM cluster: a node cut
 * off from most members answers writes 503 (applied there too), a delete made on the small side
 * is not undone by a lease the owner restarted, and a repair judged by a ring that differs from
 * the sender's drops nothing the sender does not claim.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PartitionRulesTest {

  static final String I = "/nacos/v1/ns/instance";
  TestCluster cluster;
  Vertx vertx;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  boolean listed(String node, String service, String ip) {
    return cluster.api(node).list(service).getJsonArray("hosts").stream()
        .anyMatch(h -> ip.equals(((JsonObject) h).getString("ip")));
  }

  /** An ip (port 80) that {@code full} gives to {@code owner} and {@code reduced} to {@code then}. */
  static String ipOwned(Rendezvous full, String owner, Rendezvous reduced, String then) {
    for (int i = 1; i < 10_000; i++) {
      String ip = "10.77." + (i / 250) + "." + (i % 250 + 1);
      if (owner.equals(full.ownerOf(ip, 80)) && then.equals(reduced.ownerOf(ip, 80))) {
        return ip;
      }
    }
    throw new AssertionError("no such ip");
  }

  void awaitOut(String node, String member) {
    Poll.until(Duration.ofSeconds(10), node + " drops " + member + " from its ring",
        () -> !cluster.node(node).cluster().view().ring().members().contains(member));
  }

  @Test
  void cutOffNode_appliesWritesButAnswers503_soClientsTryAnotherNode() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    String c = cluster.address(2);
    cluster.faults.isolate(c, cluster.addresses());
    Poll.until(Duration.ofSeconds(10), "c knows it is cut off",
        () -> cluster.node(c).cluster().cutOffFromMost());
    HttpResponse<Buffer> viaC = cluster.api(c).post(I, "serviceName", "cut", "ip", "10.1.0.1", "port", "80");
    assertEquals(503, viaC.statusCode(), viaC.bodyAsString());
    assertTrue(viaC.bodyAsString().contains("cut off from most cluster members"), viaC.bodyAsString());
    assertTrue(listed(c, "cut", "10.1.0.1"), "applied on the cut-off node all the same");
    HttpResponse<Buffer> beat = cluster.api(c).put(I + "/beat", "serviceName", "cut", "ip", "10.1.0.1", "port", "80");
    assertEquals(503, beat.statusCode(), beat.bodyAsString());
    assertFalse(cluster.node(a).cluster().cutOffFromMost(), "the majority side is not cut off");
    assertEquals(200, cluster.api(a).post(I, "serviceName", "cut", "ip", "10.1.0.2", "port", "80").statusCode());
    cluster.faults.healAll();
    for (String n : cluster.addresses()) {
      Poll.until(Duration.ofSeconds(10), "both on " + n,
          () -> listed(n, "cut", "10.1.0.1") && listed(n, "cut", "10.1.0.2"));
    }
    assertEquals(200, cluster.api(c).put(I + "/beat", "serviceName", "cut", "ip", "10.1.0.1", "port", "80")
        .statusCode(), "healed: answered normally again");
  }

  @Test
  void deleteMadeOnTheSmallSide_isNotUndoneByALeaseTheOwnerRestarted() {
    cluster = TestCluster.started(3, Map.of());
    String a = cluster.address(0);
    String b = cluster.address(1);
    String c = cluster.address(2);
    String ip = ipOwned(new Rendezvous(List.of(a, b, c)), c, new Rendezvous(List.of(a, b)), a);
    cluster.api(c).post(I, "serviceName", "gone", "ip", ip, "port", "80");
    for (String n : cluster.addresses()) {
      Poll.until(Duration.ofSeconds(10), "registered on " + n, () -> listed(n, "gone", ip));
    }
    cluster.faults.isolate(c, cluster.addresses());
    // The client deregisters through c, its owner, just as the link fails: c applies it, and its
    // sync to the others fails.
    cluster.api(c).delete(I, "serviceName", "gone", "ip", ip, "port", "80");
    assertFalse(listed(c, "gone", ip));
    // a takes the instance over and restarts its lease: later than the delete.
    awaitOut(a, c);
    awaitOut(b, c);
    // c may talk to the others again; a still cannot reach c, so it still owns the instance when
    // c's delete arrives.
    cluster.faults.healAll();
    cluster.faults.cut(a, c);
    cluster.faults.cut(b, c);
    Poll.until(Duration.ofSeconds(10), "c's delete applied on a", () -> !listed(a, "gone", ip));
    Poll.until(Duration.ofSeconds(10), "and on b", () -> !listed(b, "gone", ip));
    cluster.faults.healAll();
    cluster.awaitRing();
    // what could bring it back: a's and b's verify rounds (repairs) towards c, and c's towards them
    Poll.holdsFor(Duration.ofSeconds(3), Poll.rounds("verify rounds on every node", 3,
        () -> cluster.addresses().stream().mapToLong(n -> cluster.node(n).metrics().verifyRounds.sum())
            .min().orElseThrow()), () -> {
      for (String n : cluster.addresses()) {
        if (listed(n, "gone", ip)) {
          return "the deregistered instance came back on " + n;
        }
      }
      return null;
    });
  }

  @Test
  void deregistration_isOnAPeerBeforeItIsAcknowledged() {
    // a sync window far longer than the test: only the immediate send can explain what follows
    cluster = TestCluster.started(3, Map.of("batch-window-ms", "30000", "batch-max-entries", "100000"));
    String a = cluster.address(0);
    String ip = ipOwned(new Rendezvous(cluster.addresses()), a, new Rendezvous(cluster.addresses()), a);
    cluster.api(a).post(I, "serviceName", "bye", "ip", ip, "port", "80");
    // the registration's own sync waits for the window, and verify rounds leave out what a peer has
    // not been sent yet: the peers get their copies here, as that sync would give them
    var copy = cluster.node(a).store().find(new dev.distro.registry.model.ServiceKey("public", "DEFAULT_GROUP", "bye"),
        ip + "#80#DEFAULT").instance();
    for (String n : cluster.addresses()) {
      if (!n.equals(a)) {
        cluster.node(n).store().applyRemote(copy, dev.distro.registry.store.ChangeEvent.Reason.SYNC);
      }
      Poll.until(Duration.ofSeconds(10), "registered on " + n, () -> listed(n, "bye", ip));
    }
    assertEquals("ok", cluster.api(a).delete(I, "serviceName", "bye", "ip", ip, "port", "80").bodyAsString());
    // acknowledged: a crash of a now could not lose it, a peer already has it
    assertTrue(!listed(cluster.address(1), "bye", ip) || !listed(cluster.address(2), "bye", ip),
        "the deregistration reached no peer before it was acknowledged");
  }

  @Test
  void forwardedDeregistration_ownerAnswersBeforeTheForwarderGivesUp() {
    cluster = TestCluster.started(3, Map.of("forward-timeout-ms", "1000"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    String c = cluster.address(2);
    String ip = ipOwned(new Rendezvous(cluster.addresses()), b, new Rendezvous(cluster.addresses()), b);
    cluster.api(b).post(I, "serviceName", "slow", "ip", ip, "port", "80");
    for (String n : cluster.addresses()) {
      Poll.until(Duration.ofSeconds(10), "registered on " + n, () -> listed(n, "slow", ip));
    }
    // b's requests to its peers take three forward timeouts to leave: its immediate send of the
    // deregistration gets no acknowledgement in time
    cluster.faults.delay(b, a, 3_000);
    cluster.faults.delay(b, c, 3_000);
    var metrics = cluster.node(a).metrics();
    long forwards = metrics.forwards.sum();
    HttpResponse<Buffer> r = cluster.api(a).delete(I, "serviceName", "slow", "ip", ip, "port", "80");
    assertEquals("ok", r.bodyAsString());
    assertEquals(forwards + 1, metrics.forwards.sum(), "a forwarded it to b, the owner");
    assertEquals(0, metrics.forwardFailures.sum(), "b answered within a's forward timeout: a did not give up"
        + " and apply the deregistration a second time");
    assertFalse(listed(b, "slow", ip));
  }

  @Test
  void repair_dropsOnlyWhatTheSendersOwnRingGivesIt() {
    cluster = TestCluster.started(3, Map.of());
    vertx = Vertx.vertx();
    String a = cluster.address(0);
    String b = cluster.address(1);
    String c = cluster.address(2);
    String ip = ipOwned(new Rendezvous(List.of(a, b, c)), c, new Rendezvous(List.of(a, b)), b);
    cluster.api(a).post(I, "serviceName", "ring", "ip", ip, "port", "80");
    Poll.until(Duration.ofSeconds(10), "registered on a", () -> listed(a, "ring", ip));
    cluster.stop(c);
    awaitOut(a, c);
    // By a's ring b owns the instance now; b, having just seen c come back, no longer claims it.
    String key = "public##DEFAULT_GROUP@@ring#" + ip + "#80#DEFAULT";
    int bucket = Digests.bucketOf(key);
    long asOf = (System.currentTimeMillis() + 60_000) << 16;
    int peerPort = cluster.node(a).config().peerPort;
    try (PeerCalls peer = new PeerCalls(vertx)) {
      JsonObject kept = peer.json(peer.post(peerPort, "/distro/repair", new JsonObject().put("from", b)
          .put("asOf", asOf).put("ring", List.of(a, b, c)).put("buckets", List.of(bucket))
          .put("entries", List.of()).encode()));
      assertEquals(0, kept.getInteger("removed"), kept.encode());
      assertTrue(listed(a, "ring", ip), "a keeps an instance b's own ring does not give b");
      // The same repair judged by a ring where b does own it drops the copy: the check above can fail.
      JsonObject dropped = peer.json(peer.post(peerPort, "/distro/repair", new JsonObject().put("from", b)
          .put("asOf", asOf).put("ring", List.of(a, b)).put("buckets", List.of(bucket))
          .put("entries", List.of()).encode()));
      assertEquals(1, dropped.getInteger("removed"), dropped.encode());
      assertFalse(listed(a, "ring", ip));
      HttpResponse<Buffer> bad = peer.post(peerPort, "/distro/repair", new JsonObject().put("from", b)
          .put("asOf", asOf).put("ring", List.of(a)).put("buckets", List.of(bucket)).put("entries", List.of())
          .encode());
      assertEquals(400, bad.statusCode(), "a ring without the sender is refused: " + bad.bodyAsString());
    }
  }
}

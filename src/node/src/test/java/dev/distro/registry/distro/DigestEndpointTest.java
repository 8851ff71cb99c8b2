package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.PeerCalls;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /distro/digest} on a real in-JVM cluster: one number per node that a harness compares. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DigestEndpointTest {

  static final String I = "/nacos/v1/ns/instance";
  static final String KEEP = "{\"preserved.heart.beat.timeout\":\"3600000\",\"preserved.ip.delete.timeout\":\"3600000\"}";

  Vertx vertx;
  PeerCalls peers;
  TestCluster cluster;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    peers = new PeerCalls(vertx);
  }

  @AfterEach
  void stop() {
    peers.close();
    if (cluster != null) {
      cluster.close();
    }
    Wait.on(vertx.close());
  }

  int peerPort(String node) {
    return cluster.node(node).config().peerPort;
  }

  JsonObject digest(String node) {
    return peers.json(peers.get(peerPort(node), "/distro/digest"));
  }

  /** Node address to its digest. */
  Map<String, String> digests() {
    Map<String, String> out = new HashMap<>();
    for (String n : cluster.running()) {
      out.put(n, digest(n).getString("digest"));
    }
    return out;
  }

  /** Every node holds {@code instances} and reports the same digest. */
  boolean converged(int instances) {
    for (String n : cluster.running()) {
      if (digest(n).getInteger("instances") != instances) {
        return false;
      }
    }
    return digests().values().stream().distinct().count() == 1;
  }

  String ownedIp(String node, int from) {
    for (int i = from; ; i++) {
      String ip = "10.30.0." + i;
      if (node.equals(cluster.node(node).cluster().ownerOf(ip, 80))) {
        return ip;
      }
    }
  }

  @Test
  void digest_equalOnEveryNodeOnceReplicated_differsWhileOneNodeHoldsAnExtraInstance() {
    cluster = TestCluster.started(3, Map.of());
    for (int i = 0; i < 30; i++) {
      String via = cluster.address(i % 3);
      assertEquals("ok", cluster.api(via).post(I, "serviceName", "dg" + (i % 4), "ip", "10.20.0." + (i + 1),
          "port", "80", "metadata", KEEP).bodyAsString());
    }
    Poll.until(Duration.ofSeconds(15), "one digest for 30 instances on every node", () -> converged(30));
    JsonObject first = digest(cluster.address(0));
    assertEquals(cluster.address(0), first.getString("address"));
    assertEquals("UP", first.getString("state"));
    assertEquals(4, first.getInteger("services"));
    assertEquals(0, first.getInteger("tombstones"));
    assertTrue(first.getLong("revision") > 0);
    assertTrue(first.getString("digest").matches("[0-9a-f]{16}"), first.encode());

    String a = cluster.address(0);
    String b = cluster.address(1);
    cluster.faults.cut(a, b);
    cluster.faults.cut(a, cluster.address(2));
    String ip = ownedIp(a, 1);
    assertEquals("ok", cluster.api(a).post(I, "serviceName", "extra", "ip", ip, "port", "80", "metadata", KEEP)
        .bodyAsString());
    JsonObject onA = digest(a);
    JsonObject onB = digest(b);
    assertEquals(31, onA.getInteger("instances"));
    assertEquals(30, onB.getInteger("instances"), "a's links are cut: b cannot have it");
    assertNotEquals(onA.getString("digest"), onB.getString("digest"));

    cluster.faults.healAll();
    Poll.until(Duration.ofSeconds(15), "one digest for 31 instances on every node", () -> converged(31));
  }

  @Test
  void digest_changesWithAnInstanceVersion() {
    cluster = TestCluster.started(2, Map.of());
    String a = cluster.address(0);
    String ip = ownedIp(a, 1);
    cluster.api(a).post(I, "serviceName", "ver", "ip", ip, "port", "80", "metadata", KEEP);
    Poll.until(Duration.ofSeconds(15), "replicated", () -> converged(1));
    String before = digest(a).getString("digest");
    cluster.api(a).put(I, "serviceName", "ver", "ip", ip, "port", "80", "weight", "2");
    Poll.until(Duration.ofSeconds(15), "the update replicated", () -> converged(1)
        && !digest(a).getString("digest").equals(before));
  }

  @Test
  void digest_withoutTheSecret_401() {
    cluster = TestCluster.started(2, Map.of());
    HttpResponse<Buffer> r = peers.call(peerPort(cluster.address(0)), HttpMethod.GET, "/distro/digest", null, null);
    assertEquals(401, r.statusCode());
    assertEquals("{\"error\":\"unauthorized\"}", r.bodyAsString());
    r = peers.call(peerPort(cluster.address(0)), HttpMethod.GET, "/distro/digest", null, "wrong-secret-0123456789");
    assertEquals(401, r.statusCode());
  }
}

package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One member of three with its wall clock two hours off (either way). Before the fix its
 * instances' versions were refused by the other two (more than 1 h ahead) and a third of the
 * registry was missing there, silently. Now the member measures the offset in its first pings,
 * never enters service (SKEWED: not ready, client API 503, owns nothing), the other two own and
 * list every instance, and once its clock is right it loads a snapshot and serves again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClockSkewClusterTest {

  static final String I = "/nacos/v1/ns/instance";
  static final int INSTANCES = 30;
  TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {7_200_000L, -7_200_000L})
  void memberWithAWrongClock_stepsOut_othersListEverything_andItComesBackWhenCorrected(long offsetMs) {
    cluster = new TestCluster(3, Map.of());
    String a = cluster.address(0);
    String b = cluster.address(1);
    String c = cluster.address(2);
    AtomicLong offset = new AtomicLong(offsetMs);
    cluster.clock(c, new Clock() {
      @Override
      public long millis() {
        return System.currentTimeMillis() + offset.get();
      }

      @Override
      public long monotonicMillis() {
        return Clock.SYSTEM.monotonicMillis();
      }
    });
    // The two right clocks first: a node can judge its clock only by peers that answer, so one
    // started together with its peers (a cold start of the whole cluster) may serve until the first
    // ping round that measures two of them; one that joins running peers never enters service.
    cluster.start(a);
    cluster.start(b);
    cluster.start(c);

    Node skewed = cluster.node(c);
    assertEquals(Member.State.SKEWED, skewed.cluster().selfState(), "never entered service");
    assertEquals(503, cluster.api(c).get("/health/ready").statusCode());
    assertTrue(cluster.api(c).get("/health/ready").bodyAsString().contains("clock"),
        cluster.api(c).get("/health/ready").bodyAsString());
    for (String n : List.of(a, b)) {
      Poll.until(Duration.ofSeconds(10), n + " sees " + c + " SKEWED, ring of the other two", () -> {
        var view = cluster.node(n).cluster().view();
        return view.ring().members().equals(List.of(a, b).stream().sorted().toList())
            && view.members().stream().anyMatch(m -> m.address().equals(c) && m.state() == Member.State.SKEWED);
      });
    }
    // the operator sees why: the skewed node's own gauge, and the peers' offsets
    Poll.until(Duration.ofSeconds(10), "metrics show the offset", () ->
        metric(c, "distro_clock_skewed") == 1.0
            && Math.abs(metric(a, "distro_peer_clock_offset_seconds{peer=\"" + c + "\"}") - offsetMs / 1000.0) < 5);

    // clients write through every node, the skewed one included; it answers 503 and the client
    // tries the next server, as Nacos clients do
    String[] nodes = {a, b, c};
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < INSTANCES; i++) {
        String node = nodes[(i + round) % 3];
        String ip = "10.44.0." + (i + 1);
        HttpResponse<Buffer> r = cluster.api(node).post(I, "serviceName", "skew", "ip", ip, "port", "80");
        if (node.equals(c)) {
          assertEquals(503, r.statusCode(), "the skewed member refuses client writes: " + r.bodyAsString());
          r = cluster.api(a).post(I, "serviceName", "skew", "ip", ip, "port", "80");
        }
        assertEquals(200, r.statusCode(), r.bodyAsString());
      }
      for (String n : List.of(a, b)) {
        Poll.until(Duration.ofSeconds(10), n + " lists every instance healthy", () -> healthy(n) == INSTANCES);
      }
    }
    assertEquals(503, cluster.api(c).get("/nacos/v1/ns/instance/list", "serviceName", "skew").statusCode(),
        "no read from a node that may hold a partial registry");

    // the clock is fixed: the member loads a snapshot and serves again, nothing lost
    offset.set(0);
    Poll.until(Duration.ofSeconds(20), c + " back in service", () ->
        skewed.cluster().selfState() == Member.State.UP && skewed.status().ready());
    cluster.awaitRing();
    for (String n : nodes) {
      Poll.until(Duration.ofSeconds(10), n + " lists every instance healthy after the fix", () -> healthy(n) == INSTANCES);
    }
    assertEquals(0.0, metric(c, "distro_clock_skewed"));

    // and deletes through it stay deleted everywhere
    assertEquals(200, cluster.api(c).delete(I, "serviceName", "skew", "ip", "10.44.0.1", "port", "80").statusCode());
    for (String n : nodes) {
      Poll.until(Duration.ofSeconds(10), n + " dropped the deleted instance", () -> ips(n).size() == INSTANCES - 1
          && !ips(n).contains("10.44.0.1"));
    }
  }

  int healthy(String node) {
    HttpResponse<Buffer> r = cluster.api(node).get("/nacos/v1/ns/instance/list", "serviceName", "skew");
    if (r.statusCode() != 200) {
      return -1;
    }
    return (int) new JsonObject(r.bodyAsString()).getJsonArray("hosts").stream()
        .filter(h -> ((JsonObject) h).getBoolean("healthy")).count();
  }

  Set<String> ips(String node) {
    Set<String> out = new HashSet<>();
    for (Object h : cluster.api(node).list("skew").getJsonArray("hosts")) {
      out.add(((JsonObject) h).getString("ip"));
    }
    return out;
  }

  double metric(String node, String series) {
    String text = cluster.api(node).get("/metrics").bodyAsString();
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }
}

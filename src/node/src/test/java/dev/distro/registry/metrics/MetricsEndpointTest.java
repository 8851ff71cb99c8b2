package dev.distro.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics parses as Prometheus text, and its key series exist and move when the node works. */
class MetricsEndpointTest {

  static PrometheusTextParser scrape(Api api) {
    HttpResponse<Buffer> r = api.get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.getHeader("Content-Type").startsWith("text/plain; version=0.0.4"));
    return PrometheusTextParser.parse(r.bodyAsString());
  }

  @Test
  void standalone_seriesExistAndMove() {
    Vertx vertx = Vertx.vertx();
    try {
      Node node = TestNodes.standalone(vertx, Map.of());
      Api api = new Api(vertx, node.config().port);
      PrometheusTextParser before = scrape(api);
      assertEquals("counter", before.types.get("distro_registrations_total"));
      assertEquals("histogram", before.types.get("distro_replication_lag_seconds"));
      assertEquals(0, before.value("distro_instances", Map.of()));
      assertTrue(before.value("jvm_memory_used_bytes", Map.of()) > 0);
      assertEquals(1, before.value("distro_ready", Map.of()));
      for (int i = 0; i < 5; i++) {
        api.post("/nacos/v1/ns/instance", "serviceName", "m", "ip", "10.0.0." + (i + 1), "port", "80");
      }
      api.put("/nacos/v1/ns/instance/beat", "serviceName", "m", "ip", "10.0.0.1", "port", "80");
      api.post("/nacos/v1/ns/instance", "serviceName", "m", "ip", "bad ip", "port", "80");
      PrometheusTextParser after = scrape(api);
      assertEquals(5, after.value("distro_registrations_total", Map.of()));
      assertEquals(5, after.value("distro_instances", Map.of()));
      assertEquals(1, after.value("distro_beats_total", Map.of()));
      assertEquals(5, after.value("distro_http_requests_seconds_count",
          Map.of("route", "POST /nacos/v1/ns/instance", "status", "2xx")));
      assertEquals(1, after.value("distro_http_requests_seconds_count",
          Map.of("route", "POST /nacos/v1/ns/instance", "status", "4xx")));
      assertTrue(after.value("distro_http_requests_seconds_bucket",
          Map.of("route", "POST /nacos/v1/ns/instance", "status", "2xx", "le", "+Inf")) == 5);
      assertEquals(1, after.value("distro_members", Map.of("state", "UP")));
      api.close();
    } finally {
      Wait.on(vertx.close());
    }
  }

  @Test
  void cluster_syncAndReplicationLagAndMembers() {
    try (TestCluster cluster = TestCluster.started(3, Map.of())) {
      String a = cluster.address(0);
      for (int i = 0; i < 20; i++) {
        cluster.api(a).post("/nacos/v1/ns/instance", "serviceName", "lag", "ip", "10.1.0." + (i + 1), "port", "80");
      }
      String b = cluster.address(1);
      Poll.until(Duration.ofSeconds(5), "replicated", () -> cluster.node(b).store().instanceCount() == 20);
      PrometheusTextParser pb = scrape(cluster.api(b));
      assertTrue(pb.value("distro_replication_lag_seconds_count", Map.of()) > 0, "lag recorded on a replica");
      assertEquals(3, pb.value("distro_members", Map.of("state", "UP")));
      Poll.until(Duration.ofSeconds(5), "verify ran", () ->
          scrape(cluster.api(a)).value("distro_verify_rounds_total", Map.of()) > 0);
      PrometheusTextParser pa = scrape(cluster.api(a));
      assertTrue(pa.value("distro_sync_batches_total", Map.of()) > 0);
      assertTrue(pa.value("distro_sync_entries_total", Map.of()) > 0);
      assertEquals(0, pa.value("distro_sync_queue_depth", Map.of("peer", b)), "drained");
    }
  }

  @Test
  void memberLeavesTheList_itsPeerSeriesGo_andComeBackWithIt(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("cluster.conf");
    try (TestCluster cluster = TestCluster.started(3, Map.of("cluster-conf", conf.toString(),
        "lookup-interval-ms", "100"))) {
      String a = cluster.address(0);
      String b = cluster.address(1);
      String c = cluster.address(2);
      Poll.until(Duration.ofSeconds(10), "a has per-peer series for c", () -> {
        PrometheusTextParser p = scrape(cluster.api(a));
        return has(p, "distro_sync_queue_depth", c) && has(p, "distro_peer_clock_offset_seconds", c);
      });

      Files.writeString(conf, a + "\n" + b + "\n");
      Poll.until(Duration.ofSeconds(10), "c left a's member list", () -> cluster.node(a).cluster().members()
          .stream().noneMatch(m -> m.address().equals(c)));
      PrometheusTextParser after = scrape(cluster.api(a));
      List<String> left = after.samples.stream().filter(s -> c.equals(s.labels().get("peer")))
          .map(s -> s.name()).toList();
      assertEquals(List.of(), left, "no series for a former member");
      assertTrue(has(after, "distro_sync_queue_depth", b) && has(after, "distro_peer_clock_offset_seconds", b),
          "the remaining peer keeps its series");

      Files.writeString(conf, a + "\n" + b + "\n" + c + "\n");
      Poll.until(Duration.ofSeconds(10), "c's series are back when it rejoins", () -> {
        PrometheusTextParser p = scrape(cluster.api(a));
        return has(p, "distro_sync_queue_depth", c) && has(p, "distro_peer_clock_offset_seconds", c);
      });
    }
  }

  private static boolean has(PrometheusTextParser p, String name, String peer) {
    return p.samples.stream().anyMatch(s -> s.name().equals(name) && peer.equals(s.labels().get("peer")));
  }
}

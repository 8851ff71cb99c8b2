package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.node.MeterBindings;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.LogCapture;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A verify round whose peer fails is counted and logged as a WARNING, throttled (it was a FINE line). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VerifyVerticleTest {

  final Vertx vertx = Vertx.vertx();
  final LogCapture capture = LogCapture.of(VerifyVerticle.class);
  final List<LogRecord> logged = capture.records();

  @AfterEach
  void stop() {
    capture.close();
    Wait.on(vertx.close(), 30);
  }

  @Test
  void failedVerify_isCountedAndWarnedOncePerInterval() throws Exception {
    capture.start();
    int selfPort = TestCluster.freePortPairForTests();
    int peerPort = TestCluster.freePortPairForTests();
    String self = "127.0.0.1:" + selfPort;
    String peer = "127.0.0.1:" + peerPort;
    Cluster cluster = new Cluster(self);
    cluster.setMembers(List.of(self, peer));
    cluster.pingResult(peer, true, Member.State.UP, false);
    cluster.selfState(Member.State.UP);
    Counters metrics = new Counters();
    PrometheusMeters meters = PrometheusMeters.create();
    MeterBindings.counters(meters, metrics);
    NodeConfig config = NodeConfig.of(Map.of("host", "127.0.0.1", "bind", "127.0.0.1",
        "port", String.valueOf(selfPort), "members", self + "," + peer, "cluster-secret", TestCluster.SECRET,
        "verify-interval-ms", "100"));
    Wait.on(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b ->
        req.response().setStatusCode(500).end("{\"error\":\"broken\"}")))
        .listen(peerPort + NodeConfig.PEER_PORT_OFFSET, "127.0.0.1"), 20);
    VerifyVerticle verify = new VerifyVerticle(config, new RegistryStore(new FakeClock()), metrics, cluster, new Liveness(),
        new PeerClients(config, self, null));
    Wait.on(vertx.deployVerticle(verify), 20);
    Poll.until(Duration.ofSeconds(10), "three rounds failed", () -> metrics.verifyFailures.sum() >= 3);
    List<LogRecord> warnings = logged.stream().filter(r -> r.getLevel() == Level.WARNING
        && r.getMessage().startsWith(self + ": verify or repair with " + peer + " failed")).toList();
    assertEquals(1, warnings.size(), "one line per interval, however many rounds fail");
    assertTrue(warnings.get(0).getMessage().contains("500"), warnings.get(0).getMessage());
    assertTrue(meters.scrape().contains("distro_verify_failures_total"), "in /metrics");
  }
}

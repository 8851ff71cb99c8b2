package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.config.Switches;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One node's Distro state without a socket: a store on a {@link FakeClock}, a cluster of this node
 * and one UP peer (addresses only, nothing listens), and a Vert.x for the handlers' worker paths.
 */
final class HandlerFixture implements AutoCloseable {

  static final String SELF = "127.0.0.1:18848";
  static final String PEER = "127.0.0.1:28848";
  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "svc");

  final FakeClock clock = new FakeClock();
  final RegistryStore store = new RegistryStore(clock);
  final Cluster cluster = new Cluster(SELF);
  final NodeConfig config;
  final Counters metrics = new Counters();
  final PrometheusMeters meters = PrometheusMeters.create();
  final NodeStatus status = new NodeStatus(new Switches());
  final Vertx vertx = Vertx.vertx();

  HandlerFixture() throws Exception {
    cluster.setMembers(List.of(SELF, PEER));
    cluster.pingResult(PEER, true, Member.State.UP, false);
    cluster.selfState(Member.State.UP);
    config = NodeConfig.of(Map.of("host", "127.0.0.1", "bind", "127.0.0.1", "port", "18848",
        "members", SELF + "," + PEER, "cluster-secret", TestCluster.SECRET));
  }

  SyncHandler sync() {
    return new SyncHandler(vertx, store, cluster, metrics, meters);
  }

  VerifyHandler verify() {
    return new VerifyHandler(vertx, store, cluster);
  }

  RepairHandler repair() {
    return new RepairHandler(vertx, store, cluster, metrics, config.verifyIntervalMs);
  }

  DigestHandler digests() {
    return new DigestHandler(vertx, store, cluster, status);
  }

  /** The {@code n}th instance (counting from 0) of {@link #SVC} that {@code owner} owns. */
  Instance ownedBy(String owner, int n, long version) {
    int seen = 0;
    for (int port = 1; ; port++) {
      if (owner.equals(cluster.ownerOf("10.0.0.1", port)) && seen++ == n) {
        return new Instance(SVC, "DEFAULT", "10.0.0.1", port, 1.0, true, true, true, Map.of(), version);
      }
    }
  }

  static JsonNode json(String text) {
    try {
      return Json.parse(text.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static <T> T await(Future<T> f) {
    return Wait.on(f, 20);
  }

  @Override
  public void close() {
    Wait.on(vertx.close(), 20);
  }
}

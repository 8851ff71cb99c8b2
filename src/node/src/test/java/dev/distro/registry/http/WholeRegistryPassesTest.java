package dev.distro.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests whose cost grows with the whole registry (service list, catalog with and without
 * instances, the operator's responsible count, the Prometheus scrape) do not hold an event loop:
 * with 200,000 services, Vert.x's blocked-thread checker (limit 30 ms) reports no event loop while
 * they run, and the answers are complete. A peer's sync batch of 20,000 entries is applied on a
 * worker too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WholeRegistryPassesTest {

  static final int SERVICES = 200_000;
  static final int BATCH = 20_000;
  static final long LIMIT_MS = 30;

  Vertx vertx;
  Node node;
  Api api;
  WebClient peers;
  final List<String> blocked = new CopyOnWriteArrayList<>();
  volatile boolean watching;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(LIMIT_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS).setBlockedThreadCheckInterval(5)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(e -> {
      if (watching && e.thread().getName().contains("eventloop")) {
        StringBuilder at = new StringBuilder();
        for (StackTraceElement f : e.thread().getStackTrace()) {
          if (at.length() < 400) {
            at.append(" < ").append(f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1))
                .append('.').append(f.getMethodName());
          }
        }
        blocked.add(e.thread().getName() + " blocked for " + e.duration() / 1_000_000 + " ms at" + at);
      }
    });
    // a one-member cluster, so that the responsible count walks the registry
    int port = TestNodes.freePort();
    node = TestNodes.standalone(vertx, Map.of("port", String.valueOf(port), "members", "127.0.0.1:" + port,
        "cluster-secret", TestCluster.SECRET));
    api = new Api(vertx, port);
    peers = WebClient.create(vertx);
  }

  private void populate() {
    RegistryStore store = node.store();
    for (int i = 0; i < SERVICES; i++) {
      ServiceKey k = new ServiceKey("public", "DEFAULT_GROUP", "svc-" + i);
      store.register(new Instance(k, "DEFAULT", ip(i), 80, 1, true, true, true, Map.of(), 0));
    }
  }

  private static String ip(int i) {
    return "10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255);
  }

  private HttpResponse<Buffer> sync(String body) {
    return Wait.on(peers.post(node.config().peerPort, "127.0.0.1", "/distro/sync")
        .putHeader(PeerClient.SECRET_HEADER, TestCluster.SECRET).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body)));
  }

  private void assertNoEventLoopHeld() {
    assertTrue(blocked.isEmpty(), () -> blocked.size() + " blocked-thread reports while watching, e.g. "
        + blocked.subList(0, Math.min(3, blocked.size())) + " (limit " + LIMIT_MS + " ms)");
  }

  @AfterEach
  void stop() {
    api.close();
    peers.close();
    Wait.on(vertx.close());
  }

  @Test
  void wholeRegistryRequests_doNotHoldAnEventLoop() {
    // every request once on an empty registry first: the JVM's first run of their code (class
    // loading, linking lambdas: once 96 ms on a busy machine) is not what is measured, the
    // registry-sized work is
    askEveryWholeRegistryRequest(0);
    populate();
    watching = true;
    askEveryWholeRegistryRequest(SERVICES);
    watching = false;
    assertNoEventLoopHeld();
  }

  private void askEveryWholeRegistryRequest(int services) {
    JsonObject list = api.json(io.vertx.core.http.HttpMethod.GET, "/nacos/v1/ns/service/list", "pageSize", "5");
    assertEquals(services, list.getInteger("count"));
    JsonObject counts = api.json(io.vertx.core.http.HttpMethod.GET, "/nacos/v1/ns/catalog/services",
        "withInstances", "false", "pageSize", "5");
    assertEquals(services, counts.getInteger("count"));
    assertEquals(200, api.get("/nacos/v1/ns/catalog/services", "pageSize", "5").statusCode());
    JsonObject figures = api.json(io.vertx.core.http.HttpMethod.GET, "/nacos/v1/ns/operator/metrics",
        "onlyStatus", "false");
    assertEquals(services, figures.getLong("responsibleInstanceCount"));
    assertEquals(200, api.get("/metrics").statusCode());
  }

  @Test
  void largePeerBatch_isAppliedOffTheEventLoop() {
    long version = Versions.versionAt(System.currentTimeMillis());
    StringBuilder sb = new StringBuilder();
    JsonWriter w = new JsonWriter(sb).beginObject().field("from", "127.0.0.1:" + api.port()).name("entries")
        .beginArray();
    for (int i = 0; i < BATCH; i++) {
      ServiceKey k = new ServiceKey("public", "DEFAULT_GROUP", "peer-svc-" + i);
      SyncCodec.writePut(w, new Instance(k, "DEFAULT", ip(i), 80, 1, true, true, true, Map.of(), version + i));
    }
    String body = w.endArray().endObject().toString();
    // a first, small batch loads the classes both sides use (class loading is not what is measured)
    assertEquals(200, sync("{\"from\":\"127.0.0.1:" + api.port() + "\",\"entries\":[]}").statusCode());
    watching = true;
    HttpResponse<Buffer> r = sync(body);
    watching = false;
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject out = r.bodyAsJsonObject();
    assertEquals(BATCH, out.getInteger("applied") + out.getInteger("stale") + out.getInteger("rejected"),
        r.bodyAsString());
    assertNoEventLoopHeld();
  }
}

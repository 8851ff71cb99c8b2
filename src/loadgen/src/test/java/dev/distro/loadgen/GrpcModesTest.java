package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's gRPC modes against real nodes started in this JVM, briefly: every registration a
 * connection had acknowledged is in the node's HTTP list while the connections live, and every
 * subscriber is pushed every change exactly once, on the writer's node and on another.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcModesTest {

  final List<Vertx> vertxes = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();
  final Set<Integer> usedPorts = new HashSet<>();

  @TempDir
  Path dir;

  @AfterEach
  void stop() throws Exception {
    for (Node n : nodes) {
      await(n.stop());
    }
    for (Vertx v : vertxes) {
      await(v.close());
    }
  }

  @Test
  void grpcRegister_everyAcknowledgedRegistration_isListedByTheNode() throws Exception {
    Node node = start(Map.of());
    Path json = dir.resolve("register.json");
    LoadGenerator gen = generator(List.of(node), Map.of("modes", "grpc-register", "connections", "4",
        "concurrency", "16", "seconds", "2", "warmup-seconds", "0", "json", json.toString()));
    long[] listed = {-1};
    long[] acknowledged = {-1};
    gen.beforeGrpcClose = g -> {
      // the connections are still open: what they registered is held
      Set<String> seen = new HashSet<>();
      for (int j = 0; j < g.services(); j++) {
        JsonArray hosts = list(node, GrpcModes.registerService(j)).getJsonArray("hosts", new JsonArray());
        for (int h = 0; h < hosts.size(); h++) {
          seen.add(hosts.getJsonObject(h).getString("ip") + ":" + hosts.getJsonObject(h).getInteger("port"));
        }
      }
      listed[0] = seen.size();
      acknowledged[0] = g.acknowledged.get();
    };
    gen.run();
    JsonObject row = row(json, "grpc-register");
    assertEquals(0, row.getLong("errors"), row.encode());
    assertTrue(row.getLong("requests") > 100, row.encode());
    assertTrue(acknowledged[0] >= row.getLong("requests"), "the measured window is part of all acknowledgements");
    assertEquals(acknowledged[0], listed[0], "every acknowledged registration is listed, once");
    // and the node dropped them with their connections
    until(10, "the instances gone with their connections", () -> node.store().instanceCount() == 0);
  }

  @Test
  void grpcPush_everySubscriberOnEitherNode_isPushedEveryChangeOnce() throws Exception {
    Node[] two = startTwoNodes();
    Path json = dir.resolve("push.json");
    generator(List.of(two), Map.of("modes", "grpc-push", "subscribers", "20", "changes", "6", "push-rate", "10",
        "seconds", "1", "warmup-seconds", "0", "json", json.toString())).run();
    JsonObject push = row(json, "grpc-push-latency");
    assertEquals(20, push.getInteger("subscribers"));
    assertEquals(10, push.getInteger("remoteSubscribers"), "round-robin: half on the other node");
    assertEquals(6, push.getInteger("changes"));
    assertEquals(0, push.getLong("missing"), push.encode());
    assertEquals(20 * 6, push.getLong("deliveries"), push.encode());
    assertEquals(20 * 6, push.getLong("pushesReceived"), "one push per subscriber and change, no more");
    assertEquals(6, push.getJsonObject("last").getLong("count"));
    assertEquals(6, push.getJsonObject("remoteLast").getLong("count"));
    assertEquals(10 * 6, push.getJsonObject("remoteAll").getLong("count"));
    assertNotNull(push.getJsonObject("all").getDouble("p99Ms"));
    assertEquals(0, row(json, "grpc-push").getLong("errors"));
  }

  @Test
  void idle_aCountOverTheDescriptorLimit_isRefusedWithTheReason() {
    String refused = GrpcModes.descriptorShortfall(1 << 30);
    assertNotNull(refused);
    assertTrue(refused.contains("ulimit -n"), refused);
    assertEquals(null, GrpcModes.descriptorShortfall(10));
  }

  LoadGenerator generator(List<Node> on, Map<String, String> settings) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Map<String, String> opts = new HashMap<>(settings);
    opts.put("targets", String.join(",", on.stream().map(n -> "127.0.0.1:" + n.config().port).toList()));
    opts.put("grpc-targets", String.join(",", on.stream().map(n -> "127.0.0.1:" + n.config().grpcPort).toList()));
    opts.put("lag", "false");
    return new LoadGenerator(vertx, opts);
  }

  Node start(Map<String, String> settings) throws Exception {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Map<String, String> s = new HashMap<>(Map.of("host", "127.0.0.1", "bind", "127.0.0.1", "http-instances", "2"));
    s.putAll(settings);
    s.putIfAbsent("port", String.valueOf(freePort()));
    Node node = await(Node.start(vertx, NodeConfig.of(s), Clock.SYSTEM));
    nodes.add(node);
    return node;
  }

  /** Two nodes in one cluster, both in service and in each other's ring. */
  Node[] startTwoNodes() throws Exception {
    int[] ports = {freePort(), freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    String secret = "loadgen-cluster-secret-0123456789";
    Node a = start(Map.of("port", String.valueOf(ports[0]), "members", members, "cluster-secret", secret,
        "ping-interval-ms", "200"));
    Node b = start(Map.of("port", String.valueOf(ports[1]), "members", members, "cluster-secret", secret,
        "ping-interval-ms", "200"));
    until(20, "both nodes in service", () -> a.status().ready() && b.status().ready()
        && a.cluster().ring().members().size() == 2 && b.cluster().ring().members().size() == 2);
    return new Node[] {a, b};
  }

  JsonObject list(Node node, String service) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.config().port
          + "/nacos/v1/ns/instance/list?serviceName=" + service)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      return new JsonObject(r.body());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static JsonObject row(Path json, String mode) throws IOException {
    JsonArray rows = new JsonArray(Files.readString(json));
    for (int i = 0; i < rows.size(); i++) {
      if (mode.equals(rows.getJsonObject(i).getString("mode"))) {
        return rows.getJsonObject(i);
      }
    }
    throw new AssertionError("no " + mode + " in " + rows.encode());
  }

  /**
   * A free client port whose gRPC (+ 1000) and peer (+ 1001) ports are free too, none of the three
   * given to another node of the test (members name client ports; the others follow from them).
   */
  int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket a = new ServerSocket(0)) {
        int p = a.getLocalPort();
        if (p + 1001 > 65535 || usedPorts.contains(p) || usedPorts.contains(p + 1000) || usedPorts.contains(p + 1001)) {
          continue;
        }
        try (ServerSocket b = new ServerSocket(p + 1000); ServerSocket c = new ServerSocket(p + 1001)) {
          usedPorts.addAll(List.of(p, p + 1000, p + 1001));
          return p;
        } catch (IOException taken) {
          // another try
        }
      }
    }
    throw new IOException("no free port triple");
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void until(long seconds, String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }
}

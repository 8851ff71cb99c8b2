package dev.distro.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Real nodes in the test's JVM, each in a Vert.x instance of its own (so that one can be killed by
 * closing it), and plain HTTP calls to them. Instances are registered with long heartbeat
 * timeouts in their metadata, so that no test needs to beat.
 */
final class Nodes implements AutoCloseable {

  static final String SECRET = "watch-client-test-secret-0123";
  static final ObjectMapper JSON = new ObjectMapper();
  /** Keeps instances alive for the length of any test without beats. */
  static final String LONG_LEASE = "{\"preserved.heart.beat.timeout\":\"120000\",\"preserved.ip.delete.timeout\":\"240000\"}";
  private static final AtomicInteger NEXT_PORT = new AtomicInteger(new Random().nextInt(20_000));
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private final List<Integer> ports;
  private final Map<String, String> settings;
  private final Vertx[] vertxes;
  private final Node[] nodes;
  private String token;

  private Nodes(List<Integer> ports, Map<String, String> settings) {
    this.ports = ports;
    this.settings = settings;
    this.vertxes = new Vertx[ports.size()];
    this.nodes = new Node[ports.size()];
  }

  /** One standalone node, started and ready. */
  static Nodes standalone(Map<String, String> extra) {
    Nodes n = new Nodes(freePorts(1), base(extra));
    n.startAll();
    return n;
  }

  /** A cluster of {@code size} nodes, started, ready, and every node seeing every other UP. */
  static Nodes cluster(int size, Map<String, String> extra) {
    List<Integer> ports = freePorts(size);
    Map<String, String> s = base(extra);
    List<String> members = new ArrayList<>();
    for (int p : ports) {
      members.add("127.0.0.1:" + p);
    }
    s.put("members", String.join(",", members));
    s.put("cluster-secret", SECRET);
    s.putIfAbsent("batch-window-ms", "50");
    s.putIfAbsent("verify-interval-ms", "500");
    s.putIfAbsent("ping-interval-ms", "200");
    Nodes n = new Nodes(ports, s);
    n.startAll();
    return n;
  }

  private static Map<String, String> base(Map<String, String> extra) {
    Map<String, String> s = new HashMap<>();
    s.put("host", "127.0.0.1");
    s.put("bind", "127.0.0.1");
    s.put("grpc-port", "0");
    s.put("http-instances", "2");
    s.putAll(extra);
    return s;
  }

  /** Nodes running elsewhere (processes the caller starts and stops): only the HTTP helpers. */
  static Nodes external(List<Integer> ports) {
    return new Nodes(ports, Map.of());
  }

  /** The token the HTTP helpers send (for nodes with auth on). */
  Nodes token(String token) {
    this.token = token;
    return this;
  }

  int size() {
    return ports.size();
  }

  int port(int i) {
    return ports.get(i);
  }

  String address(int i) {
    return "127.0.0.1:" + ports.get(i);
  }

  List<String> addresses() {
    List<String> a = new ArrayList<>();
    for (int i = 0; i < ports.size(); i++) {
      a.add(address(i));
    }
    return a;
  }

  int indexOf(String address) {
    return addresses().indexOf(address);
  }

  boolean running(int i) {
    return nodes[i] != null;
  }

  List<Integer> runningIndexes() {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        r.add(i);
      }
    }
    return r;
  }

  void startAll() {
    List<Future<Node>> all = new ArrayList<>();
    for (int i = 0; i < ports.size(); i++) {
      all.add(startAsync(i));
    }
    for (Future<Node> f : all) {
      await(f);
    }
    awaitReady();
  }

  /** Starts node i again (a new process lifetime: a new epoch), and waits until every running node is ready. */
  void start(int i) {
    await(startAsync(i));
    awaitReady();
  }

  private Future<Node> startAsync(int i) {
    Map<String, String> s = new HashMap<>(settings);
    s.put("port", String.valueOf(ports.get(i)));
    NodeConfig cfg;
    try {
      cfg = NodeConfig.of(s);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
    Vertx v = Vertx.vertx();
    vertxes[i] = v;
    return Node.start(v, cfg, Clock.SYSTEM).onSuccess(n -> nodes[i] = n);
  }

  /** Every running node ready, and (in a cluster) seeing exactly the running nodes UP. */
  void awaitReady() {
    List<Integer> running = runningIndexes();
    Set<String> up = new HashSet<>();
    for (int i : running) {
      up.add(address(i));
    }
    for (int i : running) {
      Node n = nodes[i];
      Poll.until(Duration.ofSeconds(30), address(i) + " ready and sees " + up + " UP", () -> {
        if (!n.status().ready()) {
          return false;
        }
        return ports.size() == 1 || new HashSet<>(n.cluster().view().ring().members()).equals(up);
      });
    }
  }

  /** Abrupt stop: the node's Vert.x instance is closed, without the node's shutdown sequence. */
  void kill(int i) {
    nodes[i] = null;
    Vertx v = vertxes[i];
    vertxes[i] = null;
    if (v != null) {
      await(v.close());
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      kill(i);
    }
  }

  // ---- HTTP ----

  void register(int node, String service, String ip, int port, double weight) {
    String r = call(node, "POST", "/nacos/v1/ns/instance?serviceName=" + enc(service) + "&ip=" + ip + "&port=" + port
        + "&weight=" + weight + "&metadata=" + enc(LONG_LEASE));
    if (!r.equals("ok")) {
      throw new IllegalStateException("register " + service + " " + ip + ":" + port + " via " + address(node) + ": " + r);
    }
  }

  void deregister(int node, String service, String ip, int port) {
    String r = call(node, "DELETE", "/nacos/v1/ns/instance?serviceName=" + enc(service) + "&ip=" + ip + "&port=" + port);
    if (!r.equals("ok")) {
      throw new IllegalStateException("deregister " + service + " " + ip + ":" + port + " via " + address(node) + ": " + r);
    }
  }

  /** A service's instances as a node lists them, as comparable strings (see {@link #describe}). */
  List<String> list(int node, String service) {
    String body = call(node, "GET", "/nacos/v1/ns/instance/list?serviceName=" + enc(service));
    try {
      JsonNode hosts = JSON.readTree(body).get("hosts");
      List<String> out = new ArrayList<>();
      for (JsonNode h : hosts) {
        Map<String, String> md = new TreeMap<>();
        h.path("metadata").properties().forEach(e -> md.put(e.getKey(), e.getValue().asText()));
        out.add(describe(h.get("clusterName").asText(), h.get("ip").asText(), h.get("port").asInt(),
            h.get("weight").asDouble(), h.get("healthy").asBoolean(), h.get("enabled").asBoolean(), md));
      }
      out.sort(null);
      return out;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("list " + service + " via " + address(node) + ": " + body, e);
    }
  }

  /** The cached instances of a service (default namespace and group) in the form of {@link #list}. */
  static List<String> cached(WatchClient client, String service) {
    List<String> out = new ArrayList<>();
    for (Instance i : client.instances(ServiceKey.of(service))) {
      out.add(describe(i.cluster(), i.ip(), i.port(), i.weight(), i.healthy(), i.enabled(), new TreeMap<>(i.metadata())));
    }
    out.sort(null);
    return out;
  }

  static String describe(String cluster, String ip, int port, double weight, boolean healthy, boolean enabled,
      Map<String, String> metadata) {
    return cluster + "|" + ip + ":" + port + "|w" + weight + "|" + (healthy ? "healthy" : "unhealthy") + "|"
        + (enabled ? "enabled" : "disabled") + "|" + metadata;
  }

  String call(int node, String method, String pathAndQuery) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(node) + pathAndQuery))
        .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + pathAndQuery + " via " + address(node) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- ports ----

  /**
   * Free client ports from 10000 to 29999 (below the ephemeral range), each with its peer port
   * (client + 1001) and gRPC default (client + 1000) free, and no node's ports on another's.
   */
  static List<Integer> freePorts(int n) {
    List<Integer> out = new ArrayList<>();
    Set<Integer> taken = new HashSet<>();
    for (int tries = 0; out.size() < n && tries < 20_000; tries++) {
      int p = 10_000 + Math.floorMod(NEXT_PORT.getAndAdd(7), 20_000);
      if (taken.contains(p) || taken.contains(p + 1000) || taken.contains(p + 1001)) {
        continue;
      }
      if (bindable(p) && bindable(p + 1000) && bindable(p + 1001)) {
        out.add(p);
        taken.add(p);
        taken.add(p + 1000);
        taken.add(p + 1001);
        taken.add(p - 1000);
        taken.add(p - 1001);
        taken.add(p - 1);
        taken.add(p + 1);
      }
    }
    if (out.size() < n) {
      throw new IllegalStateException("no free ports");
    }
    return out;
  }

  static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      return false;
    }
    try (DatagramSocket d = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Polling with a deadline. */
  static final class Poll {
    private Poll() {
    }

    static void until(Duration limit, String what, BooleanSupplier condition) {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for: " + what);
        }
      }
    }
  }
}

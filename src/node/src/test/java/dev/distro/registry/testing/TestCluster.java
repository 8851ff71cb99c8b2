package dev.distro.registry.testing;

import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * N nodes in one JVM, each with its own Vert.x, on loopback and free ports, configured with a
 * static member list, short timings and one shared {@link TestFaults} plan.
 */
public final class TestCluster implements AutoCloseable {

  public static final String SECRET = "test-cluster-secret-0123456789";

  public final TestFaults faults = new TestFaults();
  private final List<String> addresses = new ArrayList<>();
  private final Map<String, Node> nodes = new HashMap<>();
  private final Map<String, Vertx> vertxes = new HashMap<>();
  private final Map<String, Api> apis = new HashMap<>();
  private final Map<String, Clock> clocks = new HashMap<>();
  private final Map<String, String> settings;

  /**
   * Reserves {@code size} member addresses; no node runs until {@link #start}. With a
   * {@code cluster-conf} override the members come from that file (written here), else from a
   * static list.
   */
  public TestCluster(int size, Map<String, String> overrides) {
    for (int i = 0; i < size; i++) {
      addresses.add("127.0.0.1:" + freePortPair());
    }
    Map<String, String> s = new HashMap<>();
    s.put("bind", "127.0.0.1");
    s.put("host", "127.0.0.1");
    if (overrides.containsKey("cluster-conf")) {
      // a member list in a file the test may rewrite: written here with the reserved addresses
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(overrides.get("cluster-conf")),
            String.join("\n", addresses) + "\n");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    } else {
      s.put("members", String.join(",", addresses));
    }
    s.put("cluster-secret", SECRET);
    s.put("http-instances", "1");
    s.put("event-loops", "2");
    s.put("batch-window-ms", "50");
    s.put("verify-interval-ms", "500");
    s.put("ping-interval-ms", "200");
    s.put("forward-timeout-ms", "500");
    s.put("health-sweep-interval-ms", "50");
    s.putAll(overrides);
    s.putIfAbsent("grpc-port", "0"); // a test that wants the gRPC port asks for it
    this.settings = s;
  }

  public static TestCluster started(int size, Map<String, String> overrides) {
    TestCluster c = new TestCluster(size, overrides);
    c.startAll();
    c.awaitRing();
    return c;
  }

  /** Starts every node at once and waits until each has started (not for one ring). */
  public void startAll() {
    List<Future<Node>> all = new ArrayList<>();
    for (String a : addresses) {
      all.add(startAsync(a));
    }
    for (Future<Node> f : all) {
      Wait.on(f, 60);
    }
  }

  /** The clock the node at {@code address} gets when it starts (the system clock unless set). */
  public void clock(String address, Clock clock) {
    clocks.put(address, clock);
  }

  /** Waits until every running node sees every running node UP (one ring everywhere). */
  public void awaitRing() {
    List<String> running = running();
    for (String a : running) {
      Poll.until(java.time.Duration.ofSeconds(10), a + " sees " + running + " UP", () -> {
        var members = nodes.get(a).cluster().view().ring().members();
        return new java.util.HashSet<>(members).equals(new java.util.HashSet<>(running));
      });
    }
  }

  public List<String> addresses() {
    return addresses;
  }

  public String address(int i) {
    return addresses.get(i);
  }

  public Node node(String address) {
    return nodes.get(address);
  }

  public Api api(String address) {
    return apis.get(address);
  }

  public List<String> running() {
    List<String> r = new ArrayList<>();
    for (String a : addresses) {
      if (nodes.containsKey(a)) {
        r.add(a);
      }
    }
    return r;
  }

  public Node start(String address) {
    return Wait.on(startAsync(address), 60);
  }

  private Future<Node> startAsync(String address) {
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    Map<String, String> s = new HashMap<>(settings);
    s.put("port", String.valueOf(port));
    NodeConfig cfg;
    try {
      cfg = NodeConfig.of(s);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
    Vertx vertx = Vertx.vertx();
    vertxes.put(address, vertx);
    apis.put(address, new Api(vertx, port));
    return Node.start(vertx, cfg, clocks.getOrDefault(address, Clock.SYSTEM), faults, null)
        .onSuccess(n -> nodes.put(address, n));
  }

  /** Graceful stop of one node (its sync queue flushed), like SIGTERM. */
  public void stop(String address) {
    Node n = nodes.remove(address);
    Api api = apis.remove(address);
    if (api != null) {
      api.close();
    }
    if (n != null) {
      Wait.on(n.stop(), 30);
    }
    Vertx v = vertxes.remove(address);
    if (v != null) {
      Wait.on(v.close(), 30);
    }
  }

  /** Abrupt stop: the Vert.x instance is closed without the node's shutdown sequence. */
  public void kill(String address) {
    nodes.remove(address);
    Api api = apis.remove(address);
    if (api != null) {
      api.close();
    }
    Vertx v = vertxes.remove(address);
    if (v != null) {
      Wait.on(v.close(), 30);
    }
  }

  @Override
  public void close() {
    for (String a : new ArrayList<>(vertxes.keySet())) {
      kill(a);
    }
  }

  /** A port p with p + 1000 and p + 1001 free too (the gRPC and peer ports). */
  public static int freePortPairForTests() {
    return freePortPair();
  }

  static int freePortPair() {
    for (int i = 0; i < 1000; i++) {
      int p = TestNodes.freePort();
      if (p + 1001 < 32768 && TestNodes.bindable(p + 1001) && TestNodes.bindable(p + 1000)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port pair");
  }
}

package dev.distro.registry.testing;

import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts real nodes on loopback and free ports, for tests. */
public final class TestNodes {

  private TestNodes() { }

  /**
   * A free port below the kernel's ephemeral range (32768 and up on Linux), so that no outgoing
   * connection can take it between this check and the node's bind. Ports are handed out in order
   * from a random start, so two test JVMs rarely probe the same ones.
   */
  public static int freePort() {
    for (int i = 0; i < 20_000; i++) {
      int p = next();
      if (bindable(p)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port below 32768");
  }

  private static final AtomicInteger NEXT =
      new AtomicInteger(new Random().nextInt(20_000));

  private static int next() {
    return 10_000 + Math.floorMod(NEXT.getAndIncrement(), 20_000);
  }

  /** Both TCP and UDP on loopback: a node's DNS and push sockets use UDP. */
  public static boolean bindable(int port) {
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

  /** A standalone node on 127.0.0.1 with a fast TTL sweep; {@code overrides} win. */
  public static Node standalone(Vertx vertx, Map<String, String> overrides) {
    return standalone(vertx, overrides, Clock.SYSTEM);
  }

  public static Node standalone(Vertx vertx, Map<String, String> overrides, Clock clock) {
    Map<String, String> s = new HashMap<>();
    s.put("host", "127.0.0.1");
    s.put("bind", "127.0.0.1");
    s.put("port", String.valueOf(freePort()));
    s.put("http-instances", "2");
    s.put("health-sweep-interval-ms", "50");
    s.putAll(overrides);
    s.putIfAbsent("grpc-port", "0"); // a test that wants the gRPC port asks for it
    try {
      return Wait.on(Node.start(vertx, NodeConfig.of(s), clock));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
  }
}

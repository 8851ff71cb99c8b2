package dev.distro.registry.testing;

import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** Starts real nodes on loopback and free ports, for tests. */
public final class TestNodes {

  private TestNodes() { }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
    try {
      return Wait.on(Node.start(vertx, NodeConfig.of(s), clock));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
  }
}

package dev.distro.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alibaba.nacos.api.NacosFactory;
import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.naming.NamingService;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.grpc.SdkConnection;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The unmodified nacos-client (2.5.1 in src/compat, 3.1.0 in src/compat3) against a node's gRPC port: it checks the server, opens its
 * bi-stream, sets the connection up and reports the server UP; closing it closes the connection.
 */
class GrpcHandshakeTest {

  Vertx vertx;
  Node node;
  int port;

  /** A client port whose gRPC port (+ 1000, where the client dials) and peer port (+ 1001) are free too. */
  static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket a = new ServerSocket(0)) {
        int p = a.getLocalPort();
        if (p + 1001 > 65535) {
          continue;
        }
        try (ServerSocket b = new ServerSocket(p + 1000); ServerSocket c = new ServerSocket(p + 1001)) {
          return p;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    throw new IOException("no free port pair");
  }

  /**
   * Client ports for {@code n} nodes, each with its gRPC (+ 1000) and peer (+ 1001) ports free, and no
   * port of one node equal to a port of another (consecutive free ports would put one node's peer
   * port on the next one's gRPC port).
   */
  static int[] freePortPairs(int n) throws IOException {
    int[] out = new int[n];
    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (int i = 0; i < n; i++) {
      int p;
      do {
        p = freePortPair();
      } while (used.contains(p) || used.contains(p + 1000) || used.contains(p + 1001));
      used.add(p);
      used.add(p + 1000);
      used.add(p + 1001);
      out[i] = p;
    }
    return out;
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

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    port = freePortPair();
    NodeConfig config = NodeConfig.of(Map.of("host", "127.0.0.1", "bind", "127.0.0.1", "port", String.valueOf(port),
        "grpc-port", String.valueOf(port + 1000), "http-instances", "2"));
    node = Node.start(vertx, config, Clock.SYSTEM).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void theRealClientConnects_andItsConnectionGoesWhenItShutsDown() throws Exception {
    Properties p = new Properties();
    p.setProperty(PropertyKeyConst.SERVER_ADDR, "127.0.0.1:" + port);
    NamingService naming = NacosFactory.createNamingService(p);
    try {
      until(20, "the client reports the server UP", () -> "UP".equals(naming.getServerStatus()));
      until(10, "one set-up connection", () -> node.grpcConnections().size() == 1
          && node.grpcConnections().all().iterator().next().registered());
      SdkConnection c = node.grpcConnections().all().iterator().next();
      assertEquals("naming", c.module());
      // the client generation this module runs (2.5 in src/compat, 3.1 in src/compat3)
      assertTrue(c.clientVersion().startsWith("Nacos-Java-Client:v" + System.getProperty("nacos.client.major", "2")),
          c.clientVersion());
      assertEquals("127.0.0.1", c.remoteIp());
    } finally {
      naming.shutDown();
    }
    until(10, "the connection is gone once the client shut down", () -> node.grpcConnections().size() == 0);
  }
}

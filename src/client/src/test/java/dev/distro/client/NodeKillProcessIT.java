package dev.distro.client;

import dev.distro.client.Nodes.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NodeLossTest}'s scenario with real node processes (target/distro-node.jar) and a real
 * SIGKILL of the node the client watches.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeKillProcessIT {

  static final String SECRET = "watch-client-it-secret-0123456";

  @TempDir
  Path dir;
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void sigkillOfTheWatchedNode_clientMovesWithoutSpuriousChanges() throws Exception {
    Path jar = Path.of(System.getProperty("distro.jar", "../../target/distro-node.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException("no node jar at " + jar.toAbsolutePath() + ": build src/node first (mvn package)");
    }
    List<Integer> ports = Nodes.freePorts(3);
    List<String> members = new ArrayList<>();
    for (int p : ports) {
      members.add("127.0.0.1:" + p);
    }
    for (int i = 0; i < 3; i++) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--port=" + ports.get(i), "--grpc-port=0",
          "--host=127.0.0.1", "--bind=127.0.0.1", "--members=" + String.join(",", members),
          "--ping-interval-ms=200", "--verify-interval-ms=500", "--batch-window-ms=50", "--http-instances=1")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(dir.resolve("node" + i + ".log").toFile());
      pb.environment().put("DISTRO_CLUSTER_SECRET", SECRET);
      processes.add(pb.start());
    }
    Nodes cluster = Nodes.external(ports);
    for (int i = 0; i < 3; i++) {
      int n = i;
      Poll.until(Duration.ofSeconds(60), "node " + n + " ready and sees 3 members UP", () -> {
        try {
          return cluster.call(n, "GET", "/nacos/v1/ns/operator/servers").split("\"state\":\"UP\"").length == 4
              && cluster.call(n, "GET", "/health/ready").contains("\"status\":\"UP\"");
        } catch (IllegalStateException e) {
          return false;
        }
      });
    }
    try (WatchClient client = WatchClient.create(TestClients.options(cluster.addresses())
        .setDeliveryExecutor(Runnable::run)).start()) {
      NodeLossTest.killConnectedNodeWhileWriting(cluster, client, victim -> {
        Process p = processes.get(victim);
        p.destroyForcibly();
        try {
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node " + victim + " did not die");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      });
    }
  }
}

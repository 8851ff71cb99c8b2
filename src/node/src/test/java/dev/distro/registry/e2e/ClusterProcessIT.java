package dev.distro.registry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Three real node processes from the built jar, found through one cluster.conf on loopback:
 * register through one, read through the others, SIGKILL one, and the survivors still serve
 * every instance.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterProcessIT {

  static final String SECRET = "e2e-cluster-secret-0123456789";
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  String get(int port, String pathAndQuery) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (IOException e) {
      return "-1 " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "-1 interrupted";
    }
  }

  String post(int port, String pathAndQuery) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void threeProcesses_formACluster_andSurviveSigkill(@TempDir Path dir) throws Exception {
    int[] ports = new int[3];
    StringBuilder conf = new StringBuilder("# three local members\n");
    for (int i = 0; i < 3; i++) {
      ports[i] = TestClusterPorts.pair();
      conf.append("127.0.0.1:").append(ports[i]).append('\n');
    }
    Path clusterConf = dir.resolve("cluster.conf");
    Files.writeString(clusterConf, conf.toString());
    for (int i = 0; i < 3; i++) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-jar", NodeProcessIT.jar().toString(), "--port=" + ports[i], "--grpc-port=0", "--host=127.0.0.1",
          "--bind=127.0.0.1", "--cluster-conf=" + clusterConf, "--verify-interval-ms=1000", "--ping-interval-ms=500")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(dir.resolve("node" + i + ".log").toFile());
      pb.environment().put("DISTRO_CLUSTER_SECRET", SECRET);
      processes.add(pb.start());
    }
    for (int p : ports) {
      Poll.until(Duration.ofSeconds(60), "node " + p + " ready", () -> get(p, "/health/ready").startsWith("200"));
    }
    for (int p : ports) {
      Poll.until(Duration.ofSeconds(20), "node " + p + " sees 3 UP members",
          () -> get(p, "/nacos/v1/ns/operator/servers").split("\"state\":\"UP\"").length == 4);
    }
    for (int i = 0; i < 30; i++) {
      assertEquals("ok", post(ports[0], "/nacos/v1/ns/instance?serviceName=e2e&ip=10.5.0." + (i + 1) + "&port=80"));
    }
    for (int p : new int[] {ports[1], ports[2]}) {
      Poll.until(Duration.ofSeconds(5), "all 30 readable through " + p,
          () -> get(p, "/nacos/v1/ns/instance/list?serviceName=e2e").split("\"ip\":").length == 31);
    }
    Process victim = processes.get(1);
    victim.destroyForcibly();
    assertTrue(victim.waitFor(10, TimeUnit.SECONDS));
    for (int p : new int[] {ports[0], ports[2]}) {
      String list = get(p, "/nacos/v1/ns/instance/list?serviceName=e2e");
      assertEquals(31, list.split("\"ip\":").length, "survivor " + p + " serves every instance: " + list);
    }
    Poll.until(Duration.ofSeconds(10), "survivors mark the killed member DOWN",
        () -> get(ports[0], "/nacos/v1/ns/operator/servers").contains("\"state\":\"DOWN\""));
  }

  /** Free client ports whose peer port (client + 1001) is free too. */
  static final class TestClusterPorts {
    static int pair() {
      return TestCluster.freePortPairForTests();
    }
  }
}

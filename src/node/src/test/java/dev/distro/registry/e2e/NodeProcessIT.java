package dev.distro.registry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.TestNodes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starts the built jar as a real process, as a user does. Run by failsafe after {@code package}. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeProcessIT {

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Process> processes = new ArrayList<>();
  final java.util.Map<Process, Path> stderr = new java.util.HashMap<>();

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  static Path jar() {
    return Path.of(System.getProperty("distro.jar", "../../target/distro-node.jar"));
  }

  Process start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar().toString()));
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile("distro-node", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile()).start();
    processes.add(p);
    stderr.put(p, err);
    return p;
  }

  String stderr(Process p) throws IOException {
    return Files.readString(stderr.get(p), StandardCharsets.UTF_8);
  }

  int status(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Test
  void startsStandalone_servesTheApi_andStopsOnSigterm() throws Exception {
    int port = TestCluster.freePortPairForTests();
    long t0 = System.nanoTime();
    Process p = start("--port=" + port, "--host=127.0.0.1", "--bind=127.0.0.1");
    Poll.until(Duration.ofSeconds(30), "ready", () -> status(port, "/health/ready") == 200);
    System.out.printf("standalone ready in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    HttpResponse<String> reg = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/nacos/v1/ns/instance?serviceName=e2e&ip=10.0.0.1&port=80")).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("ok", reg.body());
    HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/nacos/v1/ns/instance/list?serviceName=e2e")).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(list.body().contains("\"ip\":\"10.0.0.1\""), list.body());

    p.destroy();
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits after SIGTERM");
    String err = stderr(p);
    assertTrue(err.contains("stopped"), err);
  }

  @Test
  void jsonLogFormat_oneObjectPerLine() throws Exception {
    int port = TestCluster.freePortPairForTests();
    Process p = start("--port=" + port, "--host=127.0.0.1", "--bind=127.0.0.1", "--log-format=json");
    Poll.until(Duration.ofSeconds(30), "ready", () -> status(port, "/health/ready") == 200);
    p.destroy();
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    List<String> lines = stderr(p).lines().filter(l -> !l.isBlank()).toList();
    assertTrue(lines.size() >= 3, "ready, shutting down, stopped: " + lines);
    for (String line : lines) {
      io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject(line);
      assertTrue(o.containsKey("ts") && o.containsKey("level") && o.containsKey("message"), line);
    }
    assertTrue(lines.get(0).contains("ready"), lines.get(0));
  }

  @Test
  void badFlag_exits2_withOneLine() throws Exception {
    Process p = start("--prot=1");
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    String err = stderr(p).trim();
    assertEquals("distro-node: unknown flag --prot (see --help)", err);
  }

  @Test
  void portInUse_exits1_withOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Process p = start("--port=" + taken.getLocalPort(), "--bind=127.0.0.1");
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(1, p.exitValue());
      String err = stderr(p).trim();
      assertTrue(err.startsWith("distro-node: cannot start: cannot bind 127.0.0.1:" + taken.getLocalPort()), err);
      assertEquals(1, err.lines().count(), err);
    }
  }
}

package dev.distro.registry.fault;

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

/**
 * The node processes of a fault run: one cluster.conf, the built jar started in each node's place
 * (network namespace or loopback port), logs appended to {@code <dir>/node<i>.log} across
 * restarts, and the signals the scenarios send (KILL, TERM, STOP, CONT).
 */
final class FaultNodes implements AutoCloseable {

  private final Net net;
  private final Path dir;
  private final Path jar;
  private final Path clusterConf;
  private final String secret;
  private final List<String> jvmArgs;
  private final List<String> nodeArgs;
  private final Process[] processes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  FaultNodes(Net net, int count, Path dir, Path jar, String secret, List<String> jvmArgs, List<String> nodeArgs)
      throws IOException {
    this.net = net;
    this.nodeArgs = nodeArgs;
    this.dir = dir;
    this.jar = jar;
    this.secret = secret;
    this.jvmArgs = jvmArgs;
    this.processes = new Process[count];
    StringBuilder conf = new StringBuilder("# fault suite members\n");
    for (int i = 0; i < count; i++) {
      conf.append(member(i)).append('\n');
    }
    Files.createDirectories(dir);
    for (int i = 0; i < count; i++) {
      Files.deleteIfExists(dir.resolve("node" + (i + 1) + ".log"));
    }
    clusterConf = dir.resolve("cluster.conf");
    Files.writeString(clusterConf, conf.toString());
  }

  int size() {
    return processes.length;
  }

  String secret() {
    return secret;
  }

  String member(int i) {
    return net.host(i) + ":" + net.port(i);
  }

  /** The address node {@code i}'s clients reach it at. */
  String host(int i) {
    return net.host(i);
  }

  /** Node {@code i}'s gRPC port for Nacos 2.x clients: client port + 1000, where they dial. */
  int grpcPort(int i) {
    return net.port(i) + 1000;
  }

  /** Base URL of node {@code i}'s client port. */
  String url(int i) {
    return "http://" + member(i);
  }

  /** Base URL of node {@code i}'s peer port. */
  String peerUrl(int i) {
    return "http://" + net.host(i) + ":" + (net.port(i) + 1001);
  }

  boolean running(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  long pid(int i) {
    return processes[i].pid();
  }

  void start(int i) throws IOException {
    start(i, List.of(), java.util.Map.of());
  }

  /** Starts node {@code i} with {@code wrapper} (say, faketime) before the java command and more environment. */
  void start(int i, List<String> wrapper, java.util.Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>(net.launchPrefix(i));
    cmd.addAll(wrapper);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar.toString(), "--host=" + net.host(i),
        "--bind=" + (net.launchPrefix(i).isEmpty() ? net.host(i) : "0.0.0.0"), "--port=" + net.port(i),
        "--grpc-port=" + grpcPort(i), "--cluster-conf=" + clusterConf, "--fault-injection=true"));
    cmd.addAll(nodeArgs);
    Path log = dir.resolve("node" + (i + 1) + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("DISTRO_CLUSTER_SECRET", secret);
    pb.environment().putAll(env);
    processes[i] = pb.start();
  }

  /** Waits until node {@code i} answers ready; returns how long that took. */
  Duration awaitReady(int i, Duration within) {
    long start = System.nanoTime();
    long end = start + within.toNanos();
    while (System.nanoTime() < end) {
      if (!running(i)) {
        throw new IllegalStateException("node " + (i + 1) + " exited: see " + dir.resolve("node" + (i + 1) + ".log"));
      }
      if (status(url(i) + "/health/ready") == 200) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
      pace(100);
    }
    throw new IllegalStateException("node " + (i + 1) + " not ready within " + within);
  }

  /**
   * Waits until node {@code i} answers its readiness probe 503 with {@code reason} in the body (a
   * node that stays out of service); returns how long that took.
   */
  Duration awaitNotReady(int i, String reason, Duration within) {
    long start = System.nanoTime();
    long end = start + within.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      if (!running(i)) {
        throw new IllegalStateException("node " + (i + 1) + " exited: see " + dir.resolve("node" + (i + 1) + ".log"));
      }
      if (status(url(i) + "/health/ready") == 503) {
        last = body(url(i) + "/health/ready");
        if (last.contains(reason)) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
      }
      pace(100);
    }
    throw new IllegalStateException("node " + (i + 1) + " not out of service for '" + reason + "' within " + within
        + ": " + last);
  }

  /** Waits until every running node lists every member UP. */
  void awaitAllUp(Duration within) {
    long end = System.nanoTime() + within.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      boolean all = true;
      for (int i = 0; i < size() && all; i++) {
        last = body(url(i) + "/nacos/v1/ns/operator/servers");
        all = last.split("\"state\":\"UP\"", -1).length == size() + 1;
      }
      if (all) {
        return;
      }
      pace(100);
    }
    throw new IllegalStateException("members not all UP within " + within + ": " + last);
  }

  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    processes[i].waitFor(20, TimeUnit.SECONDS);
  }

  /** SIGTERM and wait for the graceful exit. */
  void terminate(int i) throws InterruptedException {
    processes[i].destroy();
    if (!processes[i].waitFor(60, TimeUnit.SECONDS)) {
      processes[i].destroyForcibly();
      throw new IllegalStateException("node " + (i + 1) + " did not exit within 60 s of SIGTERM");
    }
  }

  void stop(int i) {
    Shell.must("kill", "-STOP", String.valueOf(pid(i)));
  }

  void resume(int i) {
    Shell.must("kill", "-CONT", String.valueOf(pid(i)));
  }

  int status(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A request to node {@code i}'s peer port with the cluster secret; {@code json} null: a GET. */
  HttpResponse<String> peer(int i, String path, String json) throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(peerUrl(i) + path)).header("X-Distro-Secret", secret)
        .timeout(Duration.ofSeconds(5));
    if (json != null) {
      req.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  String body(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * Keeps a fault in place for its scenario's duration, checking every 200 ms that no node process
   * exited meanwhile (a stopped process is still alive): a crash fails the scenario at once.
   */
  void hold(long ms) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < end) {
      for (int i = 0; i < size(); i++) {
        if (!running(i)) {
          throw new IllegalStateException("node " + (i + 1) + " exited during the fault: see "
              + dir.resolve("node" + (i + 1) + ".log"));
        }
      }
      pace(Math.min(200, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
    }
  }

  /** The harness thread's polling interval (it is not an event loop). */
  static void pace(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < size(); i++) {
      if (running(i)) {
        Shell.run("kill", "-CONT", String.valueOf(pid(i)));
        processes[i].destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}

package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.NonReadingWatcher;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13: watchers that subscribe to everything and never read, against a node process with a
 * 512 MB heap holding 100,000 instances. 16 connections (raw sockets with a small receive buffer,
 * each sending 64 unfiltered subscribes and then never reading) are held for 10 s while one client
 * lists services back to back: its p99 stays under 100 ms, the bytes queued to watchers never pass
 * the node's budget, the node stays live; once the sockets are gone, the heap is back to its level.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileNonReadingWatchersTest {

  static final int INSTANCES = 100_000;
  static final int SERVICES = 1_000;
  static final int CONNECTIONS = 16;
  static final int SUBSCRIBES = 64;

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Socket> sockets = new ArrayList<>();
  Process node;
  Path stderr;

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (node != null) {
      node.destroyForcibly();
    }
  }

  @Test
  void nonReadingWatchers_doNotStarveOthers_stayWithinTheBudget_andTheHeapReturns() throws Exception {
    int port = TestNodes.freePort();
    startNode(port);
    Poll.until(Duration.ofSeconds(30), "ready", () -> status(port, "/health/ready") == 200);
    long t0 = System.nanoTime();
    register(port);
    System.out.printf("%,d instances in %,d services registered in %,d ms%n", INSTANCES, SERVICES,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    assertEquals(INSTANCES, (long) metric(port, "distro_instances"));
    long budget = (long) metric(port, "distro_watch_budget_bytes");
    for (int i = 0; i < SERVICES; i++) { // warm up: the list views cached per service are part of the level
      assertEquals(200, status(port, "/nacos/v1/ns/instance/list?serviceName=svc-" + i));
    }
    long heapBefore = heapAfterGc(port);

    for (int i = 0; i < CONNECTIONS; i++) {
      sockets.add(NonReadingWatcher.open(port, SUBSCRIBES));
    }

    List<Long> took = new ArrayList<>();
    long maxQueued = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int n = 0;
    while (System.nanoTime() < end) {
      long start = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/nacos/v1/ns/instance/list?serviceName=svc-" + n++ % SERVICES)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      took.add(System.nanoTime() - start);
      assertEquals(200, r.statusCode(), r.body());
      if (n % 100 == 0) {
        long queued = (long) metric(port, "distro_watch_queued_bytes");
        maxQueued = Math.max(maxQueued, queued);
        assertTrue(queued <= budget, "queued to watchers " + queued + " > budget " + budget);
        assertEquals(200, status(port, "/health/live"), "live while the watchers hold on");
      }
    }
    long[] sorted = took.stream().mapToLong(Long::longValue).sorted().toArray();
    long p50 = sorted[sorted.length / 2] / 1_000_000;
    long p99 = sorted[(int) (sorted.length * 0.99)] / 1_000_000;
    long max = sorted[sorted.length - 1] / 1_000_000;
    System.out.printf("%d list calls in 10 s with %d non-reading watchers x %d subscriptions: p50 %d ms, p99 %d ms,"
        + " max %d ms; queued to watchers at most %,d bytes (budget %,d)%n", sorted.length, CONNECTIONS, SUBSCRIBES,
        p50, p99, max, maxQueued, budget);
    assertTrue(p99 < 100, "list p99 " + p99 + " ms with non-reading watchers");

    for (Socket s : sockets) {
      s.close();
    }
    Poll.until(Duration.ofSeconds(15), "the watch connections gone",
        () -> metricOrNaN(port, "distro_watch_connections") == 0);
    long heapAfter = heapAfterGc(port);
    System.out.printf("heap after GC: %,d KiB before the watchers, %,d KiB after%n", heapBefore / 1024,
        heapAfter / 1024);
    if (heapAfter - heapBefore >= 32L * 1024 * 1024) {
      System.out.println(jcmd("GC.class_histogram").lines().limit(25).reduce("", (a, b) -> a + b + "\n"));
    }
    assertTrue(heapAfter - heapBefore < 32L * 1024 * 1024,
        "heap grew by " + (heapAfter - heapBefore) / 1024 + " KiB once the watchers were gone");
    assertTrue(node.isAlive(), Files.readString(stderr));
    assertEquals(0, (long) metric(port, "distro_watch_queued_bytes"));
  }

  void startNode(int port) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", cp, "dev.distro.registry.Main", "--port=" + port, "--grpc-port=0", "--host=127.0.0.1", "--bind=127.0.0.1",
        "--expire-instances=false");
    stderr = Files.createTempFile("distro-node", ".err");
    node = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile())
        .start();
  }

  /** 100,000 registrations over 8 pipelined connections; leases of an hour, so nothing turns unhealthy. */
  void register(int port) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      io.vertx.core.http.HttpClient client = vertx.createHttpClient(new HttpClientOptions().setPipelining(true)
          .setPipeliningLimit(32).setDefaultHost("127.0.0.1").setDefaultPort(port),
          new PoolOptions().setHttp1MaxSize(8));
      String metadata = java.net.URLEncoder.encode("{\"preserved.heart.beat.timeout\":\"3600000\","
          + "\"preserved.ip.delete.timeout\":\"3600000\",\"version\":\"1.2.3\"}", StandardCharsets.UTF_8);
      for (int from = 0; from < INSTANCES; from += 5_000) {
        List<Future<String>> batch = new ArrayList<>();
        for (int i = from; i < from + 5_000; i++) {
          String uri = "/nacos/v1/ns/instance?serviceName=svc-" + i % SERVICES + "&ip=10." + (i >> 16 & 255) + "."
              + (i >> 8 & 255) + "." + (i & 255) + "&port=8080&metadata=" + metadata;
          batch.add(client.request(HttpMethod.POST, uri).compose(req -> req.putHeader("Content-Length", "0").send()
              .map(resp -> String.valueOf(resp.statusCode()))));
        }
        Future.all(batch).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        for (Future<String> f : batch) {
          assertEquals("200", f.result());
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Heap used after a full collection in the node (jcmd GC.run, then the JVM metric). */
  long heapAfterGc(int port) throws Exception {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      jcmd("GC.run");
      least = Math.min(least, (long) sum(port, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\}"));
    }
    return least;
  }

  String jcmd(String command) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(node.pid()), command).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }

  double metric(int port, String name) throws IOException, InterruptedException {
    return sum(port, Pattern.quote(name));
  }

  double metricOrNaN(int port, String name) {
    try {
      return metric(port, name);
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  /** The sum of the samples whose name (and labels) match {@code series}. */
  double sum(int port, String series) throws IOException, InterruptedException {
    String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + series + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
    double total = 0;
    boolean found = false;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
      found = true;
    }
    assertTrue(found, "no " + series + " in /metrics");
    return total;
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
}

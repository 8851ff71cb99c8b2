package dev.distro.loadgen;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The baseline every figure is a ratio to: a minimal Vert.x 5 handler on the same server stack that
 * parses the same parameters (query and form) into a map and answers {@code ok}.
 *
 * <p>Two ways to run it. {@link #start()}: in the generator's process on a Vert.x of its own with one
 * event loop, whose thread's CPU time is the baseline's server CPU (that excludes the JVM's own
 * threads, GC and JIT, which a node's process CPU includes). {@link #main}: a process of its own,
 * {@code java -cp distro-loadgen.jar dev.distro.loadgen.Baseline --port=P [--instances=N]}, with as
 * many server instances as the node's default (one per core) on Vert.x's default event loops; its CPU
 * is then read from /proc like any process's, so the node and the baseline are measured alike
 * ({@code --baseline-target} and {@code --baseline-pid} of the generator; {@code bench/compare.sh}
 * runs it so). With {@code --keep=true} the process form also keeps each request's parameter map in
 * one map of the process, by service, ip and port, as a registry keeps what it is told: the least a
 * registration can cost (no checks, no versions, no listeners, no leases), for comparison with a
 * node under a load of new instances ({@code bench/wrk.sh}).
 */
final class Baseline implements AutoCloseable {

  private final Vertx vertx;
  private final HttpServer server;
  private final long[] threadIds;

  private Baseline(Vertx vertx, HttpServer server, long[] threadIds) {
    this.vertx = vertx;
    this.server = server;
    this.threadIds = threadIds;
  }

  /** What {@code --keep=true} keeps: each request's parameters by service, ip and port. */
  private static final Map<String, Map<String, String>> KEPT = new ConcurrentHashMap<>();

  /** The handler: parameters into a map, answer {@code ok} (empty when there were none). */
  static void handle(HttpServerRequest req) {
    handle(req, false);
  }

  /** How many parameter maps {@code --keep=true} holds (tests). */
  static int kept() {
    return KEPT.size();
  }

  /** The same; {@code keep}: the parameters are kept ({@link #KEPT}) when they name an ip. */
  static void handle(HttpServerRequest req, boolean keep) {
    if ("application/x-www-form-urlencoded".equals(req.getHeader("Content-Type"))) {
      req.setExpectMultipart(true);
    }
    req.end().onComplete(ar -> {
      Map<String, String> params = new HashMap<>();
      MultiMap q = req.params();
      q.forEach(e -> params.put(e.getKey(), e.getValue()));
      req.formAttributes().forEach(e -> params.putIfAbsent(e.getKey(), e.getValue()));
      if (keep && params.containsKey("ip")) {
        KEPT.put(params.get("serviceName") + "#" + params.get("ip") + "#" + params.get("port"), params);
      }
      req.response().putHeader("Content-Type", "text/plain;charset=UTF-8").end(params.isEmpty() ? "" : "ok");
    });
  }

  static Baseline start() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    HttpServer server = vertx.createHttpServer();
    server.requestHandler(Baseline::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // one event loop in this Vert.x: any event-loop context runs on the thread that serves requests
    CompletableFuture<Long> loop = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> loop.complete(Thread.currentThread().getId()));
    return new Baseline(vertx, server, new long[] {loop.get(10, TimeUnit.SECONDS)});
  }

  int port() {
    return server.actualPort();
  }

  /** The threads that serve the baseline's requests. */
  long[] threadIds() {
    return threadIds.clone();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One server instance of the process form. */
  private static final class Server extends VerticleBase {
    private final int port;
    private final boolean keep;

    Server(int port, boolean keep) {
      this.port = port;
      this.keep = keep;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(req -> handle(req, keep)).listen();
    }
  }

  /** The baseline as a process of its own: {@code --port=P [--instances=N] [--keep=false]}; runs until killed. */
  public static void main(String[] args) throws Exception {
    int port = 0;
    int instances = Runtime.getRuntime().availableProcessors();
    boolean keep = false;
    for (String a : args) {
      if (a.startsWith("--port=")) {
        port = Integer.parseInt(a.substring("--port=".length()));
      } else if (a.startsWith("--instances=")) {
        instances = Integer.parseInt(a.substring("--instances=".length()));
      } else if (a.startsWith("--keep=")) {
        keep = Boolean.parseBoolean(a.substring("--keep=".length()));
      } else {
        System.err.println("baseline: arguments are --port=P [--instances=N] [--keep=false]");
        System.exit(2);
      }
    }
    if (port <= 0 || port > 65535 || instances < 1) {
      System.err.println("baseline: --port must be 1-65535 and --instances at least 1");
      System.exit(2);
    }
    int p = port;
    boolean k = keep;
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new Server(p, k), new DeploymentOptions().setInstances(instances))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.out.println("baseline listening on 127.0.0.1:" + port + " with " + instances + " server instances"
        + (keep ? ", keeping what it is sent" : ""));
  }
}

package dev.distro.loadgen;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The baseline every figure is a ratio to: a minimal Vert.x 5 handler on the same server stack that
 * parses the same parameters (query and form) into a map and answers {@code ok}. It runs in the
 * generator's process on a Vert.x of its own with one event loop, so that the CPU time of that one
 * thread is the baseline's server CPU.
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

  static Baseline start() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    HttpServer server = vertx.createHttpServer();
    server.requestHandler(req -> {
      if ("application/x-www-form-urlencoded".equals(req.getHeader("Content-Type"))) {
        req.setExpectMultipart(true);
      }
      req.end().onComplete(ar -> {
        Map<String, String> params = new HashMap<>();
        MultiMap q = req.params();
        q.forEach(e -> params.put(e.getKey(), e.getValue()));
        req.formAttributes().forEach(e -> params.putIfAbsent(e.getKey(), e.getValue()));
        req.response().putHeader("Content-Type", "text/plain;charset=UTF-8").end(params.isEmpty() ? "" : "ok");
      });
    });
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
}

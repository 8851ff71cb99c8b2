package dev.distro.registry.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Work whose cost grows with the whole registry (the service list, the catalog, the responsible
 * count, the Prometheus scrape) runs here, off the event loops, on a small named pool shared by the
 * HTTP verticles: such a pass reads the store's concurrent map of immutable values, which is safe
 * from any thread, and only its result goes back to the event loop to be written. The pool is
 * small on purpose, so that many such requests queue up instead of taking every worker thread.
 */
final class Passes {

  static final String POOL = "distro-registry-passes";
  static final int THREADS = 2;
  private static final Logger LOG = Logger.getLogger(Passes.class.getName());

  private volatile WorkerExecutor executor;

  /** Called in the verticle's start: the executor closes with the verticle that created it. */
  void open(Vertx vertx) {
    executor = vertx.createSharedWorkerExecutor(POOL, THREADS);
  }

  /** Runs {@code pass} on the pool; its result comes back on the caller's context. */
  <T> Future<T> run(Callable<T> pass) {
    return executor.executeBlocking(pass, false);
  }

  /** Runs {@code pass} on the pool and answers the call with its result, an ApiException or a 500. */
  <T> void answer(Call c, Callable<T> pass, Consumer<T> reply) {
    run(pass).onComplete(ar -> {
      if (ar.succeeded()) {
        reply.accept(ar.result());
      } else if (ar.cause() instanceof ApiException e) {
        c.fail(e);
      } else {
        LOG.log(Level.WARNING, "registry pass failed", ar.cause());
        c.fail(new ApiException(500, ApiException.SERVER_ERROR, "internal error"));
      }
    });
  }
}

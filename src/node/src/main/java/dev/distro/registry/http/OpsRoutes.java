package dev.distro.registry.http;

import dev.distro.registry.support.JsonWriter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;

/**
 * The probes ({@code /health/live}, {@code /health/ready} and their Nacos console aliases) and the
 * Prometheus scrape ({@code /metrics}): open to every method, never gated by the server status or
 * authentication.
 */
final class OpsRoutes {

  private static final CharSequence PROMETHEUS_TEXT =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private final HttpParts node;
  private final Passes passes;

  OpsRoutes(HttpParts node, Passes passes) {
    this.node = node;
    this.passes = passes;
  }

  void mount(Router router) {
    for (String path : new String[] {"/health/live", "/nacos/v1/console/health/liveness"}) {
      ExactRoutes.any(router, path, ctx -> {
        String problem = node.liveness.problem();
        probe(ctx.response(), problem == null, problem);
      });
    }
    for (String path : new String[] {"/health/ready", "/nacos/v1/console/health/readiness"}) {
      ExactRoutes.any(router, path, ctx -> probe(ctx.response(), node.status.ready(), node.status.notReadyReason()));
    }
    ExactRoutes.any(router, "/metrics", ctx -> {
      HttpServerResponse resp = ctx.response();
      // the scrape renders every meter: off the event loop, like the other whole-registry passes
      passes.run(node.meters::scrape).onComplete(ar -> {
        if (ar.succeeded()) {
          resp.putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
        } else {
          resp.setStatusCode(500).end();
        }
      });
    });
  }

  private void probe(HttpServerResponse resp, boolean ok, String reason) {
    JsonWriter w = new JsonWriter().beginObject().field("status", ok ? "UP" : "DOWN");
    if (!ok && reason != null) {
      w.field("reason", reason);
    }
    w.field("revision", node.store.revision()).field("instances", node.store.instanceCount());
    resp.setStatusCode(ok ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON).end(w.endObject().toString());
  }
}

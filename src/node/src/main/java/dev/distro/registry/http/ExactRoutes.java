package dev.distro.registry.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Routes that match a path exactly as the client sent it. Vert.x Web matches the normalized path
 * by default (dot segments removed, escaped unreserved characters decoded) and ignores one trailing
 * slash; the node's paths are exact, as they were in its own table before the router, so that an
 * odd spelling ({@code /x/../instance}, {@code /%69nstance}, {@code /instance/}) reaches no handler
 * and gets the unknown-API answer instead.
 */
final class ExactRoutes {

  private ExactRoutes() { }

  /** {@code method} on {@code path} exactly. */
  static Route add(Router router, HttpMethod method, String path, Handler<RoutingContext> handler) {
    return exact(router.route(method, path), path, handler);
  }

  /** Any method on {@code path} exactly. */
  static Route any(Router router, String path, Handler<RoutingContext> handler) {
    return exact(router.route(path), path, handler);
  }

  private static Route exact(Route route, String path, Handler<RoutingContext> handler) {
    int length = path.length();
    return route.useNormalizedPath(false).handler(ctx -> {
      if (ctx.request().path().length() == length) {
        handler.handle(ctx);
      } else {
        ctx.next(); // the path plus the trailing slash the router ignores
      }
    });
  }
}

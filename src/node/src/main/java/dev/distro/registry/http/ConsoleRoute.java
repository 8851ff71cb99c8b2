package dev.distro.registry.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web console's files ({@code src/main/resources/console}) at {@code /console/}, served from
 * the class path by Vert.x Web's {@link StaticHandler}: GET and HEAD only, no directory listing,
 * no ranges, no caching headers (a new node version's console must not wait out a browser cache),
 * file look-ups on the file system's worker threads, never on the event loop. {@code /console}
 * redirects to {@code /console/}, which serves {@code index.html}. A path that is not in normal form
 * (dot segments, escaped characters that need no escaping) or that ends in a slash (the file
 * resolver would serve {@code index.html/} as {@code index.html}) names no file here: it passes
 * on, as any file the console does not have, to the unknown-path answer.
 */
final class ConsoleRoute {

  static final String WEB_ROOT = "console";
  /** The one directory: the console has no others. */
  static final String INDEX = "/console/";
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self' ws: wss:";

  private ConsoleRoute() { }

  static void mount(Router router) {
    StaticHandler files = StaticHandler.create(WEB_ROOT)
        .setIndexPage("index.html")
        .setDirectoryListing(false)
        .setIncludeHidden(false)
        .setEnableRangeSupport(false)
        .setCachingEnabled(false)
        .setAlwaysAsyncFS(true)
        .setDefaultContentEncoding("UTF-8");
    router.route("/console/*").useNormalizedPath(false).handler(ctx -> {
      String path = ctx.request().path();
      if (!path.equals(ctx.normalizedPath()) || path.endsWith("/") && !path.equals(INDEX)) {
        ctx.next();
        return;
      }
      ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
          .putHeader("X-Content-Type-Options", "nosniff");
      files.handle(ctx);
    });
  }
}

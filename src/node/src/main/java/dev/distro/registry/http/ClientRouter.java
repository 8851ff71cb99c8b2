package dev.distro.registry.http;

import dev.distro.registry.distro.ImmediateReplication;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.function.Supplier;

/**
 * The client port's requests: checked against {@link RequestChecks} first, then routed over exact
 * paths. The Nacos v1 and v2 naming API and the operator endpoints (each an {@link ApiRoute} with
 * its gate kind) are looked up by method and path as sent, in a map: every registration and beat
 * goes that way, without a routing context. Everything else goes through a Vert.x Web
 * {@link Router}: the probes and {@code /metrics} ({@link OpsRoutes}), the console
 * ({@link ConsoleRoute}), and last the unknown-API answer (also for an API path with another method
 * or another spelling). An API route reads a form body with Vert.x's own decoder, within the
 * server's form limits, and nothing else of a body is buffered (no {@code BodyHandler});
 * {@link ApiDispatch} then runs the call.
 */
final class ClientRouter implements Handler<HttpServerRequest> {

  private static final Logger LOG = Logger.getLogger(ClientRouter.class.getName());

  private final HttpParts node;
  private final ApiDispatch dispatch;
  private final Router router;
  private final List<ApiRoute> routes = new ArrayList<>();
  /** The API routes by exact path, then by method. */
  private final Map<String, Map<HttpMethod, ApiRoute>> byPath = new HashMap<>();

  /**
   * @param replication read at each deregistration (set once the verticle has its peer client)
   */
  ClientRouter(Vertx vertx, HttpParts node, Passes passes, AccessGate gate, ApiDispatch dispatch,
      Supplier<ImmediateReplication> replication) {
    this.node = node;
    this.dispatch = dispatch;
    NamingApi naming = new NamingApi(node, change -> replication.get().replicate(change), passes);
    OperatorApi ops = new OperatorApi(node, passes);
    for (String v : new String[] {"v1", "v2"}) {
      boolean v2 = v.equals("v2");
      String ns = "/nacos/" + v + "/ns";
      add("POST", ns + "/instance", naming::register, v2, ApiRoute.Kind.WRITE);
      add("DELETE", ns + "/instance", naming::deregister, v2, ApiRoute.Kind.WRITE);
      add("PUT", ns + "/instance", naming::update, v2, ApiRoute.Kind.WRITE);
      add("PATCH", ns + "/instance", naming::update, v2, ApiRoute.Kind.WRITE);
      add("GET", ns + "/instance", naming::detail, v2, ApiRoute.Kind.READ);
      add("PUT", ns + "/instance/beat", naming::beat, v2, ApiRoute.Kind.WRITE);
      add("GET", ns + "/instance/list", naming::list, v2, ApiRoute.Kind.READ);
      add("GET", ns + "/service", naming::serviceDetail, v2, ApiRoute.Kind.READ);
      add("POST", ns + "/service", naming::serviceCreate, v2, ApiRoute.Kind.WRITE);
      add("PUT", ns + "/service", naming::serviceUpdate, v2, ApiRoute.Kind.WRITE);
      add("DELETE", ns + "/service", naming::serviceDelete, v2, ApiRoute.Kind.WRITE);
      add("GET", ns + "/service/list", naming::serviceList, v2, ApiRoute.Kind.READ);
      add("GET", ns + "/operator/metrics", ops::metrics, v2, ApiRoute.Kind.OPS);
      add("GET", ns + "/operator/switches", ops::getSwitches, v2, ApiRoute.Kind.OPS);
      add("PUT", ns + "/operator/switches", ops::putSwitches, v2, ApiRoute.Kind.OPS);
    }
    add("GET", "/nacos/v1/ns/operator/servers", ops::servers, false, ApiRoute.Kind.OPS);
    add("GET", "/nacos/v1/ns/catalog/services", naming::catalog, false, ApiRoute.Kind.READ);
    add("GET", "/nacos/v1/core/cluster/nodes", ops::clusterNodes, false, ApiRoute.Kind.OPS);
    if (node.config.authEnabled) {
      add("POST", "/nacos/v1/auth/users/login", gate::login, false, ApiRoute.Kind.LOGIN);
      add("POST", "/nacos/v1/auth/login", gate::login, false, ApiRoute.Kind.LOGIN);
    }

    for (ApiRoute r : routes) {
      byPath.computeIfAbsent(r.path(), p -> new HashMap<>()).put(HttpMethod.valueOf(r.method()), r);
    }
    router = Router.router(vertx);
    new OpsRoutes(node, passes).mount(router);
    ConsoleRoute.mount(router);
    router.route().handler(this::noSuchApi);
    // the router's own refusals: a path that does not start with '/' (404) or is empty (400) is an
    // unknown path, as it was before the router; any other failure of a handler is a 500
    router.route().failureHandler(ctx -> {
      if (ctx.statusCode() == 404 || ctx.statusCode() == 400 && ctx.request().path().isEmpty()) {
        noSuchApi(ctx);
      } else {
        internalError(ctx.request());
      }
    });
  }

  /** Any failure of a handler the call itself did not answer: a 500. */
  private void internalError(HttpServerRequest req) {
    if (!req.response().ended()) {
      node.metrics.serverErrors.increment();
      Call.springError(req.response(), 500, "Internal Server Error", "internal error", req.path());
    }
  }

  private void add(String method, String path, Consumer<Call> handler, boolean v2, ApiRoute.Kind kind) {
    routes.add(ApiRoute.of(method, path, handler, v2, kind));
  }

  @Override
  public void handle(HttpServerRequest req) {
    node.metrics.requests.increment();
    String malformed = RequestChecks.malformed(req);
    if (malformed != null) {
      reject(req, req.path().startsWith("/nacos/v2/"),
          new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, malformed));
      return;
    }
    Map<HttpMethod, ApiRoute> methods = byPath.get(req.path());
    ApiRoute route = methods == null ? null : methods.get(req.method());
    if (route == null) {
      router.handle(req);
      return;
    }
    try {
      api(req, route);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "unexpected failure on " + req.method() + " " + req.path(), e);
      internalError(req);
    }
  }

  /** An API route: a declared body over the limit is refused, a form body is read, then the call runs. */
  private void api(HttpServerRequest req, ApiRoute route) {
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (len != null && RequestChecks.declaredTooLong(len, node.config.maxBodyBytes)) {
      reject(req, route.v2(), RequestChecks.tooLarge(node.config.maxBodyBytes));
      return;
    }
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)
        && req.method() != HttpMethod.GET) {
      req.setExpectMultipart(true);
      // the bytes as they came too, for a write forwarded to its owner (Vert.x's decoder keeps none);
      // the decoder refuses a body over the limit, and so does this copy
      Buffer raw = Buffer.buffer();
      boolean[] over = new boolean[1];
      req.handler(chunk -> {
        if (raw.length() + chunk.length() <= node.config.maxBodyBytes) {
          raw.appendBuffer(chunk);
        } else {
          over[0] = true;
        }
      });
      req.end().onComplete(ar -> {
        if (ar.failed()) {
          reject(req, route.v2(), RequestChecks.formFailure(ar.cause(), node.config.maxBodyBytes));
        } else if (over[0]) {
          reject(req, route.v2(), RequestChecks.tooLarge(node.config.maxBodyBytes));
        } else {
          dispatch.run(req, route, req.formAttributes(), raw);
        }
      });
    } else {
      dispatch.run(req, route, null, null);
    }
  }

  /** A refusal before the call runs: counted, answered in the route's rendering, and the connection closed. */
  private void reject(HttpServerRequest req, boolean v2, ApiException e) {
    node.metrics.clientErrors.increment();
    req.response().putHeader(HttpHeaders.CONNECTION, "close");
    new Call(req, v2, null).fail(e);
  }

  /** Nacos answers an unknown API with 501 and a Spring-style JSON error; other unknown paths are a 404. */
  private void noSuchApi(RoutingContext ctx) {
    node.metrics.clientErrors.increment();
    HttpServerRequest req = ctx.request();
    String path = req.path();
    boolean nacos = path.startsWith("/nacos/");
    Call.springError(ctx.response(), nacos ? 501 : 404, nacos ? "Not Implemented" : "Not Found",
        nacos ? "no such api:" + req.method().name() + ":" + path : "not found: " + path, path);
  }
}

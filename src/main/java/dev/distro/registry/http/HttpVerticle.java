package dev.distro.registry.http;

import dev.distro.registry.node.NodeContext;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client port: the Nacos v1 and v2 naming API under {@code /nacos}, the operator endpoints and
 * the probes. One instance per event loop; Vert.x spreads connections across them. Requests are
 * dispatched by exact path through a table built once; form bodies are decoded by Vert.x within
 * the configured limits and nothing else of a body is buffered.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(HttpVerticle.class.getName());

  /** How a route is gated by the server status (Nacos's TrafficReviseFilter). */
  private enum Kind { READ, WRITE, OPS }

  private record Route(Consumer<Call> handler, boolean v2, Kind kind) { }

  private final NodeContext node;
  private final Map<String, Route> routes = new HashMap<>();
  private HttpServer server;

  public HttpVerticle(NodeContext node) {
    this.node = node;
    NamingApi naming = new NamingApi(node);
    OperatorApi ops = new OperatorApi(node);
    for (String v : new String[] {"v1", "v2"}) {
      boolean v2 = v.equals("v2");
      String ns = "/nacos/" + v + "/ns";
      add("POST", ns + "/instance", naming::register, v2, Kind.WRITE);
      add("DELETE", ns + "/instance", naming::deregister, v2, Kind.WRITE);
      add("PUT", ns + "/instance", naming::update, v2, Kind.WRITE);
      add("PATCH", ns + "/instance", naming::update, v2, Kind.WRITE);
      add("GET", ns + "/instance", naming::detail, v2, Kind.READ);
      add("PUT", ns + "/instance/beat", naming::beat, v2, Kind.WRITE);
      add("GET", ns + "/instance/list", naming::list, v2, Kind.READ);
      add("GET", ns + "/service", naming::serviceDetail, v2, Kind.READ);
      add("POST", ns + "/service", naming::serviceCreate, v2, Kind.WRITE);
      add("PUT", ns + "/service", naming::serviceUpdate, v2, Kind.WRITE);
      add("DELETE", ns + "/service", naming::serviceDelete, v2, Kind.WRITE);
      add("GET", ns + "/service/list", naming::serviceList, v2, Kind.READ);
      add("GET", ns + "/operator/metrics", ops::metrics, v2, Kind.OPS);
      add("GET", ns + "/operator/switches", ops::getSwitches, v2, Kind.OPS);
      add("PUT", ns + "/operator/switches", ops::putSwitches, v2, Kind.OPS);
    }
    add("GET", "/nacos/v1/ns/operator/servers", ops::servers, false, Kind.OPS);
    add("GET", "/nacos/v1/ns/catalog/services", naming::catalog, false, Kind.READ);
    add("GET", "/nacos/v1/core/cluster/nodes", ops::clusterNodes, false, Kind.OPS);
  }

  private void add(String method, String path, Consumer<Call> handler, boolean v2, Kind kind) {
    routes.put(method + " " + path, new Route(handler, v2, kind));
  }

  /** Server options from the configuration: bounded headers, forms and bodies. */
  public static HttpServerOptions serverOptions(NodeContext node, int port) {
    var cfg = node.config;
    return new HttpServerOptions()
        .setHost(cfg.bind)
        .setPort(port)
        .setTcpNoDelay(true)
        .setMaxHeaderSize(cfg.maxHeaderBytes)
        .setMaxInitialLineLength(Math.max(4096, cfg.maxHeaderBytes))
        .setMaxFormAttributeSize(cfg.maxBodyBytes)
        .setMaxFormFields(256)
        .setMaxFormBufferedBytes(cfg.maxBodyBytes)
        .setIdleTimeout(300)
        .setDecompressionSupported(false);
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(serverOptions(node, node.config.port));
    server.requestHandler(this::handle);
    server.invalidRequestHandler(req -> {
      HttpServerResponse resp = req.response();
      if (!resp.ended()) {
        int status = req.decoderResult().cause() instanceof io.netty.handler.codec.TooLongFrameException
            ? (req.decoderResult().cause().getMessage().contains("header") ? 431 : 414) : 400;
        resp.setStatusCode(status).putHeader(HttpHeaders.CONNECTION, "close")
            .putHeader(HttpHeaders.CONTENT_TYPE, Call.TEXT).end("invalid request: " + status);
      }
    });
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(5));
  }

  /** The actual port (for a configured port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  void handle(HttpServerRequest req) {
    node.metrics.requests.increment();
    String path = req.path();
    switch (path) {
      case "/health/live", "/nacos/v1/console/health/liveness" -> {
        probe(req, true, null);
        return;
      }
      case "/health/ready", "/nacos/v1/console/health/readiness" -> {
        probe(req, node.ready(), node.notReadyReason());
        return;
      }
      default -> { }
    }
    String method = req.method().name();
    Route route = routes.get(method + " " + path);
    if (route == null) {
      noSuchApi(req, method, path);
      return;
    }
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (len != null && tooLong(len)) {
      reject(req, route.v2, tooLarge(), true);
      return;
    }
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)
        && !"GET".equals(method)) {
      req.setExpectMultipart(true);
      req.end().onComplete(ar -> {
        if (ar.succeeded()) {
          dispatch(req, route, req.formAttributes());
        } else {
          reject(req, route.v2, formFailure(ar.cause()), true);
        }
      });
    } else {
      dispatch(req, route, null);
    }
  }

  /** Netty's form decoder reports a field or body over our limits as "exceed"/"too long". */
  private ApiException formFailure(Throwable cause) {
    String m = String.valueOf(cause.getMessage());
    if (m.contains("exceed") || m.toLowerCase(java.util.Locale.ROOT).contains("too long")
        || cause.getClass().getSimpleName().startsWith("TooLong")) {
      return tooLarge();
    }
    return new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, "malformed form body: " + m);
  }

  private ApiException tooLarge() {
    return new ApiException(413, ApiException.PARAMETER_VALIDATE_ERROR,
        "request body too large: the limit is " + node.config.maxBodyBytes + " bytes.");
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > node.config.maxBodyBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void dispatch(HttpServerRequest req, Route route, MultiMap form) {
    Call call = new Call(req, route.v2, form);
    try {
      String gate = gate(route.kind);
      if (gate != null) {
        throw new ApiException(503, ApiException.SERVER_ERROR, gate);
      }
      route.handler.accept(call);
    } catch (ApiException e) {
      node.metrics.clientErrors.increment();
      call.fail(e);
    } catch (RuntimeException e) {
      node.metrics.serverErrors.increment();
      LOG.log(Level.WARNING, "unexpected failure on " + req.method() + " " + req.path(), e);
      call.fail(new ApiException(500, ApiException.SERVER_ERROR, "caused: " + e));
    }
  }

  /** Null when the server status lets this kind of request through, else the refusal message. */
  private String gate(Kind kind) {
    if (kind == Kind.OPS) {
      return null;
    }
    String status = node.status();
    boolean pass = switch (status) {
      case "UP" -> true;
      case "WRITE_ONLY" -> kind == Kind.WRITE;
      case "READ_ONLY" -> kind == Kind.READ;
      default -> false;
    };
    return pass ? null : "server is " + status + " now, please try again later!";
  }

  private void reject(HttpServerRequest req, boolean v2, ApiException e, boolean close) {
    node.metrics.clientErrors.increment();
    if (close) {
      req.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    new Call(req, v2, null).fail(e);
  }

  /** Nacos answers an unknown API with 501 and a Spring-style JSON error. */
  private void noSuchApi(HttpServerRequest req, String method, String path) {
    node.metrics.clientErrors.increment();
    boolean nacos = path.startsWith("/nacos/");
    int status = nacos ? 501 : 404;
    String message = nacos ? "no such api:" + method + ":" + path : "not found: " + path;
    JsonWriter w = new JsonWriter().beginObject()
        .field("timestamp", Instant.now().toString())
        .field("status", status)
        .field("error", nacos ? "Not Implemented" : "Not Found")
        .field("message", message)
        .field("path", path);
    req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON)
        .end(w.endObject().toString());
  }

  private void probe(HttpServerRequest req, boolean ok, String reason) {
    JsonWriter w = new JsonWriter().beginObject().field("status", ok ? "UP" : "DOWN");
    if (!ok && reason != null) {
      w.field("reason", reason);
    }
    w.field("revision", node.store.revision()).field("instances", node.store.instanceCount());
    req.response().setStatusCode(ok ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON)
        .end(w.endObject().toString());
  }
}

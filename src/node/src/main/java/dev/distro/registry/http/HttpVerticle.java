package dev.distro.registry.http;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.cluster.OwnerForwarder;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.distro.ImmediateReplication;
import dev.distro.registry.node.NodeContext;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.config.Tls;
import dev.distro.registry.watch.WatchHub;
import dev.distro.registry.watch.WatchLoop;
import dev.distro.registry.store.ChangeEvent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.ErrorDataDecoderException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.TooLongFormFieldException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.TooManyFormFieldsException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
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
  public static final String WATCH_PATH = "/nacos/v1/ns/watch";
  static final int MAX_FORM_FIELDS = 256;
  private static final CharSequence PROMETHEUS_TEXT =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  /** How a route is gated by the server status (Nacos's TrafficReviseFilter). */
  private enum Kind { READ, WRITE, OPS, LOGIN }

  /**
   * @param forwardable an instance write or beat: sent to the instance's owner when that is
   *     another member
   */
  private record Route(Consumer<Call> handler, boolean v2, Kind kind, boolean forwardable, String name) { }

  private final NodeContext node;
  private final Map<String, Route> routes = new HashMap<>();
  private final Params params;
  private HttpServer server;
  private HttpServer peerServer;
  private PeerClient peers;
  private OwnerForwarder forwarder;
  /** Set in {@link #start} on a cluster member; the naming API reads it at each deregistration. */
  private ImmediateReplication replication = ImmediateReplication.NONE;
  private WatchLoop watchLoop;
  private final Passes passes = new Passes();

  public HttpVerticle(NodeContext node) {
    this.node = node;
    this.params = new Params(node.config);
    NamingApi naming = new NamingApi(node, change -> replication.replicate(change), passes);
    OperatorApi ops = new OperatorApi(node, passes);
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
    if (node.config.authEnabled) {
      add("POST", "/nacos/v1/auth/users/login", this::login, false, Kind.LOGIN);
      add("POST", "/nacos/v1/auth/login", this::login, false, Kind.LOGIN);
    }
  }

  private void add(String method, String path, Consumer<Call> handler, boolean v2, Kind kind) {
    boolean forwardable = kind == Kind.WRITE && (path.endsWith("/instance") || path.endsWith("/instance/beat"));
    routes.put(method + " " + path, new Route(handler, v2, kind, forwardable, method + " " + path));
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
        .setMaxFormFields(MAX_FORM_FIELDS)
        .setMaxFormBufferedBytes(cfg.maxBodyBytes)
        .setIdleTimeout(300)
        .setDecompressionSupported(false);
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(Tls.server(serverOptions(node, node.config.port), node.config, node.config.clientTls)
        .setMaxWebSocketFrameSize(WatchHub.Limits.DEFAULT.maxFrameBytes())
        .setMaxWebSocketMessageSize(WatchHub.Limits.DEFAULT.maxFrameBytes()));
    watchLoop = node.watch.loop(context);
    passes.open(vertx);
    node.liveness.watch("http", context);
    server.webSocketHandshakeHandler(hs -> {
      if (!WATCH_PATH.equals(hs.path())) {
        hs.reject(404);
      } else if (node.access.enabled() && node.access.authenticate(watchToken(hs.headers(), hs.query())) == null) {
        node.metrics.clientErrors.increment();
        hs.reject(401);
      } else {
        hs.accept();
      }
    });
    server.webSocketHandler(ws -> {
      if (!node.access.enabled()) {
        watchLoop.accept(ws);
        return;
      }
      // checked again at each subscribe, against the tokens in force then
      String token = watchToken(ws.headers(), ws.query());
      watchLoop.accept(ws, ns -> {
        TokenTable.Entry who = node.access.authenticate(token);
        return who != null && who.may(TokenTable.Access.READ, ns);
      });
    });
    server.requestHandler(this::handle);
    server.invalidRequestHandler(req -> {
      HttpServerResponse resp = req.response();
      if (!resp.ended()) {
        Throwable cause = req.decoderResult().cause();
        int status = cause instanceof TooLongHttpHeaderException ? 431 : cause instanceof TooLongHttpLineException ? 414
            : 400;
        resp.setStatusCode(status).putHeader(HttpHeaders.CONNECTION, "close")
            .putHeader(HttpHeaders.CONTENT_TYPE, Call.TEXT).end("invalid request: " + status);
      }
    });
    if (node.config.standalone()) {
      return server.listen();
    }
    peers = node.peerClients.create(vertx);
    replication = ImmediateReplication.toPeers(vertx, node.cluster, node.store, node.config.forwardTimeoutMs, peers);
    forwarder = new OwnerForwarder(node.cluster, OwnerForwarder.over(peers), node.config.forwardTimeoutMs,
        node.metrics.forwards);
    PeerApi peerApi = new PeerApi(vertx, node);
    peerServer = vertx.createHttpServer(Tls.server(serverOptions(node, node.config.peerPort), node.config,
        node.config.peerTls).setMaxFormAttributeSize(1024));
    peerServer.requestHandler(peerApi::handle);
    return server.listen().compose(s -> peerServer.listen());
  }

  @Override
  public Future<?> stop() {
    if (watchLoop != null) {
      watchLoop.goAway();
    }
    Future<Void> client = server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(5));
    return client.compose(v -> peerServer == null ? Future.succeededFuture() : peerServer.shutdown(Duration.ofSeconds(2)))
        .eventually(() -> {
          if (peers != null) {
            peers.close();
          }
          return Future.succeededFuture();
        });
  }

  /** The actual port (for a configured port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  void handle(HttpServerRequest req) {
    node.metrics.requests.increment();
    String path = req.path();
    String malformed = malformed(req);
    if (malformed != null) {
      reject(req, path.startsWith("/nacos/v2/"), new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, malformed),
          true);
      return;
    }
    switch (path) {
      case "/health/live", "/nacos/v1/console/health/liveness" -> {
        String problem = node.liveness.problem();
        probe(req, problem == null, problem);
        return;
      }
      case "/health/ready", "/nacos/v1/console/health/readiness" -> {
        probe(req, node.ready(), node.notReadyReason());
        return;
      }
      case "/console", "/console/", "/console/index.html", "/console/console.js", "/console/console.css" -> {
        ConsoleAssets.Asset a = node.console.get(path);
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, a.type())
            .putHeader("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:")
            .putHeader("X-Content-Type-Options", "nosniff").end(a.body());
        return;
      }
      case "/metrics" -> {
        // the scrape renders every meter: off the event loop, like the other whole-registry passes
        passes.run(node.meters::scrape).onComplete(ar -> {
          if (ar.succeeded()) {
            req.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
          } else {
            req.response().setStatusCode(500).end();
          }
        });
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
          reject(req, route.v2, formFailure(ar.cause(), node.config.maxBodyBytes), true);
        }
      });
    } else {
      dispatch(req, route, null);
    }
  }

  /**
   * What Netty lets through but HTTP/1.1 forbids, checked before anything reads the request: a
   * request target with bytes outside printable ASCII (they must be percent-encoded; read as Latin-1
   * they would name something else than the client meant), a transfer coding other than chunked
   * (RFC 9112 section 6.1: the body's length is unknown, and a proxy in front may frame it
   * differently), and a query string with a malformed percent-encoding (Netty's decoder throws).
   *
   * @return the refusal message, or null when the request may proceed
   */
  static String malformed(HttpServerRequest req) {
    String uri = req.uri();
    for (int i = 0; i < uri.length(); i++) {
      char ch = uri.charAt(i);
      if (ch <= ' ' || ch >= 0x7f) {
        return "malformed request target: bytes outside printable ASCII must be percent-encoded.";
      }
    }
    String te = req.getHeader(HttpHeaders.TRANSFER_ENCODING);
    if (te != null && !"chunked".equalsIgnoreCase(te.trim())) {
      return "unsupported Transfer-Encoding: only chunked is accepted.";
    }
    try {
      req.params(true);
    } catch (IllegalArgumentException e) {
      return "malformed query string: invalid percent-encoding.";
    }
    return null;
  }

  /**
   * Classifies a failed form body by the exception's type, never its message (Netty's messages quote
   * the client's bytes). Netty's decoder wraps the size check of an in-memory attribute, its only
   * source of an {@link IOException} here, in an {@link ErrorDataDecoderException}: that and a field
   * over the field limit are a 413; too many fields, bad percent-encoding and bad chunking are a 400.
   */
  static ApiException formFailure(Throwable cause, long maxBodyBytes) {
    if (cause instanceof TooLongFormFieldException
        || cause instanceof ErrorDataDecoderException && cause.getCause() instanceof IOException) {
      return tooLarge(maxBodyBytes);
    }
    String detail = cause instanceof TooManyFormFieldsException
        ? "too many fields (the limit is " + MAX_FORM_FIELDS + ")"
        : cause instanceof ErrorDataDecoderException ? "invalid encoding" : "unreadable";
    return new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, "malformed form body: " + detail + ".");
  }

  private ApiException tooLarge() {
    return tooLarge(node.config.maxBodyBytes);
  }

  private static ApiException tooLarge(long maxBodyBytes) {
    return new ApiException(413, ApiException.PARAMETER_VALIDATE_ERROR,
        "request body too large: the limit is " + maxBodyBytes + " bytes.");
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > node.config.maxBodyBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void dispatch(HttpServerRequest req, Route route, MultiMap form) {
    long t0 = System.nanoTime();
    HttpServerResponse response = req.response();
    response.endHandler(v -> node.meters.request(route.name, response.getStatusCode(), System.nanoTime() - t0));
    Call call = new Call(req, route.v2, form);
    try {
      if (node.access.enabled() && !authorized(req, route, call)) {
        return;
      }
      String gate = gate(route.kind);
      if (gate != null) {
        throw new ApiException(503, ApiException.SERVER_ERROR, gate);
      }
      if (route.forwardable && peers != null && req.getHeader(PeerClient.FORWARDED_HEADER) == null
          && node.cluster.cutOffFromMost()) {
        // Applied here (AP: this side keeps serving it), answered 503 so that a client that can
        // reach another node (Nacos clients try the next server) delivers it to the majority too.
        node.metrics.cutOffWrites.increment();
        call.degrade("this node is cut off from most cluster members: the write was applied here only;"
            + " send it to another node");
        route.handler.accept(call);
        return;
      }
      if (route.forwardable && peers != null && forwardToOwner(req, route, call, form)) {
        return;
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

  /**
   * Sends an instance write to its owner through {@link OwnerForwarder}.
   *
   * @return true when the request was handed to the owner (answered later), false to apply it here now
   */
  private boolean forwardToOwner(HttpServerRequest req, Route route, Call call, MultiMap form) {
    boolean forwarded = req.getHeader(PeerClient.FORWARDED_HEADER) != null;
    Future<OwnerForwarder.Result> result = forwarder.forward(new OwnerForwarder.Write(req.method(), req.uri(),
        forwarded, forwarded ? null : call.param("ip"), forwarded ? null : call.param("port"),
        forwarded ? null : call.optional("beat"), form, req.getHeader(HttpHeaders.AUTHORIZATION)));
    if (result.isComplete() && result.result() instanceof OwnerForwarder.ApplyHere a && !a.ownerFailed()) {
      return false;
    }
    result.onSuccess(r -> {
      HttpServerResponse resp = req.response();
      if (resp.ended() || resp.closed()) {
        return;
      }
      if (r instanceof OwnerForwarder.Forwarded f) {
        if (f.contentType() != null) {
          resp.putHeader(HttpHeaders.CONTENT_TYPE, f.contentType());
        }
        resp.setStatusCode(f.status()).end(f.body());
        return;
      }
      node.metrics.forwardFailures.increment();
      try {
        route.handler.accept(call);
      } catch (ApiException e) {
        call.fail(e);
      } catch (RuntimeException e) {
        node.metrics.serverErrors.increment();
        call.fail(new ApiException(500, ApiException.SERVER_ERROR, "caused: " + e));
      }
    });
    return true;
  }

  /**
   * Client authentication, when on: no token or an unknown one is a 401; a known token without the
   * permission the route needs is a 403 (Nacos's status for a refused permission). Reads need read
   * on the request's namespace, writes need write on it; operator reads need any valid token and the
   * switches write needs write on {@code *}. A forwarded write carries the client's own token and is
   * checked again here, as any other request.
   *
   * @return false when the request was refused (and answered)
   */
  private boolean authorized(HttpServerRequest req, Route route, Call call) {
    if (route.kind == Kind.LOGIN) {
      return true;
    }
    String token = AccessControl.token(req.getHeader(HttpHeaders.AUTHORIZATION), call.param(AccessControl.TOKEN_PARAM));
    TokenTable.Entry who = node.access.authenticate(token);
    if (who == null) {
      node.metrics.clientErrors.increment();
      req.response().putHeader("WWW-Authenticate", "Bearer");
      springError(req, 401, "Unauthorized", token == null
          ? "no access token: send 'Authorization: Bearer <token>' or the accessToken parameter"
          : "unknown access token", req.path());
      return false;
    }
    TokenTable.Access need;
    String ns;
    switch (route.kind) {
      case READ -> {
        need = TokenTable.Access.READ;
        ns = params.namespace(call);
      }
      case WRITE -> {
        need = TokenTable.Access.WRITE;
        ns = params.namespace(call);
      }
      default -> {
        if (req.method() == io.vertx.core.http.HttpMethod.GET) {
          return true;
        }
        need = TokenTable.Access.WRITE;
        ns = null;
      }
    }
    if (who.may(need, ns)) {
      return true;
    }
    node.metrics.clientErrors.increment();
    springError(req, 403, "Forbidden", "authorization failed: token '" + who.name() + "' may not "
        + (need == TokenTable.Access.READ ? "read" : "write") + (ns == null ? " every namespace" : " namespace '"
        + ns + "'"), req.path());
    return false;
  }

  /**
   * Nacos's login, for clients configured with a user name and password (nacos-client's
   * {@code username}/{@code password}): the user is a token's name and the password the token
   * itself; the answer hands the same token back as the {@code accessToken} the client then sends.
   * Nothing is issued that the client did not already hold. Wrong credentials: 403 {@code unknown user!},
   * as Nacos answers.
   */
  private void login(Call c) {
    String user = c.param("username");
    TokenTable.Entry who = node.access.authenticate(c.param("password"));
    if (who == null || !who.name().equals(user)) {
      node.metrics.clientErrors.increment();
      springError(c.req, 403, "Forbidden", "unknown user!", c.req.path());
      return;
    }
    c.json(new JsonWriter().beginObject().field("accessToken", c.param("password"))
        .field("tokenTtl", 18_000).field("globalAdmin", who.may(TokenTable.Access.WRITE, null))
        .field("username", who.name()).endObject().toString());
  }

  /** The token of a watch upgrade: {@code Authorization: Bearer}, else the {@code accessToken} query parameter. */
  private static String watchToken(MultiMap headers, String query) {
    String param = null;
    if (query != null) {
      var decoded = new io.netty.handler.codec.http.QueryStringDecoder(query, false).parameters()
          .get(AccessControl.TOKEN_PARAM);
      param = decoded == null || decoded.isEmpty() ? null : decoded.get(0);
    }
    return AccessControl.token(headers.get(HttpHeaders.AUTHORIZATION), param);
  }

  /** Null when the server status lets this kind of request through, else the refusal message. */
  private String gate(Kind kind) {
    if (kind == Kind.OPS || kind == Kind.LOGIN) {
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
    springError(req, nacos ? 501 : 404, nacos ? "Not Implemented" : "Not Found",
        nacos ? "no such api:" + method + ":" + path : "not found: " + path, path);
  }

  /** Nacos's filters answer with Spring's JSON error body, on v1 and v2 alike. */
  private static void springError(HttpServerRequest req, int status, String error, String message, String path) {
    JsonWriter w = new JsonWriter().beginObject()
        .field("timestamp", Instant.now().toString())
        .field("status", status)
        .field("error", error)
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

package dev.distro.registry.http;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;

/**
 * Who may call what on the client port: the server status gate (Nacos's TrafficReviseFilter),
 * client authentication with its tokens, the login that hands a token back, and the token of a
 * watch upgrade.
 */
final class AccessGate {

  private final HttpParts node;
  private final Params params;

  AccessGate(HttpParts node) {
    this.node = node;
    this.params = new Params(node.config);
  }

  /** Null when the server status lets this kind of request through, else the refusal message. */
  String statusRefusal(ApiRoute.Kind kind) {
    if (kind == ApiRoute.Kind.OPS || kind == ApiRoute.Kind.LOGIN) {
      return null;
    }
    String status = node.status.serverStatus();
    boolean pass = switch (status) {
      case "UP" -> true;
      case "WRITE_ONLY" -> kind == ApiRoute.Kind.WRITE;
      case "READ_ONLY" -> kind == ApiRoute.Kind.READ;
      default -> false;
    };
    return pass ? null : "server is " + status + " now, please try again later!";
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
  boolean authorized(HttpServerRequest req, ApiRoute route, Call call) {
    if (route.kind() == ApiRoute.Kind.LOGIN) {
      return true;
    }
    String token = AccessControl.token(req.getHeader(HttpHeaders.AUTHORIZATION), call.param(AccessControl.TOKEN_PARAM));
    TokenTable.Entry who = node.access.authenticate(token);
    if (who == null) {
      node.metrics.clientErrors.increment();
      req.response().putHeader("WWW-Authenticate", "Bearer");
      Call.springError(req.response(), 401, "Unauthorized", token == null
          ? "no access token: send 'Authorization: Bearer <token>' or the accessToken parameter"
          : "unknown access token", req.path());
      return false;
    }
    TokenTable.Access need;
    String ns;
    switch (route.kind()) {
      case READ -> {
        need = TokenTable.Access.READ;
        ns = params.namespace(call);
      }
      case WRITE -> {
        need = TokenTable.Access.WRITE;
        ns = params.namespace(call);
      }
      default -> {
        if (req.method() == HttpMethod.GET) {
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
    Call.springError(req.response(), 403, "Forbidden", "authorization failed: token '" + who.name() + "' may not "
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
  void login(Call c) {
    String user = c.param("username");
    TokenTable.Entry who = node.access.authenticate(c.param("password"));
    if (who == null || !who.name().equals(user)) {
      node.metrics.clientErrors.increment();
      Call.springError(c.req.response(), 403, "Forbidden", "unknown user!", c.req.path());
      return;
    }
    c.json(new JsonWriter().beginObject().field("accessToken", c.param("password"))
        .field("tokenTtl", 18_000).field("globalAdmin", who.may(TokenTable.Access.WRITE, null))
        .field("username", who.name()).endObject().toString());
  }

  /**
   * A watch upgrade: refused with 404 on any other path, with 401 when authentication is on and
   * the token is unknown; the namespaces it may subscribe to are checked at each subscription.
   */
  void admitWatch(ServerWebSocketHandshake hs, String watchPath) {
    if (!watchPath.equals(hs.path())) {
      hs.reject(404);
    } else if (node.access.enabled() && node.access.authenticate(watchToken(hs.headers(), hs.query())) == null) {
      node.metrics.clientErrors.increment();
      hs.reject(401);
    } else if (!node.status.ready()) {
      // starting (its snapshot not loaded: a watcher would get a partial registry, then a storm
      // of changes), stopping, or out of service: the client goes to another node
      hs.reject(503);
    } else {
      hs.accept();
    }
  }

  /** The token of a watch upgrade: {@code Authorization: Bearer}, else the {@code accessToken} query parameter. */
  static String watchToken(MultiMap headers, String query) {
    String param = null;
    if (query != null) {
      var decoded = new io.netty.handler.codec.http.QueryStringDecoder(query, false).parameters()
          .get(AccessControl.TOKEN_PARAM);
      param = decoded == null || decoded.isEmpty() ? null : decoded.get(0);
    }
    return AccessControl.token(headers.get(HttpHeaders.AUTHORIZATION), param);
  }
}

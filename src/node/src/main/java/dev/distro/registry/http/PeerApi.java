package dev.distro.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.distro.DigestHandler;
import dev.distro.registry.distro.PeerAnswer;
import dev.distro.registry.distro.RepairHandler;
import dev.distro.registry.distro.SnapshotSource;
import dev.distro.registry.distro.SyncBatch;
import dev.distro.registry.distro.SyncHandler;
import dev.distro.registry.distro.VerifyHandler;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The peer port: ping, digest, sync, verify, repair and snapshot, and with {@code fault-injection}
 * on (test only) the fault plan. Every request must carry the cluster secret
 * ({@value PeerClient#SECRET_HEADER}); without it the answer is 401 whatever the path, and nothing
 * is read or changed. Then a Vert.x Web {@link Router} over exact paths picks the route. Bodies
 * are bounded and parsed here (a large one on a worker); what each request means is decided by the
 * Distro handlers ({@link SyncHandler}, {@link VerifyHandler}, {@link RepairHandler},
 * {@link DigestHandler}, {@link SnapshotSource}), whose answers this class only writes.
 */
final class PeerApi implements Handler<HttpServerRequest> {

  private static final Logger LOG = Logger.getLogger(PeerApi.class.getName());
  static final int MAX_PEER_BODY = 64 * 1024 * 1024;
  /** 1,000 addresses of 300 characters, with room for escapes. */
  static final int MAX_FAULTS_BODY = 2 * 1024 * 1024;

  private final HttpParts node;
  private final byte[] secret;
  private final Vertx vertx;
  private final SyncHandler sync;
  private final VerifyHandler verify;
  private final RepairHandler repair;
  private final DigestHandler digests;
  private final Router router;

  PeerApi(Vertx vertx, HttpParts node) {
    this.vertx = vertx;
    this.node = node;
    this.secret = node.config.clusterSecret.getBytes(StandardCharsets.UTF_8);
    this.sync = new SyncHandler(vertx, node.store, node.cluster, node.metrics, node.meters);
    this.verify = new VerifyHandler(vertx, node.store, node.cluster, node.digests);
    this.repair = new RepairHandler(vertx, node.store, node.cluster, node.metrics, node.config.verifyIntervalMs);
    this.digests = new DigestHandler(vertx, node.store, node.cluster, node.status);
    this.router = routes();
  }

  /** The routes, each on its exact path; anything else is {@link #unknown}. */
  private Router routes() {
    Router router = Router.router(vertx);
    ExactRoutes.add(router, HttpMethod.GET, "/distro/ping",
        ctx -> answer(ctx.request(), Future.succeededFuture(digests.ping())));
    ExactRoutes.add(router, HttpMethod.GET, "/distro/digest", ctx -> answer(ctx.request(), digests.digest()));
    ExactRoutes.add(router, HttpMethod.GET, "/distro/snapshot", ctx -> snapshot(ctx.request()));
    ExactRoutes.add(router, HttpMethod.POST, "/distro/sync",
        ctx -> withBody(ctx.request(), MAX_PEER_BODY, PeerApi::syncBatch,
            body -> answer(ctx.request(), sync.handle(body))));
    ExactRoutes.add(router, HttpMethod.POST, "/distro/verify",
        ctx -> withBody(ctx.request(), MAX_PEER_BODY, body -> answer(ctx.request(), verify.handle(body))));
    ExactRoutes.add(router, HttpMethod.POST, "/distro/repair",
        ctx -> withBody(ctx.request(), MAX_PEER_BODY, body -> answer(ctx.request(), repair.handle(body))));
    if (node.runtimeFaults != null) {
      ExactRoutes.add(router, HttpMethod.GET, "/distro/faults",
          ctx -> reply(ctx.request(), 200, node.runtimeFaults.rules().toJson()));
      ExactRoutes.add(router, HttpMethod.POST, "/distro/faults",
          ctx -> withBody(ctx.request(), MAX_FAULTS_BODY, body -> faults(ctx.request(), body)));
    }
    router.route().handler(ctx -> unknown(ctx.request()));
    // the router's own refusals (a path not starting with '/', a handler failure) are unknown paths
    router.route().failureHandler(ctx -> {
      if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
        unknown(ctx.request());
      } else {
        LOG.warning("peer request " + ctx.request().path() + " failed: " + ctx.failure());
        reply(ctx.request(), 500, "{\"error\":\"internal error\"}");
      }
    });
    return router;
  }

  /** The secret first, whatever the path; a request without a valid Host is then refused as the router would. */
  @Override
  public void handle(HttpServerRequest req) {
    String given = req.getHeader(PeerClient.SECRET_HEADER);
    if (given == null || !MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8))) {
      node.metrics.clientErrors.increment();
      req.response().setStatusCode(401).putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON).end("{\"error\":\"unauthorized\"}");
      return;
    }
    if (req.version() != HttpVersion.HTTP_1_0 && req.authority() == null) {
      reply(req, 400, "{\"error\":\"missing or invalid Host header\"}");
      return;
    }
    router.handle(req);
  }

  /** What any path the peer port does not serve answers (the fault routes too when fault injection is off). */
  private static void unknown(HttpServerRequest req) {
    String route = req.method().name() + " " + req.path();
    reply(req, 404, "{\"error\":\"no such peer api: " + route.replace("\"", "") + "\"}");
  }

  /** Replaces the whole fault plan (test only): {@code {}} heals. A bad body changes nothing. */
  private void faults(HttpServerRequest req, JsonNode body) {
    RuntimeFaultPlan.Rules rules;
    try {
      rules = RuntimeFaultPlan.Rules.fromJson(body);
    } catch (IllegalArgumentException e) {
      reply(req, 400, new JsonWriter().beginObject().field("error", "bad fault plan: " + e.getMessage())
          .endObject().toString());
      return;
    }
    node.runtimeFaults.replace(rules);
    reply(req, 200, rules.toJson());
  }

  /**
   * Streams a {@link SnapshotSource} with backpressure: the next chunk when the response can take
   * more, else after it drains; the next chunk is read on a later turn of the event loop.
   */
  private void snapshot(HttpServerRequest req) {
    PeerAnswer refusal = SnapshotSource.refusal(node.cluster, node.status);
    if (refusal != null) {
      reply(req, refusal.status(), refusal.json());
      return;
    }
    HttpServerResponse resp = req.response();
    resp.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "application/x-ndjson");
    pump(resp, SnapshotSource.of(node.store), vertx.getOrCreateContext());
  }

  private static void pump(HttpServerResponse resp, SnapshotSource source, Context ctx) {
    String chunk = source.next();
    if (!chunk.isEmpty()) {
      resp.write(chunk);
    }
    if (source.done()) {
      resp.end();
    } else if (resp.writeQueueFull()) {
      resp.drainHandler(v -> pump(resp, source, ctx));
    } else {
      ctx.runOnContext(v -> pump(resp, source, ctx));
    }
  }

  /**
   * Reads a JSON body of at most {@code max} bytes, then runs {@code then} on the event
   * loop. A body over {@link #INLINE_PARSE} bytes (a repair of large buckets) is parsed on a worker:
   * parsing megabytes must not hold the event loop.
   */
  private void withBody(HttpServerRequest req, int max, Consumer<JsonNode> then) {
    withBody(req, max, PeerApi::objectTree, then);
  }

  /** How a body becomes what its handler takes: null when its root is not a JSON object. */
  private interface BodyParser<T> {
    T parse(byte[] bytes) throws Exception;
  }

  /**
   * {@link #withBody(HttpServerRequest, int, Consumer)} with its own parser: bytes
   * that are not JSON are answered 400 {@code malformed JSON}, a root that is not an object 400
   * {@code expected a JSON object}.
   */
  private <T> void withBody(HttpServerRequest req, int max, BodyParser<T> parser, Consumer<T> then) {
    readBody(req, max).onComplete(ar -> {
      if (ar.failed()) {
        reply(req, 413, "{\"error\":\"" + ar.cause().getMessage().replace("\"", "'") + "\"}");
        return;
      }
      Buffer raw = ar.result();
      Future<Parsed<T>> parsed = raw.length() <= INLINE_PARSE ? Future.succeededFuture(parse(parser, raw))
          : vertx.executeBlocking(() -> parse(parser, raw), false);
      parsed.onComplete(pr -> {
        if (pr.failed() || pr.result().malformed()) {
          reply(req, 400, "{\"error\":\"malformed JSON\"}");
          return;
        }
        T body = pr.result().body();
        if (body == null) {
          reply(req, 400, "{\"error\":\"expected a JSON object\"}");
          return;
        }
        try {
          then.accept(body);
        } catch (RuntimeException e) {
          LOG.warning("peer request " + req.path() + " failed: " + e);
          reply(req, 500, "{\"error\":\"internal error\"}");
        }
      });
    });
  }

  static final int INLINE_PARSE = 256 * 1024;

  /** A parsed body (null: its root is not an object), or bytes that are not JSON. */
  private record Parsed<T>(T body, boolean malformed) { }

  private static <T> Parsed<T> parse(BodyParser<T> parser, Buffer raw) {
    try {
      return new Parsed<>(parser.parse(raw.getBytes()), false);
    } catch (Exception e) {
      return new Parsed<>(null, true);
    }
  }

  /** The tree of a body whose root is an object; null for another root. */
  private static JsonNode objectTree(byte[] bytes) throws IOException {
    JsonNode n = Json.parse(bytes);
    if (n == null) {
      throw new IOException("no JSON value");
    }
    return n.isObject() ? n : null;
  }

  /**
   * A sync body read from the stream ({@link SyncBatch}: no tree for the hottest peer request); a
   * root that is not an object is parsed as a tree, so that it gets the same answer as before.
   */
  private static SyncBatch syncBatch(byte[] bytes) throws IOException {
    SyncBatch b = SyncBatch.read(bytes);
    if (b == null) {
      objectTree(bytes); // throws for bytes that are not JSON; else the root is not an object
    }
    return b;
  }

  static Future<Buffer> readBody(HttpServerRequest req, int max) {
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (len != null) {
      try {
        if (Long.parseLong(len.trim()) > max) {
          return Future.failedFuture("body over " + max + " bytes");
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture("bad content-length");
      }
    }
    Promise<Buffer> p = Promise.promise();
    Buffer acc = Buffer.buffer();
    req.handler(chunk -> {
      if (acc.length() + chunk.length() > max) {
        req.handler(null);
        p.tryFail("body over " + max + " bytes");
        req.connection().close();
        return;
      }
      acc.appendBuffer(chunk);
    });
    req.exceptionHandler(p::tryFail);
    req.endHandler(v -> p.tryComplete(acc));
    return p.future();
  }

  private static void answer(HttpServerRequest req, Future<PeerAnswer> answer) {
    answer.onSuccess(a -> reply(req, a.status(), a.json()));
  }

  private static void reply(HttpServerRequest req, int status, String json) {
    HttpServerResponse resp = req.response();
    if (!resp.ended() && !resp.closed()) {
      resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON).end(json);
    }
  }
}

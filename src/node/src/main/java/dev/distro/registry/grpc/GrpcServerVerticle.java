package dev.distro.registry.grpc;

import dev.distro.registry.model.Instance;
import dev.distro.registry.support.Json;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gRPC port for Nacos 2.x/3.x clients, on Vert.x's own HTTP/2 server (h2c with prior knowledge,
 * or TLS): the unary {@code /Request/request} and the bidirectional
 * {@code /BiRequestStream/requestBiStream}, each carrying {@link Payload}s. One instance per event
 * loop; an HTTP/2 connection, its streams and its pushes all live on the loop that accepted it.
 *
 * <p>This class is the transport and the handshake: {@code ServerCheckRequest} (refused with 300
 * while the node is not ready, so that clients try another node), the bi-stream's
 * {@code ConnectionSetupRequest} answered by a {@code SetupAckRequest} when the client sent an
 * ability table, {@code HealthCheckRequest} (301 until the connection is set up), and the client's
 * answers to server requests. Everything else is looked up by type in the handler table it is given;
 * an unknown type is answered 302, as Nacos does. Protocol faults end the stream with a gRPC status;
 * application errors travel in-band, as {@code ErrorResponse} with status 0.
 */
public final class GrpcServerVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(GrpcServerVerticle.class.getName());
  static final String UNARY = "/Request/request";
  static final String BI_STREAM = "/BiRequestStream/requestBiStream";
  /** Nacos's default inbound limit, also the client's. */
  public static final int MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

  /** How often connections are looked at for silence, and for a cut-off node, for moving. */
  static final long LOOK_MS = 3_000;
  /** Silence after which a connection is asked whether its client is still there (Nacos: 20 s). */
  static final long DETECT_AFTER_MS = 20_000;
  /** How long the client has to answer that question before its connection is closed. */
  static final long DETECT_TIMEOUT_MS = 5_000;

  /**
   * What the transport needs from the node.
   *
   * @param self this node's member address: the holder of the instances its connections register
   * @param ready whether the node is in service (a client checking a node that is not is sent on)
   * @param cutOff whether the node is cut off from most members (its clients are asked to move)
   * @param lookMs how often connections are looked at ({@link #LOOK_MS})
   * @param detectAfterMs the silence after which a client is asked whether it is there ({@link #DETECT_AFTER_MS})
   */
  public record Settings(String bind, int port, int maxStreamsPerConnection, String self, BooleanSupplier ready,
      BooleanSupplier cutOff, LongSupplier monotonicMillis, long lookMs, long detectAfterMs) {

    public Settings(String bind, int port, int maxStreamsPerConnection, String self, BooleanSupplier ready,
        BooleanSupplier cutOff, LongSupplier monotonicMillis) {
      this(bind, port, maxStreamsPerConnection, self, ready, cutOff, monotonicMillis, LOOK_MS, DETECT_AFTER_MS);
    }
  }

  /** A request type's handler: the connection it came on, the request; the answer. */
  @FunctionalInterface
  public interface Handler extends BiFunction<SdkConnection, Payload, Future<Payload>> { }

  private final Settings settings;
  private final SdkConnections connections;
  private final Map<String, Handler> handlers;
  private final HttpServerOptions options;
  /** This verticle's connections; event loop only. */
  private final Map<HttpConnection, SdkConnection> mine = new HashMap<>();
  private HttpServer server;
  private long lookTimer = -1;

  /**
   * @param options the server options (TLS and limits set by the caller; port and host come from
   *     {@code settings})
   */
  public GrpcServerVerticle(Settings settings, SdkConnections connections, Map<String, Handler> handlers,
      HttpServerOptions options) {
    this.settings = settings;
    this.connections = connections;
    this.handlers = Map.copyOf(handlers);
    this.options = options;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions o = new HttpServerOptions(options).setHost(settings.bind()).setPort(settings.port())
        .setHttp2ClearTextEnabled(true)
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(settings.maxStreamsPerConnection()));
    server = vertx.createHttpServer(o);
    server.connectionHandler(this::connected);
    server.requestHandler(this::request);
    lookTimer = vertx.setPeriodic(settings.lookMs(), t -> look());
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(lookTimer);
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * Every {@link #LOOK_MS}: a connection silent for {@link #DETECT_AFTER_MS} (a live client probes
   * every 5 s) is asked {@code ClientDetectionRequest} and closed, its instances with it, when no
   * answer comes (half-open TCP, a frozen client); one never set up is closed after that silence;
   * while the node is cut off from most members,
   * every connection is asked to move ({@code ConnectResetRequest}) so its client registers on the
   * majority side.
   */
  private void look() {
    long now = settings.monotonicMillis().getAsLong();
    boolean cutOff = settings.cutOff().getAsBoolean();
    for (SdkConnection c : List.copyOf(mine.values())) {
      if (!c.registered()) {
        // never set up (a client sets up within a second of connecting): after the same silence
        // as a detection, the connection goes, so idle sockets cannot hold the node's connections
        if (now - c.lastActive() >= settings.detectAfterMs()) {
          connections.idleClosed.increment();
          c.http().close();
        }
        continue;
      }
      if (cutOff && !c.resetByServer()) {
        LOG.info("cut off from most members: asking client " + c.id() + " to move");
        connections.reset(c, DETECT_TIMEOUT_MS);
        continue;
      }
      if (!c.detecting && now - c.lastActive() >= settings.detectAfterMs()) {
        c.detecting = true;
        String id = connections.nextRequestId();
        c.request(id, Messages.clientDetection(id), DETECT_TIMEOUT_MS).onComplete(ar -> {
          c.detecting = false;
          if (ar.failed()) {
            connections.detectionsFailed.increment();
            LOG.info("gRPC client " + c.id() + " did not answer detection (" + ar.cause().getMessage()
                + "): closing its connection");
            c.http().close();
          } else {
            c.touched(settings.monotonicMillis().getAsLong());
          }
        });
      }
    }
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void connected(HttpConnection conn) {
    String ip = conn.remoteAddress() == null ? "" : conn.remoteAddress().hostAddress();
    int port = conn.remoteAddress() == null ? 0 : conn.remoteAddress().port();
    long now = settings.monotonicMillis().getAsLong();
    String id = System.currentTimeMillis() + "_" + ip + "_" + port;
    SdkConnection c = new SdkConnection(id, Instance.holder(settings.self(), id), context, conn, ip, now);
    if (!connections.add(c)) {
      LOG.warning("gRPC connection from " + ip + " refused: the node holds its limit of connections");
      conn.close();
      return;
    }
    mine.put(conn, c);
    conn.closeHandler(v -> {
      mine.remove(conn);
      connections.closed(c);
    });
  }

  private void request(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    if (req.version() != HttpVersion.HTTP_2) {
      resp.setStatusCode(505).end("gRPC needs HTTP/2");
      return;
    }
    String ct = req.getHeader("content-type");
    if (req.method() != HttpMethod.POST || ct == null || !ct.startsWith("application/grpc")) {
      resp.setStatusCode(415).end("not a gRPC request");
      return;
    }
    SdkConnection c = mine.get(req.connection());
    if (c == null) {
      trailersOnly(resp, Frames.UNAVAILABLE, "connection not registered");
      return;
    }
    c.touched(settings.monotonicMillis().getAsLong());
    switch (req.path()) {
      case UNARY -> unary(c, req);
      case BI_STREAM -> biStream(c, req);
      default -> trailersOnly(resp, Frames.UNIMPLEMENTED, "unknown method " + req.path());
    }
  }

  // ---- unary ----

  private void unary(SdkConnection c, HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    Buffer[] message = new Buffer[1];
    boolean[] failed = {false};
    Frames.Deframer d = new Frames.Deframer(MAX_MESSAGE_BYTES, m -> {
      if (message[0] != null) {
        failed[0] = true;
        trailersOnly(resp, Frames.UNIMPLEMENTED, "a unary call carries one message");
        return;
      }
      message[0] = m;
    }, f -> {
      failed[0] = true;
      trailersOnly(resp, f.status(), f.message());
    });
    req.handler(d::feed);
    req.endHandler(v -> {
      if (failed[0]) {
        return;
      }
      if (message[0] == null || d.partial()) {
        trailersOnly(resp, Frames.INTERNAL, "the request message is missing or cut short");
        return;
      }
      Payload p;
      try {
        p = Payload.decode(message[0]);
      } catch (Payload.Malformed e) {
        trailersOnly(resp, Frames.INTERNAL, "malformed Payload: " + e.getMessage());
        return;
      }
      answer(c, p).onComplete(ar -> {
        Payload out = ar.succeeded() ? ar.result() : Messages.error(Messages.SERVER_ERROR, "internal error");
        if (ar.failed()) {
          LOG.log(Level.WARNING, "gRPC " + p.type() + " failed", ar.cause());
        }
        if (!resp.closed() && !resp.ended()) {
          resp.putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0")
              .end(Frames.frame(out.encode()));
        }
      });
    });
  }

  /** The answer to a unary request (application errors in-band). */
  private Future<Payload> answer(SdkConnection c, Payload p) {
    switch (p.type()) {
      case "ServerCheckRequest" -> {
        if (!settings.ready().getAsBoolean()) {
          return Future.succeededFuture(Messages.error(Messages.SERVER_NOT_STARTED, "server is not in service"));
        }
        if (settings.cutOff().getAsBoolean()) {
          return Future.succeededFuture(Messages.error(Messages.SERVER_NOT_STARTED,
              "server is cut off from most members of its cluster"));
        }
        return Future.succeededFuture(Messages.serverCheck(c.id()));
      }
      case "HealthCheckRequest" -> {
        return Future.succeededFuture(c.registered() ? Messages.ok("HealthCheckResponse")
            : Messages.error(Messages.UN_REGISTER, "connection is not registered"));
      }
      default -> {
        if (!c.registered()) {
          return Future.succeededFuture(Messages.error(Messages.UN_REGISTER, "connection is not registered"));
        }
        Handler h = handlers.get(p.type());
        if (h == null) {
          return Future.succeededFuture(Messages.error(Messages.NO_HANDLER, "RequestHandler Not Found"));
        }
        try {
          return h.apply(c, p);
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      }
    }
  }

  // ---- bi-stream ----

  private void biStream(SdkConnection c, HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    resp.putHeader("content-type", "application/grpc");
    resp.writeHead();
    Frames.Deframer d = new Frames.Deframer(MAX_MESSAGE_BYTES, m -> onStreamMessage(c, resp, m), f -> {
      resp.putTrailer("grpc-status", Integer.toString(f.status())).putTrailer("grpc-message", percent(f.message()));
      resp.end();
    });
    req.handler(d::feed);
    req.endHandler(v -> {
      if (!resp.ended() && !resp.closed()) {
        resp.putTrailer("grpc-status", "0").end();
      }
      if (c.stream() == resp) {
        c.streamEnded();
      }
    });
    resp.closeHandler(v -> {
      if (c.stream() == resp) {
        c.streamEnded();
        c.failPending("stream closed");
      }
    });
  }

  private void onStreamMessage(SdkConnection c, HttpServerResponse resp, Buffer m) {
    c.touched(settings.monotonicMillis().getAsLong());
    Payload p;
    try {
      p = Payload.decode(m);
    } catch (Payload.Malformed e) {
      LOG.fine("malformed bi-stream message from " + c.id() + ": " + e.getMessage());
      return;
    }
    if (p.type().equals("ConnectionSetupRequest")) {
      setUp(c, resp, p);
      return;
    }
    // a client's answer to a server request: matched by its requestId
    try {
      String requestId = Json.parse(p.json()).path("requestId").asText("");
      c.answered(requestId, p);
    } catch (Exception e) {
      LOG.fine("unreadable answer on the bi-stream of " + c.id() + ": " + e.getMessage());
    }
  }

  private void setUp(SdkConnection c, HttpServerResponse resp, Payload p) {
    com.fasterxml.jackson.databind.JsonNode n;
    try {
      n = Json.parse(p.json());
    } catch (Exception e) {
      resp.putTrailer("grpc-status", Integer.toString(Frames.INVALID_ARGUMENT))
          .putTrailer("grpc-message", percent("unreadable ConnectionSetupRequest")).end();
      return;
    }
    c.setUp(n.path("labels").path("module").asText(""), n.path("clientVersion").asText(""), resp);
    if (n.hasNonNull("abilityTable")) {
      resp.write(Frames.frame(Messages.setupAck().encode()));
    }
  }

  /** A response with no message: the status in the headers, which end the stream. */
  static void trailersOnly(HttpServerResponse resp, int status, String message) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.putHeader("content-type", "application/grpc").putHeader("grpc-status", Integer.toString(status))
        .putHeader("grpc-message", percent(message)).end();
  }

  /** grpc-message is percent-encoded: printable ASCII but '%' as is, every other UTF-8 byte as %XX. */
  static String percent(String message) {
    StringBuilder sb = new StringBuilder(message.length());
    for (byte b : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b <= 0x7E && b != '%') {
        sb.append((char) b);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
      }
    }
    return sb.toString();
  }
}

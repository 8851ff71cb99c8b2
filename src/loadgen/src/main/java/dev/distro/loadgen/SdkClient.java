package dev.distro.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated Nacos 2.5.1 {@code NamingService}: one HTTP/2 connection (h2c, prior knowledge; an
 * HTTP client and pool of its own holding exactly one connection), set up as the SDK does it: a
 * unary {@code ServerCheckRequest} on {@code /Request/request}, the bi-stream
 * {@code /BiRequestStream/requestBiStream} opened with a {@code ConnectionSetupRequest} carrying an
 * ability table, and the server's {@code SetupAckRequest} awaited. Then {@link #call} makes unary
 * naming requests. On the bi-stream it acknowledges every {@code NotifySubscriberRequest} with a
 * {@code NotifySubscriberResponse} carrying its requestId (after telling the {@link PushListener}),
 * and answers {@code ClientDetectionRequest} and {@code ConnectResetRequest} (it stays where it
 * is). With health checks on, it sends {@code HealthCheckRequest} after 5 s without activity, as
 * the SDK does. Everything runs on the connection's event loop; nothing here blocks.
 */
final class SdkClient {

  static final String UNARY = "/Request/request";
  static final String BI_STREAM = "/BiRequestStream/requestBiStream";
  /** The SDK's idle time before a health check. */
  static final long HEALTH_IDLE_MS = 5_000;
  /** The SDK waits this long for the server's SetupAck. */
  static final long SETUP_ACK_MS = 5_000;
  static final long UNARY_TIMEOUT_MS = 10_000;

  /** Told of each push as it arrives, before it is acknowledged (on the connection's event loop). */
  interface PushListener {
    void pushed(SdkClient client, JsonObject serviceInfo, long arrivedNanos);
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final String target;
  private volatile PushListener listener = (c, s, t) -> { };
  private final Promise<Void> setupAck = Promise.promise();
  private HttpClientRequest stream;
  private volatile long lastActiveNanos = System.nanoTime();
  private volatile boolean streamEnded;
  private long healthTimer = -1;
  final AtomicLong pushes = new AtomicLong();
  final AtomicLong detections = new AtomicLong();
  final AtomicLong healthChecks = new AtomicLong();

  private SdkClient(Vertx vertx, String target) {
    this.vertx = vertx;
    this.target = target;
    int colon = target.lastIndexOf(':');
    this.http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost(target.substring(0, colon))
        .setDefaultPort(Integer.parseInt(target.substring(colon + 1))).setConnectTimeout(5_000).setTcpNoDelay(true)
        .setHttp2KeepAliveTimeout(0), new PoolOptions().setHttp2MaxSize(1).setMaxWaitQueueSize(-1));
  }

  /** A connection to {@code target} (host:grpcPort), set up; failed when the server refuses it. */
  static Future<SdkClient> connect(Vertx vertx, String target, boolean healthChecks) {
    SdkClient c = new SdkClient(vertx, target);
    return c.setUp(healthChecks).map(c).recover(e -> c.close().transform(v -> Future.failedFuture(e)));
  }

  /** Whether the bi-stream is still open (the server holds the connection). */
  boolean isOpen() {
    return stream != null && !streamEnded;
  }

  /** host:port of the gRPC server this client is connected to. */
  String target() {
    return target;
  }

  void onPush(PushListener l) {
    this.listener = l;
  }

  private Future<Void> setUp(boolean healthChecks) {
    return call("ServerCheckRequest", new JsonObject().put("headers", new JsonObject()).put("module", "internal"))
        .compose(m -> m.type().equals("ServerCheckResponse") ? openStream()
            : Future.failedFuture("server check answered " + m.type() + " " + m.json().encode()))
        .compose(v -> setupAck.future().timeout(SETUP_ACK_MS, TimeUnit.MILLISECONDS))
        .onSuccess(v -> {
          if (healthChecks) {
            healthTimer = vertx.setPeriodic(HEALTH_IDLE_MS, id -> healthCheck());
          }
        });
  }

  private Future<Void> openStream() {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(BI_STREAM)
        .putHeader("content-type", "application/grpc").putHeader("te", "trailers")).compose(req -> {
          stream = req;
          GrpcWire.Deframer d = new GrpcWire.Deframer(this::fromServer);
          req.exceptionHandler(e -> streamEnded = true);
          req.response().onComplete(ar -> {
            if (ar.failed()) {
              streamEnded = true;
              return;
            }
            ar.result().handler(d::feed);
            ar.result().endHandler(v -> streamEnded = true);
            ar.result().exceptionHandler(e -> streamEnded = true);
          });
          JsonObject setup = new JsonObject().put("headers", new JsonObject())
              .put("clientVersion", "Nacos-Java-Client:v2.5.1")
              .put("labels", new JsonObject().put("source", "sdk").put("module", "naming").put("AppName", "loadgen")
                  .put("tls.enable", "false"))
              .put("abilityTable", new JsonObject()).put("module", "internal");
          return req.write(GrpcWire.frame("ConnectionSetupRequest", setup));
        });
  }

  /** A server request on the bi-stream (the connection's event loop). */
  private void fromServer(Buffer m) {
    long now = System.nanoTime();
    lastActiveNanos = now;
    GrpcWire.Message msg = GrpcWire.decode(m);
    String requestId = msg.json().getString("requestId");
    switch (msg.type()) {
      case "SetupAckRequest" -> setupAck.tryComplete();
      case "NotifySubscriberRequest" -> {
        pushes.incrementAndGet();
        listener.pushed(this, msg.json().getJsonObject("serviceInfo", new JsonObject()), now);
        answer("NotifySubscriberResponse", requestId);
      }
      case "ClientDetectionRequest" -> {
        detections.incrementAndGet();
        answer("ClientDetectionResponse", requestId);
      }
      case "ConnectResetRequest" -> answer("ConnectResetResponse", requestId);
      default -> { }
    }
  }

  private void answer(String type, String requestId) {
    JsonObject ok = new JsonObject().put("resultCode", 200).put("errorCode", 0).put("success", true);
    if (requestId != null) {
      ok.put("requestId", requestId);
    }
    stream.write(GrpcWire.frame(type, ok));
  }

  private void healthCheck() {
    if (System.nanoTime() - lastActiveNanos >= TimeUnit.MILLISECONDS.toNanos(HEALTH_IDLE_MS)) {
      healthChecks.incrementAndGet();
      call("HealthCheckRequest", new JsonObject().put("headers", new JsonObject()).put("module", "internal"));
    }
  }

  /**
   * A unary call: the answer's type and JSON. Fails on a transport fault or a non-zero gRPC status;
   * application errors come back in-band (an {@code ErrorResponse}), as from a Nacos server.
   */
  Future<GrpcWire.Message> call(String type, JsonObject json) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(UNARY)
            .putHeader("content-type", "application/grpc").putHeader("te", "trailers")
            .setIdleTimeout(UNARY_TIMEOUT_MS))
        .compose(req -> req.send(GrpcWire.frame(type, json)).compose(resp -> resp.body().map(body -> {
          String status = resp.getTrailer("grpc-status") != null ? resp.getTrailer("grpc-status")
              : resp.getHeader("grpc-status");
          if (resp.statusCode() != 200 || !"0".equals(status) || body.length() < 5) {
            throw new IllegalStateException(type + ": HTTP " + resp.statusCode() + ", grpc-status " + status);
          }
          lastActiveNanos = System.nanoTime();
          return GrpcWire.decode(body.getBuffer(5, body.length()));
        })));
  }

  /** A unary call that succeeds only with a success Response ({@code resultCode} 200). */
  Future<GrpcWire.Message> ok(String type, JsonObject json) {
    return call(type, json).compose(m -> m.json().getInteger("resultCode", 0) == 200 ? Future.succeededFuture(m)
        : Future.failedFuture(type + " answered " + m.type() + " " + m.json().encode()));
  }

  /** Closes the connection (the node then drops what it registered). */
  Future<Void> close() {
    if (healthTimer >= 0) {
      vertx.cancelTimer(healthTimer);
    }
    return http.close();
  }

  static JsonObject register(String service, String ip, int port, boolean register) {
    return new JsonObject().put("headers", new JsonObject()).put("namespace", "public").put("serviceName", service)
        .put("groupName", "DEFAULT_GROUP").put("type", register ? "registerInstance" : "deregisterInstance")
        .put("instance", new JsonObject().put("ip", ip).put("port", port).put("weight", 1.0).put("healthy", true)
            .put("enabled", true).put("ephemeral", true).put("clusterName", "DEFAULT")
            .put("metadata", new JsonObject()))
        .put("module", "naming");
  }

  static JsonObject subscribe(String service) {
    return new JsonObject().put("headers", new JsonObject()).put("namespace", "public").put("serviceName", service)
        .put("groupName", "DEFAULT_GROUP").put("subscribe", true).put("clusters", "").put("module", "naming");
  }
}

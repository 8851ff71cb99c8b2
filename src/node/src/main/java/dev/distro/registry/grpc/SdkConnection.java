package dev.distro.registry.grpc;

import dev.distro.registry.model.ServiceKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's HTTP/2 connection to the gRPC port: Nacos's unit of identity and of liveness. Every
 * unary call made on it belongs to it; its bi-stream carries the server's requests (setup ack,
 * pushes, detection, reset) and the client's answers. Touched only on the event loop that owns the
 * connection, except {@link #id}, {@link #module} and {@link #registered}, which others read.
 */
public final class SdkConnection {

  private final String id;
  private final String holder;
  private final Context context;
  private final HttpConnection connection;
  private final String remoteIp;
  private volatile String module = "";
  private volatile String clientVersion = "";
  private volatile boolean registered;
  private HttpServerResponse stream;
  /** Server requests awaiting the client's answer, by requestId. */
  private final Map<String, Promise<Payload>> pending = new HashMap<>();
  private long lastActiveMonotonicMs;
  /** Whether a ClientDetectionRequest is waiting for its answer. */
  boolean detecting;
  /** Set when this node asked the client to move (ConnectResetRequest): its close then removes nothing. */
  private volatile boolean resetByServer;

  // ---- naming state (event loop only) ----
  /** The instances this connection registered, by service (one publication per service, as Nacos). */
  final Map<ServiceKey, List<String>> publications = new HashMap<>();
  /** The services this connection subscribed to. */
  final Set<ServiceKey> subscriptions = new HashSet<>();
  /** Services with a push waiting for its ack, and those changed again meanwhile. */
  final Set<ServiceKey> inFlight = new HashSet<>();
  final Set<ServiceKey> again = new HashSet<>();

  // ---- pushes marked from any thread ----
  /** Services changed since the last flush (marked by the store's change listener). */
  final Set<ServiceKey> dirty = ConcurrentHashMap.newKeySet();
  /** A flush is scheduled on this connection's event loop. */
  final AtomicBoolean flushScheduled = new AtomicBoolean();
  /** When {@link Pushes} last flushed this connection's changes (its event loop only; 0: never). */
  volatile long lastFlushNanos;

  SdkConnection(String id, String holder, Context context, HttpConnection connection, String remoteIp,
      long nowMonotonicMs) {
    this.id = id;
    this.holder = holder;
    this.context = context;
    this.connection = connection;
    this.remoteIp = remoteIp;
    this.lastActiveMonotonicMs = nowMonotonicMs;
  }

  public String id() {
    return id;
  }

  /** The holder string of the instances this connection registers ({@code <member>/<id>}). */
  public String holder() {
    return holder;
  }

  Context context() {
    return context;
  }

  boolean resetByServer() {
    return resetByServer;
  }

  void markResetByServer() {
    resetByServer = true;
  }

  /**
   * Sends a server request on the bi-stream and waits {@code timeoutMs} for the client's answer;
   * fails at once when there is no stream. Event loop only.
   */
  Future<Payload> request(String requestId, Payload request, long timeoutMs) {
    HttpServerResponse s = stream;
    if (s == null || s.ended() || s.closed()) {
      return Future.failedFuture("no bi-stream");
    }
    Future<Payload> answer = await(requestId);
    s.write(Frames.frame(request.encode()));
    long timer = context.owner().setTimer(timeoutMs, t -> {
      Promise<Payload> p = pending.remove(requestId);
      if (p != null) {
        p.tryFail("no answer within " + timeoutMs + " ms");
      }
    });
    return answer.andThen(ar -> context.owner().cancelTimer(timer));
  }

  public String remoteIp() {
    return remoteIp;
  }

  /** {@code naming} or {@code config}, from the setup request's labels. */
  public String module() {
    return module;
  }

  public String clientVersion() {
    return clientVersion;
  }

  /** Whether the client's ConnectionSetupRequest arrived on a bi-stream and was accepted. */
  public boolean registered() {
    return registered;
  }

  HttpConnection http() {
    return connection;
  }

  void setUp(String module, String clientVersion, HttpServerResponse stream) {
    this.module = module;
    this.clientVersion = clientVersion;
    this.stream = stream;
    this.registered = true;
  }

  HttpServerResponse stream() {
    return stream;
  }

  void streamEnded() {
    stream = null;
  }

  void touched(long nowMonotonicMs) {
    lastActiveMonotonicMs = nowMonotonicMs;
  }

  long lastActive() {
    return lastActiveMonotonicMs;
  }

  /** Registers a server request's answer to wait for. */
  Future<Payload> await(String requestId) {
    Promise<Payload> p = Promise.promise();
    pending.put(requestId, p);
    return p.future();
  }

  /** The client's answer to a server request; false when none was waiting under that id. */
  boolean answered(String requestId, Payload answer) {
    Promise<Payload> p = pending.remove(requestId);
    return p != null && p.tryComplete(answer);
  }

  void forget(String requestId) {
    pending.remove(requestId);
  }

  /** Fails every server request still waiting (the connection or its stream is gone). */
  void failPending(String why) {
    if (pending.isEmpty()) {
      return;
    }
    var waiting = pending.values().toArray(new Promise<?>[0]);
    pending.clear();
    for (Promise<?> p : waiting) {
      p.tryFail(why);
    }
  }
}

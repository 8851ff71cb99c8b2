package dev.distro.registry.grpc;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * One client's HTTP/2 connection to the gRPC port: Nacos's unit of identity and of liveness. Every
 * unary call made on it belongs to it; its bi-stream carries the server's requests (setup ack,
 * pushes, detection, reset) and the client's answers. Touched only on the event loop that owns the
 * connection, except {@link #id}, {@link #module} and {@link #registered}, which others read.
 */
public final class SdkConnection {

  private final String id;
  private final HttpConnection connection;
  private final String remoteIp;
  private volatile String module = "";
  private volatile String clientVersion = "";
  private volatile boolean registered;
  private HttpServerResponse stream;
  /** Server requests awaiting the client's answer, by requestId. */
  private final Map<String, Promise<Payload>> pending = new HashMap<>();
  private long lastActiveMonotonicMs;

  SdkConnection(String id, HttpConnection connection, String remoteIp, long nowMonotonicMs) {
    this.id = id;
    this.connection = connection;
    this.remoteIp = remoteIp;
    this.lastActiveMonotonicMs = nowMonotonicMs;
  }

  public String id() {
    return id;
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

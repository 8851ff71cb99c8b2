package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.MemberAddress;
import dev.distro.registry.support.Tls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.NoRouteToHostException;

/**
 * Requests from this node to a peer: pooled keep-alive connections (bounded pool and wait queue),
 * the cluster secret on every request to a peer port, a hard deadline per request, and the
 * {@link FaultPlan} consulted before anything is sent. One per verticle instance, created in its
 * {@code start()} so that it lives on that verticle's event loop.
 */
public final class PeerClient {

  public static final String SECRET_HEADER = "X-Distro-Secret";
  public static final String FORWARDED_HEADER = "X-Distro-Forwarded";

  private final Vertx vertx;
  private final WebClient client;
  private final Cluster cluster;
  private final String secret;
  private final int peerPortOffset;
  private final boolean peerTls;
  private final boolean clientTls;

  public PeerClient(Vertx vertx, Cluster cluster, String secret, int peerPortOffset) {
    this(vertx, cluster, secret, peerPortOffset, null);
  }

  /** A client to the other nodes as the configuration says: secret, peer port offset, TLS on either port. */
  public static PeerClient create(Vertx vertx, Cluster cluster, NodeConfig config) {
    return new PeerClient(vertx, cluster, config.clusterSecret, config.peerPortOffset(), config);
  }

  private PeerClient(Vertx vertx, Cluster cluster, String secret, int peerPortOffset, NodeConfig config) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.secret = secret;
    this.peerPortOffset = peerPortOffset;
    this.peerTls = config != null && config.peerTls;
    this.clientTls = config != null && config.clientTls;
    WebClientOptions options = new WebClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setConnectTimeout(1_000).setIdleTimeout(60).setMaxHeaderSize(16 * 1024);
    this.client = WebClient.create(vertx, config == null ? options : Tls.client(options, config),
        new PoolOptions().setHttp1MaxSize(8).setMaxWaitQueueSize(256));
  }

  /** A request to a peer's peer port (sync, verify, repair, ping). */
  public Future<HttpResponse<Buffer>> peer(String member, HttpMethod method, String path, Buffer body, long timeoutMs) {
    return send(member, method, path, body, timeoutMs, true, null, null);
  }

  /** Forwards a client request to the owner's client port, marked as forwarded. */
  public Future<HttpResponse<Buffer>> forward(String member, HttpMethod method, String uri, String contentType,
      Buffer body, long timeoutMs) {
    return forward(member, method, uri, contentType, body, null, timeoutMs);
  }

  /**
   * Forwards a client request with the client's {@code Authorization} header (null: none), so that
   * the owner checks the client's own token ({@code accessToken} travels in the URI or the form).
   */
  public Future<HttpResponse<Buffer>> forward(String member, HttpMethod method, String uri, String contentType,
      Buffer body, String authorization, long timeoutMs) {
    return send(member, method, uri, body, timeoutMs, false, contentType, authorization);
  }

  private Future<HttpResponse<Buffer>> send(String member, HttpMethod method, String uri, Buffer body,
      long timeoutMs, boolean peerPort, String contentType, String authorization) {
    FaultPlan faults = cluster.faults();
    if (faults.drops(cluster.self(), member)) {
      // unreachable, not refused: a cut link looks like a partition, never like a member that is gone
      return Future.failedFuture(new NoRouteToHostException("fault plan: link " + cluster.self() + " -> " + member
          + " cut"));
    }
    long delay = faults.delayMs(cluster.self(), member);
    if (delay > 0) {
      return vertx.timer(delay).compose(v -> send0(member, method, uri, body, timeoutMs, peerPort, contentType,
          authorization));
    }
    return send0(member, method, uri, body, timeoutMs, peerPort, contentType, authorization);
  }

  private Future<HttpResponse<Buffer>> send0(String member, HttpMethod method, String uri, Buffer body,
      long timeoutMs, boolean peerPort, String contentType, String authorization) {
    MemberAddress address = MemberAddress.parse(member);
    int port = peerPort ? address.peerPort(peerPortOffset) : address.port();
    HttpRequest<Buffer> req = client.request(method, port, address.host(), uri).timeout(timeoutMs)
        .ssl(peerPort ? peerTls : clientTls);
    if (peerPort) {
      req.putHeader(SECRET_HEADER, secret);
    } else {
      req.putHeader(FORWARDED_HEADER, cluster.self());
      if (authorization != null) {
        req.putHeader("Authorization", authorization);
      }
    }
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    } else if (body != null) {
      req.putHeader("Content-Type", "application/json");
    }
    Future<HttpResponse<Buffer>> f = body == null ? req.send() : req.sendBuffer(body);
    return f.timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public void close() {
    client.close();
  }

  /** True when a failure means nothing listens there (the member is down, not slow); see {@link PeerFailure}. */
  public static boolean refused(Throwable t) {
    return PeerFailure.of(t) == PeerFailure.REFUSED;
  }

}

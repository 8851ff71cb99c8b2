package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.MemberAddress;
import dev.distro.registry.config.Tls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;

/**
 * The real transport: pooled keep-alive connections (bounded pool and wait queue), the cluster
 * secret on every request to a peer port, {@code X-Distro-Forwarded} on every forward, TLS on either
 * port as configured, and a hard deadline per request. Lives on the event loop that created it.
 */
final class HttpPeerTransport implements PeerTransport {

  private final WebClient client;
  private final String self;
  private final String secret;
  private final int peerPortOffset;
  private final boolean peerTls;
  private final boolean clientTls;

  HttpPeerTransport(Vertx vertx, NodeConfig config, String self) {
    this.self = self;
    this.secret = config.clusterSecret;
    this.peerPortOffset = config.peerPortOffset();
    this.peerTls = config.peerTls;
    this.clientTls = config.clientTls;
    WebClientOptions options = new WebClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setConnectTimeout(1_000).setIdleTimeout(60).setMaxHeaderSize(16 * 1024);
    this.client = WebClient.create(vertx, Tls.client(options, config),
        new PoolOptions().setHttp1MaxSize(8).setMaxWaitQueueSize(256));
  }

  @Override
  public Future<HttpResponse<Buffer>> send(String member, Request r) {
    MemberAddress address = MemberAddress.parse(member);
    int port = r.peerPort() ? address.peerPort(peerPortOffset) : address.port();
    HttpRequest<Buffer> req = client.request(r.method(), port, address.host(), r.uri()).timeout(r.timeoutMs())
        .ssl(r.peerPort() ? peerTls : clientTls);
    if (r.peerPort()) {
      req.putHeader(PeerClient.SECRET_HEADER, secret);
    } else {
      req.putHeader(PeerClient.FORWARDED_HEADER, self);
      if (r.authorization() != null) {
        req.putHeader("Authorization", r.authorization());
      }
    }
    if (r.contentType() != null) {
      req.putHeader("Content-Type", r.contentType());
    } else if (r.body() != null) {
      req.putHeader("Content-Type", "application/json");
    }
    Future<HttpResponse<Buffer>> f = r.body() == null ? req.send() : req.sendBuffer(r.body());
    return f.timeout(r.timeoutMs(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    client.close();
  }
}

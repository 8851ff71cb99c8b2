package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.MemberAddress;
import dev.distro.registry.config.Tls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The real transport: pooled keep-alive connections (bounded pool and wait queue), the cluster
 * secret on every request to a peer port, {@code X-Distro-Forwarded} on every forward, TLS on either
 * port as configured, and a hard deadline per request. Lives on the event loop that created it.
 * Vert.x's core client, not the web client: its request pipeline (interceptors, header copies)
 * was most of a forward's cost on the sending node, and a forward is two writes in three in a
 * cluster.
 */
final class HttpPeerTransport implements PeerTransport {

  private final HttpClient client;
  private final String self;
  private final String secret;
  private final int peerPortOffset;
  private final boolean peerTls;
  private final boolean clientTls;
  /**
   * Each member's parsed address and its two socket addresses, built once: a forward is two writes
   * in three, and parsing the member string and the host's address for each was a tenth of a
   * forward's cost. Members are few; the map is emptied if it ever holds more than
   * {@link #MAX_TARGETS}.
   */
  private final Map<String, Target> targets = new ConcurrentHashMap<>();
  static final int MAX_TARGETS = 1024;

  /** Where a member's client port and peer port are. */
  private record Target(MemberAddress address, SocketAddress client, SocketAddress peer) { }

  HttpPeerTransport(Vertx vertx, NodeConfig config, String self) {
    this.self = self;
    this.secret = config.clusterSecret;
    this.peerPortOffset = config.peerPortOffset();
    this.peerTls = config.peerTls;
    this.clientTls = config.clientTls;
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setConnectTimeout(1_000).setIdleTimeout(60).setMaxHeaderSize(16 * 1024);
    this.client = vertx.createHttpClient(Tls.client(options, config),
        new PoolOptions().setHttp1MaxSize(8).setMaxWaitQueueSize(256));
  }

  @Override
  public Future<Response> send(String member, Request r) {
    Target target = target(member);
    MemberAddress address = target.address();
    int port = r.peerPort() ? address.peerPort(peerPortOffset) : address.port();
    RequestOptions options = new RequestOptions().setMethod(r.method()).setHost(address.host()).setPort(port)
        .setServer(r.peerPort() ? target.peer() : target.client()).setURI(r.uri())
        .setSsl(r.peerPort() ? peerTls : clientTls).setIdleTimeout(r.timeoutMs());
    if (r.peerPort()) {
      options.putHeader(PeerClient.SECRET_HEADER, secret);
    } else {
      options.putHeader(PeerClient.FORWARDED_HEADER, self);
      if (r.authorization() != null) {
        options.putHeader("Authorization", r.authorization());
      }
    }
    if (r.contentType() != null) {
      options.putHeader("Content-Type", r.contentType());
    } else if (r.body() != null) {
      options.putHeader("Content-Type", "application/json");
    }
    return client.request(options)
        .compose(req -> r.body() == null ? req.send() : req.send(r.body()))
        .compose(resp -> resp.body().map(body -> new Response(resp.statusCode(), resp.getHeader("Content-Type"), body)))
        .timeout(r.timeoutMs(), TimeUnit.MILLISECONDS);
  }

  private Target target(String member) {
    Target t = targets.get(member);
    if (t == null) {
      MemberAddress a = MemberAddress.parse(member);
      t = new Target(a, socket(a.port(), a.host()), socket(a.peerPort(peerPortOffset), a.host()));
      if (targets.size() >= MAX_TARGETS) {
        targets.clear();
      }
      targets.put(member, t);
    }
    return t;
  }

  /** The socket address, or null (Vert.x then resolves host and port itself) for a port out of range. */
  private static SocketAddress socket(int port, String host) {
    return port >= 1 && port <= 65535 ? SocketAddress.inetSocketAddress(port, host) : null;
  }

  @Override
  public void close() {
    client.close();
  }
}

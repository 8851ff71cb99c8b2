package dev.distro.registry.http;

import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.cluster.OwnerForwarder;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.distro.ImmediateReplication;
import dev.distro.registry.config.Tls;
import dev.distro.registry.watch.WatchHub;
import dev.distro.registry.watch.WatchLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;

/**
 * The client port and, on a cluster member, the peer port: creates both servers and hands their
 * requests to {@link ClientRouter} and {@link PeerApi}, and the watch WebSocket at
 * {@value #WATCH_PATH} to the watch loop after {@link AccessGate} admits the upgrade. One instance
 * per event loop; Vert.x spreads connections across them.
 */
public final class HttpVerticle extends VerticleBase {

  public static final String WATCH_PATH = "/nacos/v1/ns/watch";

  private final HttpParts node;
  private final Passes passes = new Passes();
  private final AccessGate gate;
  private HttpServer server;
  private HttpServer peerServer;
  private PeerClient peers;
  /** Set in {@link #start} on a cluster member; the naming API reads it at each deregistration. */
  private ImmediateReplication replication = ImmediateReplication.NONE;
  private WatchLoop watchLoop;

  public HttpVerticle(HttpParts node) {
    this.node = node;
    this.gate = new AccessGate(node);
  }

  /** Server options from the configuration: bounded headers, forms and bodies. */
  public static HttpServerOptions serverOptions(HttpParts node, int port) {
    var cfg = node.config;
    return new HttpServerOptions()
        .setHost(cfg.bind)
        .setPort(port)
        .setTcpNoDelay(true)
        .setMaxHeaderSize(cfg.maxHeaderBytes)
        .setMaxInitialLineLength(Math.max(4096, cfg.maxHeaderBytes))
        .setMaxFormAttributeSize(cfg.maxBodyBytes)
        .setMaxFormFields(RequestChecks.MAX_FORM_FIELDS)
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
    server.webSocketHandshakeHandler(hs -> gate.admitWatch(hs, WATCH_PATH));
    server.webSocketHandler(ws -> {
      if (!node.access.enabled()) {
        watchLoop.accept(ws);
        return;
      }
      // checked again at each subscribe, against the tokens in force then
      String token = AccessGate.watchToken(ws.headers(), ws.query());
      watchLoop.accept(ws, ns -> {
        TokenTable.Entry who = node.access.authenticate(token);
        return who != null && who.may(TokenTable.Access.READ, ns);
      });
    });
    server.invalidRequestHandler(RequestChecks::invalidRequest);
    OwnerForwarder forwarder = null;
    if (!node.config.standalone()) {
      peers = node.peerClients.create(vertx);
      replication = ImmediateReplication.toPeers(vertx, node.cluster, node.store, node.config.forwardTimeoutMs,
          peers);
      forwarder = new OwnerForwarder(node.cluster, OwnerForwarder.over(peers), node.config.forwardTimeoutMs,
          node.metrics.forwards);
    }
    server.requestHandler(new ClientRouter(vertx, node, passes, gate, new ApiDispatch(node, gate, forwarder),
        () -> replication));
    if (peers == null) {
      return server.listen();
    }
    peerServer = vertx.createHttpServer(Tls.server(serverOptions(node, node.config.peerPort), node.config,
        node.config.peerTls).setMaxFormAttributeSize(1024));
    peerServer.requestHandler(new PeerApi(vertx, node));
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
}

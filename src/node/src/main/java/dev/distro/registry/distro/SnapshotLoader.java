package dev.distro.registry.distro;

import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.model.MemberAddress;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.support.Json;
import dev.distro.registry.config.Tls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.util.List;
import java.util.logging.Logger;

/**
 * Loads the registry from a peer when a node starts in cluster mode: asks the peers in turn for
 * their snapshot, streamed as one entry per line and applied as it arrives (never one giant
 * buffer), and stops at the first that succeeds. A peer that is itself starting refuses (503), so
 * two fresh nodes never hand each other an empty registry as if it were the truth. When no peer
 * can serve one, this node is the first: it starts empty.
 */
public final class SnapshotLoader {

  private static final Logger LOG = Logger.getLogger(SnapshotLoader.class.getName());
  static final int MAX_LINE = 1024 * 1024;

  private final Vertx vertx;
  private final NodeConfig config;
  private final RegistryStore store;
  private final Counters metrics;
  private final Cluster cluster;
  private final PeerClients peerClients;

  public SnapshotLoader(Vertx vertx, NodeConfig config, RegistryStore store, Counters metrics, Cluster cluster,
      PeerClients peerClients) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.cluster = cluster;
    this.peerClients = peerClients;
  }

  /** Completes with the peer it loaded from, or null when none could serve a snapshot. */
  public Future<String> load() {
    List<Member> peers = cluster.peers();
    HttpClient client = vertx.createHttpClient(Tls.client(new HttpClientOptions().setConnectTimeout(2_000)
        .setIdleTimeout(30), config));
    return tryPeer(client, peers, 0).eventually(client::close);
  }

  private Future<String> tryPeer(HttpClient client, List<Member> peers, int i) {
    if (i >= peers.size()) {
      LOG.info("no peer could serve a snapshot: starting with an empty registry");
      return Future.succeededFuture(null);
    }
    String peer = peers.get(i).address();
    if (peerClients.cut(peer)) {
      return tryPeer(client, peers, i + 1);
    }
    long t0 = System.nanoTime();
    return fetch(client, peer).map(n -> {
      metrics.snapshotLoads.increment();
      LOG.info("snapshot loaded from " + peer + ": " + n + " entries, " + store.instanceCount()
          + " instances in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      return peer;
    }).recover(err -> {
      LOG.info("snapshot from " + peer + " not available: " + err.getMessage());
      return tryPeer(client, peers, i + 1);
    });
  }

  private Future<Long> fetch(HttpClient client, String peer) {
    MemberAddress address = MemberAddress.parse(peer);
    RequestOptions opts = new RequestOptions().setMethod(HttpMethod.GET).setHost(address.host())
        .setPort(address.peerPort(config.peerPortOffset()))
        .setURI("/distro/snapshot").setSsl(config.peerTls)
        .putHeader(PeerClient.SECRET_HEADER, config.clusterSecret)
        .setIdleTimeout(30_000);
    return client.request(opts).compose(req -> req.send()).compose(resp -> {
      if (resp.statusCode() != 200) {
        return resp.body().transform(ar -> Future.failedFuture("answered " + resp.statusCode()));
      }
      Promise<Long> done = Promise.promise();
      SyncCodec.Tally out = new SyncCodec.Tally();
      long[] lines = {0};
      RecordParser parser = RecordParser.newDelimited("\n", resp);
      parser.maxRecordSize(MAX_LINE);
      parser.handler(line -> {
        if (line.length() == 0) {
          return;
        }
        try {
          SyncCodec.apply(store, Json.parse(line.getBytes()), Reason.SYNC, out);
        } catch (Exception e) {
          out.reject(SyncCodec.Rejection.OTHER, "a line that is not JSON", 0);
        }
        lines[0]++;
      });
      parser.exceptionHandler(done::tryFail);
      parser.endHandler(v -> {
        SyncReport.refused(metrics, cluster.self(), peer, "snapshot", out);
        done.tryComplete(lines[0]);
      });
      return done.future();
    });
  }
}

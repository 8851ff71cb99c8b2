package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Liveness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.logging.Logger;

/**
 * Keeps the member list: every lookup interval it asks the {@link MemberLookup} (static list,
 * cluster.conf, address server or DNS) for the members; a failed lookup keeps the last good list.
 * Every ping interval it runs a round of its {@link FailureDetector} (the members' health and clock
 * skew), on this verticle's event loop.
 */
public final class AddressLookupVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(AddressLookupVerticle.class.getName());

  private final NodeConfig config;
  private final RegistryStore store;
  private final Cluster cluster;
  private final NodeStatus status;
  private final PrometheusMeters meters;
  private final Liveness liveness;
  private final PeerClients peerClients;
  private final java.util.function.Function<io.vertx.core.Vertx, MemberLookup> lookupFactory;
  private MemberLookup lookup;
  private PeerClient peers;
  private FailureDetector detector;
  private String lastLookupError;
  private long lookupTimer = -1;
  private long pingTimer = -1;
  private final java.util.function.Supplier<Future<?>> rejoin;

  /**
   * @param rejoin for the {@link FailureDetector}: loads a fresh snapshot, run before a node that was
   *     out of service for clock skew serves again
   */
  public AddressLookupVerticle(NodeConfig config, RegistryStore store, Cluster cluster, NodeStatus status,
      PrometheusMeters meters, Liveness liveness, PeerClients peerClients,
      java.util.function.Function<io.vertx.core.Vertx, MemberLookup> lookupFactory,
      java.util.function.Supplier<Future<?>> rejoin) {
    this.config = config;
    this.store = store;
    this.cluster = cluster;
    this.status = status;
    this.meters = meters;
    this.liveness = liveness;
    this.peerClients = peerClients;
    this.lookupFactory = lookupFactory;
    this.rejoin = rejoin;
  }

  /** Deploys only after the first lookup answered (or failed, logged) and the first ping round ended. */
  @Override
  public Future<?> start() {
    liveness.watch("lookup", context);
    lookup = lookupFactory.apply(vertx);
    peers = peerClients.create(vertx);
    detector = new FailureDetector(store, cluster, status, meters, config.pingIntervalMs, peers, rejoin);
    return refresh().compose(v -> pingAll()).onComplete(ar -> {
      lookupTimer = vertx.setPeriodic(config.lookupIntervalMs, id -> refresh());
      pingTimer = vertx.setPeriodic(config.pingIntervalMs, id -> pingAll());
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(lookupTimer);
    vertx.cancelTimer(pingTimer);
    peers.close();
    if (lookup instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a client; nothing to do
      }
    }
    return Future.succeededFuture();
  }

  /** Runs one ping round now ({@link FailureDetector#pingAll}); call it on this verticle's event loop. */
  public Future<Void> pingAll() {
    return detector.pingAll();
  }

  Future<Void> refresh() {
    return lookup.lookup().map(members -> {
      if (lastLookupError != null) {
        LOG.info("member lookup works again");
        lastLookupError = null;
      }
      cluster.setMembers(members);
      return (Void) null;
    }).recover(err -> {
      String m = String.valueOf(err.getMessage());
      if (!m.equals(lastLookupError)) {
        LOG.warning("member lookup failed, keeping " + cluster.members().size() + " known members: " + m);
        lastLookupError = m;
      }
      return Future.succeededFuture();
    });
  }
}

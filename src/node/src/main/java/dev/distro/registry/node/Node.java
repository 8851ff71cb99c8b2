package dev.distro.registry.node;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.auth.TokenFileVerticle;
import dev.distro.registry.cluster.AddressLookupVerticle;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.FailureDetector;
import dev.distro.registry.cluster.FailureDetector;
import dev.distro.registry.cluster.FaultPlan;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.MemberLookup;
import dev.distro.registry.cluster.MemberLookups;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.config.Tls;
import dev.distro.registry.distro.DistroSyncVerticle;
import dev.distro.registry.distro.RoundDigests;
import dev.distro.registry.distro.SnapshotLoader;
import dev.distro.registry.distro.VerifyVerticle;
import dev.distro.registry.grpc.GrpcServerVerticle;
import dev.distro.registry.grpc.NamingHandlers;
import dev.distro.registry.grpc.Pushes;
import dev.distro.registry.grpc.SdkConnections;
import dev.distro.registry.http.InstanceRules;
import dev.distro.registry.health.HealthVerticle;
import dev.distro.registry.http.HttpParts;
import dev.distro.registry.http.HttpVerticle;
import dev.distro.registry.push.PushTargets;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.model.Clock;
import dev.distro.registry.push.UdpPushVerticle;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.watch.EventLog;
import dev.distro.registry.watch.WatchHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One running node inside a {@link Vertx}: builds the shared objects, deploys the verticles in
 * order and undeploys them in the reverse order. {@code Main} runs one per process; tests run
 * several per JVM, each with its own Vert.x and ports.
 *
 * <p>Start order in cluster mode: health (TTL), address lookup (first member list and ping round),
 * HTTP (client and peer ports; client API answers 503 STARTING until ready), sync, verify; then the
 * snapshot load from a peer; then the node turns UP and ready.
 */
public final class Node {

  private static final Logger LOG = Logger.getLogger(Node.class.getName());

  private final Vertx vertx;
  /** The node's shared objects (what the HTTP layer is given, which is all of them). */
  private final HttpParts parts;
  private final List<String> deployments = new ArrayList<>();
  private final SdkConnections grpcConnections;

  private Node(Vertx vertx, HttpParts parts, SdkConnections grpcConnections) {
    this.vertx = vertx;
    this.parts = parts;
    this.grpcConnections = grpcConnections;
  }

  public static Future<Node> start(Vertx vertx, NodeConfig config, Clock clock) {
    return start(vertx, config, clock, FaultPlan.NONE, null);
  }

  /**
   * @param faults test-only fault plan on peer traffic; with {@code fault-injection} on, the node's
   *     {@link dev.distro.registry.cluster.RuntimeFaultPlan} applies as well
   * @param lookup the member lookup (null: from the configuration)
   */
  public static Future<Node> start(Vertx vertx, NodeConfig config, Clock clock, FaultPlan faults,
      Function<Vertx, MemberLookup> lookup) {
    return start(vertx, config, clock, faults, lookup, PrometheusMeters.create());
  }

  /** @param meters the registry (Main shares it with Vert.x's own metrics) */
  public static Future<Node> start(Vertx vertx, NodeConfig config, Clock clock, FaultPlan faults,
      Function<Vertx, MemberLookup> lookup, PrometheusMeters meters) {
    // ---- the shared state ----
    RegistryStore store = new RegistryStore(clock);
    Switches switches = new Switches();
    NodeStatus status = new NodeStatus(switches);
    Counters metrics = new Counters();
    Liveness liveness = new Liveness();
    Cluster cluster = config.standalone() ? Cluster.standalone(config.self())
        : new Cluster(config.self(), config.maxClockSkewMs);
    AccessControl access = new AccessControl(config.authEnabled);
    RuntimeFaultPlan runtimeFaults = config.faultInjection ? new RuntimeFaultPlan() : null;
    if (runtimeFaults != null) {
      LOG.warning("fault injection is on (test only): POST /distro/faults on the peer port can cut, delay or drop"
          + " this node's outgoing peer traffic; never run production nodes with --fault-injection=true");
    }
    PeerClients peerClients = new PeerClients(config, cluster.self(),
        runtimeFaults == null ? faults : FaultPlan.both(faults, runtimeFaults));
    EventLog log = new EventLog(config.watchLogSize);
    WatchHub watch = new WatchHub(store, log, metrics, WatchHub.Limits.DEFAULT.withBudgetBytes(config.watchBudgetBytes));
    SdkConnections grpcConnections = new SdkConnections(config.grpcMaxConnections, clock::monotonicMillis,
        config.holderGraceMs);
    Pushes grpcPushes = new Pushes(store, grpcConnections, config.grpcMaxPendingPushes,
        config.grpcPushMergeMs);
    store.liveHolders(grpcConnections::live);
    // the verify rounds' digests, one walk per cutoff for the rounds and the peers' verifies alike
    // (a listener of the store: a late change discards the walks it may have made stale)
    RoundDigests digests = config.standalone() ? null : RoundDigests.watching(store);

    // ---- the verticles, each given what it uses ----
    HealthVerticle health = new HealthVerticle(store, switches, cluster, config.healthSweepIntervalMs,
        config.expireInstances, config.self(), config.verifyIntervalMs, metrics.healthSweeps, liveness)
        .holders(grpcConnections::holds, config.holderGraceMs);
    UdpPushVerticle push = new UdpPushVerticle(store, switches, metrics, config.bind, liveness);
    DistroSyncVerticle sync = config.standalone() ? null
        : new DistroSyncVerticle(config, store, metrics, meters, cluster, liveness, peerClients);

    // ---- what a change triggers, in this order: RegistryStore calls these under its write lock,
    // in revision order, after every applied write (client, peer, expiry); none may block ----
    List<ChangeListener> chain = new ArrayList<>(List.of(
        metrics,   // counters: registrations, deregistrations, expirations, changes
        log,       // the watch API's resume log
        watch,     // watchers' feeds (events, coalesced per service for slow ones)
        health,    // the lease wheel: new, deleted and shortened leases
        push,      // UDP push to 1.x clients listing the service
        grpcPushes)); // pushes to 2.x/3.x clients subscribed over gRPC (none while the port is off)
    if (sync != null) {
      chain.add(sync); // per-peer sync queues, local changes only (a no-op until the verticle runs)
    }
    chain.forEach(store::addListener);
    MeterBindings.bind(meters, metrics, store, cluster, status, watch, liveness);
    MeterBindings.grpc(meters, grpcConnections);

    HttpParts http = new HttpParts(config, store, switches, status, metrics, meters, cluster, watch, liveness,
        access, runtimeFaults, peerClients, push, digests);
    Node node = new Node(vertx, http, grpcConnections);
    Map<String, GrpcServerVerticle.Handler> naming = new NamingHandlers(store, new InstanceRules(config), access,
        grpcPushes, grpcConnections).table();
    Function<Vertx, MemberLookup> members = lookup != null ? lookup : v -> MemberLookups.create(v, config);
    Future<Void> tokens = !config.authEnabled ? Future.succeededFuture()
        : node.deploy(() -> new TokenFileVerticle(access, config.authTokensFile, config.authReloadMs), 1);
    Future<Void> deployed = tokens.compose(v -> node.deploy(() -> health, 1))
        .compose(v -> node.deploy(() -> push, 1));
    if (config.standalone()) {
      deployed = deployed.compose(v -> node.deploy(() -> new HttpVerticle(http), config.httpInstances))
          .compose(v -> node.deployGrpc(config, status, store, cluster, naming));
    } else {
      Supplier<Future<String>> snapshot = () -> new SnapshotLoader(vertx, config, store, metrics, cluster,
          peerClients).load();
      AddressLookupVerticle lookupVerticle = new AddressLookupVerticle(config, store, cluster, status, meters,
          liveness, peerClients, members, snapshot::get);
      deployed = deployed
          .compose(v -> node.deploy(() -> lookupVerticle, 1))
          .compose(v -> node.deploy(() -> new HttpVerticle(http), config.httpInstances))
          .compose(v -> node.deployGrpc(config, status, store, cluster, naming))
          .compose(v -> node.deploy(() -> sync, 1))
          .compose(v -> node.deploy(() -> new VerifyVerticle(config, store, metrics, cluster, liveness,
              peerClients, sync::oldestUnacked, digests), 1))
          .compose(v -> snapshot.get())
          .compose(from -> lookupVerticle.pingAll())
          .map(from -> {
            // A ping round right before entering service measured the clocks of the peers that
            // answer (they did not all run at the first one): a node whose clock disagrees with
            // most members' never enters service.
            String skew = cluster.clocks().verdict(config.maxClockSkewMs);
            if (skew != null) {
              FailureDetector.stepOut(cluster, status, skew);
            } else {
              cluster.selfState(Member.State.UP);
            }
            return (Void) null;
          });
    }
    return deployed.map(v -> {
      if (cluster.selfState() != Member.State.SKEWED) {
        status.markReady();
      }
      return node;
    }).recover(err -> node.stop().transform(v -> Future.failedFuture(err)));
  }

  /**
   * The gRPC port for Nacos 2.x/3.x clients, when configured: one verticle per event loop like the
   * HTTP ports. Clients that check a node that is not ready yet are told to try another.
   */
  private Future<Void> deployGrpc(NodeConfig config, NodeStatus status, RegistryStore store, Cluster cluster,
      Map<String, GrpcServerVerticle.Handler> naming) {
    if (config.grpcPort == 0) {
      return Future.succeededFuture();
    }
    GrpcServerVerticle.Settings settings = new GrpcServerVerticle.Settings(config.bind, config.grpcPort,
        config.grpcMaxStreams, cluster.self(), status::ready, () -> !cluster.canExpire(),
        store.clock()::monotonicMillis);
    HttpServerOptions options = Tls.server(new HttpServerOptions().setUseAlpn(config.clientTls), config,
        config.clientTls);
    return deploy(() -> new GrpcServerVerticle(settings, grpcConnections, naming, options), config.httpInstances);
  }

  private Future<Void> deploy(java.util.function.Supplier<io.vertx.core.Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)).map(id -> {
      deployments.add(id);
      return (Void) null;
    });
  }

  public NodeConfig config() {
    return parts.config;
  }

  public RegistryStore store() {
    return parts.store;
  }

  public Counters metrics() {
    return parts.metrics;
  }

  public PrometheusMeters meters() {
    return parts.meters;
  }

  public Cluster cluster() {
    return parts.cluster;
  }

  public WatchHub watch() {
    return parts.watch;
  }

  public Switches switches() {
    return parts.switches;
  }

  public NodeStatus status() {
    return parts.status;
  }

  public Liveness liveness() {
    return parts.liveness;
  }

  public PushTargets push() {
    return parts.push;
  }

  public PeerClients peerClients() {
    return parts.peerClients;
  }

  /** The runtime fault plan; null unless {@code --fault-injection=true} (test only). */
  public RuntimeFaultPlan runtimeFaults() {
    return parts.runtimeFaults;
  }

  /** The gRPC client connections this node holds (none while {@code grpc-port} is 0). */
  public SdkConnections grpcConnections() {
    return grpcConnections;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Graceful stop: not ready and DOWN to peers first, then the verticles newest first (verify, then
   * sync flushes what is pending, then HTTP drains, then lookup and TTL).
   */
  public Future<Void> stop() {
    return stop(0);
  }

  /**
   * The SIGTERM sequence: not ready and DOWN at once (peers drop this node from the ring at their
   * next ping; client writes get 503 and go elsewhere), keep answering for {@code delayMs}, then stop
   * the verticles newest first.
   */
  public Future<Void> stop(long delayMs) {
    parts.status.markShuttingDown();
    // gRPC clients are asked to move first, while this node still serves: they register on another
    // node, which replaces their instances there without a gap for subscribers
    Future<Void> moved = grpcConnections.resetAll(SdkConnections.RESET_WAIT_MS);
    Future<Void> chain = delayMs > 0 ? moved.compose(v -> vertx.timer(delayMs)).mapEmpty() : moved;
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(err -> {
        LOG.warning("undeploy failed: " + err.getMessage());
        return Future.succeededFuture();
      }));
    }
    deployments.clear();
    return chain;
  }
}

package dev.distro.registry.node;

import dev.distro.registry.auth.TokenFileVerticle;
import dev.distro.registry.cluster.AddressLookupVerticle;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.FailureDetector;
import dev.distro.registry.cluster.FaultPlan;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.MemberLookup;
import dev.distro.registry.cluster.MemberLookups;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.distro.DistroSyncVerticle;
import dev.distro.registry.distro.SnapshotLoader;
import dev.distro.registry.distro.VerifyVerticle;
import dev.distro.registry.health.HealthVerticle;
import dev.distro.registry.http.HttpVerticle;
import dev.distro.registry.metrics.NodeMeters;
import dev.distro.registry.model.Clock;
import dev.distro.registry.push.UdpPushVerticle;
import dev.distro.registry.store.RegistryStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
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
  private final NodeContext context;
  private final List<String> deployments = new ArrayList<>();

  private Node(Vertx vertx, NodeContext context) {
    this.vertx = vertx;
    this.context = context;
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
    return start(vertx, config, clock, faults, lookup, NodeMeters.create());
  }

  /** @param meters the registry (Main shares it with Vert.x's own metrics) */
  public static Future<Node> start(Vertx vertx, NodeConfig config, Clock clock, FaultPlan faults,
      Function<Vertx, MemberLookup> lookup, NodeMeters meters) {
    RegistryStore store = new RegistryStore(clock);
    Cluster cluster = config.standalone() ? Cluster.standalone(config.self())
        : new Cluster(config.self(), config.maxClockSkewMs);
    NodeContext ctx = new NodeContext(config, store, cluster, meters, faults);
    if (ctx.runtimeFaults != null) {
      LOG.warning("fault injection is on (test only): POST /distro/faults on the peer port can cut, delay or drop"
          + " this node's outgoing peer traffic; never run production nodes with --fault-injection=true");
    }
    Node node = new Node(vertx, ctx);
    Function<Vertx, MemberLookup> members = lookup != null ? lookup : v -> MemberLookups.create(v, config);
    UdpPushVerticle push = new UdpPushVerticle(store, ctx.switches, ctx.metrics, config.bind);
    push.liveness(ctx.liveness);
    HealthVerticle health = new HealthVerticle(store, ctx.switches, cluster, config.healthSweepIntervalMs,
        config.expireInstances, config.self(), config.verifyIntervalMs);
    health.liveness(ctx.liveness);
    health.countSweeps(ctx.metrics.healthSweeps);
    Future<Void> tokens = !config.authEnabled ? Future.succeededFuture()
        : node.deploy(() -> new TokenFileVerticle(ctx.access, config.authTokensFile, config.authReloadMs), 1);
    Future<Void> chain = tokens.compose(v -> node.deploy(() -> health, 1))
        .compose(v -> node.deploy(() -> push, 1))
        .map(v -> {
          ctx.push(push);
          return (Void) null;
        });
    if (config.standalone()) {
      chain = chain.compose(v -> node.deploy(() -> new HttpVerticle(ctx), config.httpInstances));
    } else {
      AddressLookupVerticle lookupVerticle = new AddressLookupVerticle(ctx, cluster, members,
          () -> new SnapshotLoader(vertx, ctx, cluster).load());
      chain = chain
          .compose(v -> node.deploy(() -> lookupVerticle, 1))
          .compose(v -> node.deploy(() -> new HttpVerticle(ctx), config.httpInstances))
          .compose(v -> node.deploy(() -> new DistroSyncVerticle(ctx, cluster), 1))
          .compose(v -> node.deploy(() -> new VerifyVerticle(ctx, cluster), 1))
          .compose(v -> new SnapshotLoader(vertx, ctx, cluster).load())
          .compose(from -> lookupVerticle.pingAll())
          .map(from -> {
            // A ping round right before entering service measured the clocks of the peers that
            // answer (they did not all run at the first one): a node whose clock disagrees with
            // most members' never enters service.
            String skew = cluster.clocks().verdict(config.maxClockSkewMs);
            if (skew != null) {
              FailureDetector.stepOut(cluster, ctx, skew);
            } else {
              cluster.selfState(Member.State.UP);
            }
            return (Void) null;
          });
    }
    return chain.map(v -> {
      if (cluster.selfState() != Member.State.SKEWED) {
        ctx.markReady();
      }
      return node;
    }).recover(err -> node.stop().transform(v -> Future.failedFuture(err)));
  }

  private Future<Void> deploy(java.util.function.Supplier<io.vertx.core.Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)).map(id -> {
      deployments.add(id);
      return (Void) null;
    });
  }

  public NodeContext context() {
    return context;
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
    context.markShuttingDown();
    Future<Void> chain = delayMs > 0 ? vertx.timer(delayMs).mapEmpty() : Future.succeededFuture();
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

package dev.distro.registry.node;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.health.HealthVerticle;
import dev.distro.registry.http.HttpVerticle;
import dev.distro.registry.model.Clock;
import dev.distro.registry.store.RegistryStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * One running node inside a {@link Vertx}: builds the shared objects, deploys the verticles in
 * order and undeploys them in the reverse order. {@code Main} runs one per process; tests run
 * several per JVM, each with its own Vert.x and ports.
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
    if (!config.standalone()) {
      return Future.failedFuture("lookup mode '" + config.lookup.configName
          + "' is not available in this build: only standalone is");
    }
    RegistryStore store = new RegistryStore(clock);
    NodeContext ctx = new NodeContext(config, store);
    Node node = new Node(vertx, ctx);
    return vertx.deployVerticle(() -> new HealthVerticle(store, ctx.switches, ctx::isResponsibleHere,
            config.healthSweepIntervalMs, config.expireInstances), new DeploymentOptions())
        .compose(id -> {
          node.deployments.add(id);
          return vertx.deployVerticle(() -> new HttpVerticle(ctx),
              new DeploymentOptions().setInstances(config.httpInstances));
        })
        .map(id -> {
          node.deployments.add(id);
          ctx.markReady();
          return node;
        })
        .recover(err -> node.stop().transform(v -> Future.failedFuture(err)));
  }

  public NodeContext context() {
    return context;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops accepting work and undeploys the verticles, newest first. */
  public Future<Void> stop() {
    context.markShuttingDown();
    Future<Void> chain = Future.succeededFuture();
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

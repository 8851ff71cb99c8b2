package dev.distro.registry;

import dev.distro.registry.cluster.FaultPlan;
import dev.distro.registry.config.ConfigException;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.FatalErrors;
import dev.distro.registry.node.Node;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.net.BindException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;
import dev.distro.registry.support.JsonLogFormatter;

/**
 * Starts one node: reads the configuration (flags, then {@code DISTRO_*} environment, then the
 * optional properties file), builds Vert.x, starts the node and installs the shutdown sequence.
 * A bad configuration or a start failure prints one line and exits non-zero.
 */
public final class Main {

  static {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format",
          "%1$tFT%1$tT.%1$tLZ %4$s %3$s - %5$s%6$s%n");
    }
  }

  private static volatile boolean jsonLogs;

  private Main() { }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("bench")) {
      System.err.println("the load generator has a jar of its own: java -jar target/distro-loadgen.jar "
          + String.join(" ", Arrays.copyOfRange(args, 1, args.length)));
      System.exit(2);
    }
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(NodeConfig.usage());
      return;
    }
    long t0 = System.nanoTime();
    NodeConfig config;
    try {
      config = NodeConfig.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("distro-node: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config.jsonLogs) {
      jsonLogs = true;
      for (Handler h : Logger.getLogger("").getHandlers()) {
        h.setFormatter(new JsonLogFormatter());
      }
    }
    Logger log = Logger.getLogger(Main.class.getName());
    PrometheusMeters meters = PrometheusMeters.create();
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(config.eventLoops)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                // Vert.x's per-request HTTP series cost four meter look-ups by tags a request (a
                // sixth of a registration's CPU in a profile); distro_http_requests times every
                // client call per route, and the peer traffic has its own counters
                .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
                .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)))
        .withMetrics(new MicrometerMetricsFactory(meters.registry))
        .build();
    // an Error anywhere (OutOfMemoryError on an event loop...) ends the process instead of leaving it deaf
    FatalErrors.install(vertx, m -> say("SEVERE", m), status -> Runtime.getRuntime().halt(status));
    Node.start(vertx, config, Clock.SYSTEM, FaultPlan.NONE, null, meters).onComplete(ar -> {
      if (ar.failed()) {
        System.err.println("distro-node: cannot start: " + describe(ar.cause(), config));
        vertx.close();
        System.exit(1);
        return;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, ar.result(), config), "shutdown"));
      log.info(String.format("distro-node %s ready: client port %d, %s, in %d ms", config.self(), config.port,
          config.lookup.configName, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
    });
  }

  /** SIGTERM: stop being ready, drain and undeploy in order, close Vert.x, all within the grace period. */
  private static void shutdown(Vertx vertx, Node node, NodeConfig config) {
    // JUL's own shutdown hook may already have closed its handlers: write these lines directly.
    say("INFO", "shutting down");
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownGraceMs);
      if (node != null) {
        // the node's sequence first; Vert.x is closed afterwards, from this thread (closing it from
        // one of its own callbacks would leave the completion on a loop that no longer runs)
        node.stop(config.shutdownDelayMs).toCompletionStage().toCompletableFuture()
            .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      vertx.close().toCompletionStage().toCompletableFuture()
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      say("INFO", "stopped");
    } catch (Exception e) {
      say("WARNING", "shutdown did not finish within " + config.shutdownGraceMs + " ms: " + e);
    }
  }

  private static void say(String level, String message) {
    if (jsonLogs) {
      System.err.print(JsonLogFormatter.line(java.time.Instant.now(), level, Main.class.getName(), message, null));
    } else {
      System.err.printf("%s %s %s - %s%n", java.time.Instant.now(), level, Main.class.getName(), message);
    }
    System.err.flush();
  }

  private static String describe(Throwable t, NodeConfig config) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    if (c instanceof BindException || String.valueOf(c.getMessage()).contains("Address already in use")) {
      return "cannot bind " + config.bind + ":" + config.port + " (" + c.getMessage() + "): is the port in use?";
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }
}

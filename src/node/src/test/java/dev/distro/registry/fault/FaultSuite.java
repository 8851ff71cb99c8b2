package dev.distro.registry.fault;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The fault suite: starts real node processes (each in its own network namespace when the machine
 * allows, else on loopback with the nodes' fault hook), runs two client populations (1.x clients
 * over HTTP, 2.x clients over gRPC) and one watcher per node through every scenario, and after each
 * fault measures how long until every node lists exactly the ground truth with equal digests and
 * every watcher's mirror matches its node. In the SIGKILL scenario some gRPC clients of the killed
 * node crash with it; the time until their instances are gone from every node is measured too.
 */
final class FaultSuite {

  /** How big and how long. */
  record Settings(String name, int nodes, int instances, int grpcClients, int services, int faultSeconds,
      int pauseSeconds, int convergeBoundSeconds, int holderGraceSeconds, boolean holderStaysDown,
      boolean forceLoopback) {

    static Settings fromProperties() {
      boolean full = "full".equals(System.getProperty("faults.profile", "short"));
      return new Settings(full ? "full" : "short",
          Integer.getInteger("faults.nodes", full ? 5 : 3),
          Integer.getInteger("faults.instances", full ? 1000 : 300),
          Integer.getInteger("faults.grpc-clients", Integer.getInteger("faults.instances", full ? 1000 : 300) / 10),
          Integer.getInteger("faults.services", full ? 50 : 30),
          Integer.getInteger("faults.seconds", full ? 30 : 15),
          Integer.getInteger("faults.pause-seconds", 20),
          Integer.getInteger("faults.converge-bound-seconds", 60),
          Integer.getInteger("faults.holder-grace-seconds", 30),
          Boolean.parseBoolean(System.getProperty("faults.holder-down", String.valueOf(full))),
          Boolean.getBoolean("faults.loopback"));
    }

    /** How many scenarios a whole run has. */
    int scenarios() {
      return holderStaysDown ? 11 : 10;
    }
  }

  /**
   * One line of the table. {@code crashed}: gRPC clients that crashed with their node in this
   * fault; {@code crashedGoneSeconds}: from the crash until no node listed any of their instances
   * (NaN when none crashed or they were not all gone within the holder grace + the convergence bound).
   */
  record Row(String fault, String how, double convergeSeconds, boolean converged, int lost, int resurrected,
      long emptyAnswers, int watchGaps, long duplicates, int maxDegraded, int crashed, double crashedGoneSeconds,
      List<String> details) {

    boolean clean() {
      return converged && lost == 0 && resurrected == 0 && emptyAnswers == 0 && watchGaps == 0 && duplicates == 0
          && (crashed == 0 || !Double.isNaN(crashedGoneSeconds));
    }
  }

  /** A fault: does its damage, holds it, undoes it; returns how it was done. */
  interface Fault {
    String run() throws Exception;
  }

  static final String SECRET = "fault-suite-cluster-secret-0123456789";

  final Settings settings;
  final Path dir;
  final List<Row> rows = new ArrayList<>();
  String topology;
  private Net net;
  private FaultNodes nodes;
  private Population population;
  private GrpcPopulation grpc;
  private Observer observer;
  private Watchers watchers;

  FaultSuite(Settings settings, Path dir) {
    this.settings = settings;
    this.dir = dir;
  }

  /** Runs every scenario; the rows say how each went. */
  List<Row> run(Path jar) throws Exception {
    StringBuilder why = new StringBuilder();
    net = settings.forceLoopback() ? null : NamespaceNet.create(settings.nodes(), why);
    if (net == null) {
      net = new HookNet(settings.nodes());
      if (why.length() == 0) {
        why.append("loopback asked for (-Dfaults.loopback=true)");
      }
      topology = "LOOPBACK WITH THE IN-PROCESS FAULT HOOK, network namespaces not used: " + why + ". " + net.label();
    } else {
      topology = net.label();
    }
    log("topology: " + topology);
    Vertx vertx = Vertx.vertx();
    try {
      nodes = new FaultNodes(net, settings.nodes(), dir, jar, SECRET,
          List.of("-Xms64m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
          List.of("--holder-grace-ms=" + settings.holderGraceSeconds() * 1000L));
      for (int i = 0; i < nodes.size(); i++) {
        nodes.start(i);
      }
      for (int i = 0; i < nodes.size(); i++) {
        nodes.awaitReady(i, Duration.ofSeconds(120));
      }
      nodes.awaitAllUp(Duration.ofSeconds(60));
      net.nodesUp(nodes);
      population = new Population(vertx, nodes, settings.services());
      grpc = new GrpcPopulation(vertx, nodes, settings.services());
      watchers = new Watchers(vertx, nodes);
      await(Future.all(population.add(settings.instances()), grpc.add(settings.grpcClients())), 120);
      observer = new Observer(vertx, nodes, population, grpc, watchers);
      log(settings.instances() + " 1.x instances and " + settings.grpcClients() + " gRPC clients registered"
          + " (gRPC clients per node: " + Arrays.toString(grpc.perNode()) + ")");

      int last = nodes.size() - 1;
      scenario("baseline (no fault)", () -> {
        hold(5);
        return "none";
      });
      scenario("partition node " + (last + 1) + " both ways, " + settings.faultSeconds() + " s", () -> {
        String how = net.partition(last, true);
        hold(settings.faultSeconds());
        net.heal();
        return how;
      });
      scenario("partition node " + (last + 1) + " one way, " + settings.faultSeconds() + " s", () -> {
        String how = net.partition(last, false);
        hold(settings.faultSeconds());
        net.heal();
        return how;
      });
      scenario("SIGKILL node 2, restart", () -> {
        // an app on node 2's host dies with it: half its gRPC clients stop without a word
        int on = grpc.perNode()[1];
        List<GrpcPopulation.Client> crashing = await(grpc.crashWith(1, Math.max(1, on / 2)), 10);
        nodes.kill(1);
        await(grpc.crashed(crashing, System.currentTimeMillis()), 10);
        nodes.start(1);
        Duration ready = nodes.awaitReady(1, Duration.ofSeconds(120));
        return "kill -9, started again at once; ready after " + ms(ready) + " ms; " + crashing.size() + " of its "
            + on + " gRPC clients crashed with it, the others moved";
      });
      if (settings.holderStaysDown()) {
        // the node holding most gRPC clients now (the partitions sent the last node's away)
        int[] held = grpc.perNode();
        int busiest = 0;
        for (int i = 1; i < held.length; i++) {
          busiest = held[i] > held[busiest] ? i : busiest;
        }
        int victim = busiest;
        scenario("SIGKILL node " + (victim + 1) + ", restarted once its crashed gRPC clients' instances are gone",
            () -> holderDown(victim));
      }
      scenario("SIGSTOP node 1 for " + settings.pauseSeconds() + " s, SIGCONT", () -> {
        nodes.stop(0);
        hold(settings.pauseSeconds());
        nodes.resume(0);
        return "kill -STOP, kill -CONT";
      });
      scenario("5% loss on peer links, " + settings.faultSeconds() + " s", () -> {
        String how = net.loss(5);
        hold(settings.faultSeconds());
        net.heal();
        return how;
      });
      scenario("delay 100 ms ± 20 ms on peer links, " + settings.faultSeconds() + " s", () -> {
        String how = net.delay(100, 20);
        hold(settings.faultSeconds());
        net.heal();
        return how;
      });
      for (String offset : List.of("+2h", "-2h")) {
        scenario("clock of node " + (last + 1) + " " + offset.replace("h", " h") + " (restarted under faketime), "
            + settings.faultSeconds() + " s, then corrected", () -> clockSkew(last, offset));
      }
      scenario("rolling restart of every member", () -> {
        List<String> ready = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
          nodes.terminate(i);
          nodes.start(i);
          ready.add(ms(nodes.awaitReady(i, Duration.ofSeconds(120))) + " ms");
          nodes.awaitAllUp(Duration.ofSeconds(60));
        }
        return "SIGTERM, start, wait until every member is UP, next; ready after " + String.join(", ", ready);
      });
      return rows;
    } finally {
      if (observer != null) {
        observer.close();
      }
      if (watchers != null) {
        watchers.close();
      }
      if (population != null) {
        population.close();
      }
      if (grpc != null) {
        grpc.close();
      }
      if (nodes != null) {
        nodes.close();
      }
      net.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private void scenario(String name, Fault fault) throws Exception {
    String only = System.getProperty("faults.only", "");
    if (!only.isEmpty() && Arrays.stream(only.split(",")).noneMatch(name::startsWith)) {
      return;
    }
    log("fault: " + name);
    observer.newPhase();
    long started = System.currentTimeMillis();
    long dupBefore = watchers.duplicates.get();
    // Churn during the fault: 1% of the clients leave, as many new ones arrive.
    int churn = Math.max(3, settings.instances() / 100);
    int grpcChurn = Math.max(3, settings.grpcClients() / 100);
    Future<Void> churned = Future.all(population.retire(churn).compose(v -> population.add(churn)),
        grpc.retire(grpcChurn).compose(v -> grpc.add(grpcChurn))).mapEmpty();
    String how = fault.run();
    long end = System.currentTimeMillis();
    await(churned, 60);
    List<String> details = new ArrayList<>();
    Observer.Sample converged = null;
    List<String> diffs = List.of();
    long deadline = end + settings.convergeBoundSeconds() * 1000L;
    List<String> firstDiffs = null;
    while (System.currentTimeMillis() < deadline) {
      Observer.Sample s = observer.sample();
      observer.noteGone(s);
      diffs = observer.differences(s);
      if (firstDiffs == null && !diffs.isEmpty()) {
        firstDiffs = diffs;
      }
      if (diffs.isEmpty()) {
        String digestProblem = digestsDiffer();
        if (digestProblem == null) {
          converged = s;
          break;
        }
        diffs = List.of(digestProblem);
      }
      FaultNodes.pace(250);
    }
    if (converged != null && converged.at() - end > 3_000 && firstDiffs != null) {
      details.add("slow to converge; right after the fault: " + firstDiffs.subList(0, Math.min(8, firstDiffs.size()))
          + (firstDiffs.size() > 8 ? " and " + (firstDiffs.size() - 8) + " more" : ""));
    }
    int lost = 0;
    int resurrectedAtEnd = 0;
    if (converged == null) {
      Set<String> lostKeys = new HashSet<>();
      for (String d : diffs) {
        if (d.startsWith("live ")) {
          lostKeys.add(d.split(" ")[1]);
        } else if (d.startsWith("retired ") || d.startsWith("crashed ")) {
          resurrectedAtEnd++;
        }
      }
      lost = lostKeys.size();
      details.add("not converged within " + settings.convergeBoundSeconds() + " s: "
          + diffs.subList(0, Math.min(10, diffs.size())) + (diffs.size() > 10 ? " and " + (diffs.size() - 10) + " more" : ""));
    }
    int gaps = converged == null ? 0 : watchGaps(converged, details);
    List<GrpcPopulation.Client> crashed = grpc.clients.stream().filter(c -> c.crashed && c.crashedAt >= started)
        .map(c -> c).toList();
    double goneSeconds = crashed.isEmpty() ? Double.NaN : crashedGone(crashed, details);
    Observer.Phase phase = observer.newPhase();
    Set<String> resurrected = new LinkedHashSet<>(phase.resurrected);
    details.addAll(phase.empty.stream().limit(10).toList());
    details.addAll(phase.examples.stream().limit(10).toList());
    long dups = watchers.duplicates.get() - dupBefore;
    if (dups > 0) {
      details.addAll(watchers.problems.stream().limit(10).toList());
    }
    double seconds = converged == null ? Double.NaN : Math.max(0, converged.at() - end) / 1000.0;
    Row row = new Row(name, how, seconds, converged != null, lost, resurrected.size() + resurrectedAtEnd,
        phase.emptyAnswers, gaps, dups, phase.maxDegraded, crashed.size(), goneSeconds, details);
    rows.add(row);
    log(String.format("  -> converged %s in %.1f s, lost %d, resurrected %d, empty %d, gaps %d, duplicates %d,"
        + " most degraded %d (%s); beats ok %d, failovers %d, failed %d, re-registrations %d; gRPC: connects %d"
        + " (failed %d), lost connections %d, resets answered %d, detections answered %d, failed health checks %d,"
        + " redone registrations %d, clients per node %s%s",
        converged != null, seconds, lost, row.resurrected(), row.emptyAnswers(), gaps, dups, phase.maxDegraded,
        phase.worstDegraded, population.beatsOk.get(), population.beatFailovers.get(), population.beatsFailed.get(),
        population.reRegistrations.get(), grpc.connects.get(), grpc.connectFailures.get(), grpc.losses.get(),
        grpc.resetsAnswered.get(), grpc.detectionsAnswered.get(), grpc.healthFailures.get(), grpc.redos.get(),
        Arrays.toString(grpc.perNode()), crashed.isEmpty() ? "" : String.format("; %d crashed gRPC clients' instances"
            + " gone from every node after %.1f s", crashed.size(), goneSeconds)));
    details.forEach(d -> log("     " + d));
  }

  /**
   * Waits until no node lists any instance of the {@code crashed} clients (the observer marks each
   * when a round sees it gone), at most the holder grace + the convergence bound after the crash;
   * returns the seconds from the crash until the last was gone, NaN when some never went.
   */
  private double crashedGone(List<GrpcPopulation.Client> crashed, List<String> details) {
    long at = crashed.get(0).crashedAt;
    long deadline = at + (settings.holderGraceSeconds() + settings.convergeBoundSeconds()) * 1000L;
    while (System.currentTimeMillis() < deadline && crashed.stream().anyMatch(c -> c.goneAt == 0)) {
      observer.noteGone(observer.sample());
      FaultNodes.pace(250);
    }
    List<String> left = crashed.stream().filter(c -> c.goneAt == 0).map(Population.Client::key).toList();
    if (!left.isEmpty()) {
      details.add(left.size() + " crashed gRPC clients' instances still listed "
          + (settings.holderGraceSeconds() + settings.convergeBoundSeconds()) + " s after the crash: " + left);
      return Double.NaN;
    }
    return (crashed.stream().mapToLong(c -> c.goneAt).max().getAsLong() - at) / 1000.0;
  }

  /** Null when every node's digest over all its instances is equal; else what differs. */
  private String digestsDiffer() {
    Set<String> seen = new LinkedHashSet<>();
    List<String> all = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      try {
        HttpResponse<String> r = nodes.peer(i, "/distro/digest", null);
        if (r.statusCode() != 200) {
          return "node " + (i + 1) + " digest: " + r.statusCode();
        }
        String d = new JsonObject(r.body()).getString("digest");
        seen.add(d);
        all.add("node " + (i + 1) + "=" + d);
      } catch (IOException e) {
        return "node " + (i + 1) + " digest: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return seen.size() == 1 ? null : "digests differ: " + all;
  }

  /** Waits up to 10 s for every watcher's mirror to equal its node's lists; counts what still differs. */
  private int watchGaps(Observer.Sample converged, List<String> details) {
    long deadline = System.currentTimeMillis() + 10_000;
    List<String> diffs = List.of();
    while (System.currentTimeMillis() < deadline) {
      Observer.Sample s = observer.sample();
      if (!observer.differences(s).isEmpty()) {
        s = converged;
      }
      diffs = new ArrayList<>();
      for (Watchers.Watcher w : watchers.watchers) {
        diffs.addAll(w.differences(s.nodes().get(w.node)));
      }
      if (diffs.isEmpty()) {
        return 0;
      }
      FaultNodes.pace(250);
    }
    details.add("watch mirrors differ: " + diffs.subList(0, Math.min(10, diffs.size())));
    return diffs.size();
  }

  /**
   * Kills node {@code i} with half its gRPC clients, and keeps it down until the other members
   * have dropped the crashed clients' instances (after the holder grace: nothing else removes
   * them while their holder is away), at most the holder grace + the convergence bound; then
   * starts it again.
   */
  private String holderDown(int i) throws Exception {
    int on = grpc.perNode()[i];
    List<GrpcPopulation.Client> crashing = await(grpc.crashWith(i, Math.max(1, on / 2)), 10);
    nodes.kill(i);
    long at = System.currentTimeMillis();
    await(grpc.crashed(crashing, at), 10);
    long deadline = at + (settings.holderGraceSeconds() + settings.convergeBoundSeconds()) * 1000L;
    while (System.currentTimeMillis() < deadline && crashing.stream().anyMatch(c -> c.goneAt == 0)) {
      FaultNodes.pace(250);
    }
    long down = System.currentTimeMillis() - at;
    nodes.start(i);
    Duration ready = nodes.awaitReady(i, Duration.ofSeconds(120));
    nodes.awaitAllUp(Duration.ofSeconds(60));
    return "kill -9 with " + crashing.size() + " of its " + on + " gRPC clients (the others moved); kept down "
        + ms(Duration.ofMillis(down)) + " ms, then started; ready after " + ms(ready) + " ms";
  }

  /**
   * Restarts node {@code i} with its wall clock off by {@code offset} (libfaketime; monotonic time
   * left alone), checks that it stays out of service, holds, and restarts it with the right clock.
   */
  private String clockSkew(int i, String offset) throws Exception {
    Path lib = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    if (!Files.exists(lib)) {
      NamespaceNet.install("libfaketime");
    }
    if (!Files.exists(lib)) {
      throw new IllegalStateException(lib + " is missing and could not be installed (Debian package libfaketime)");
    }
    nodes.terminate(i);
    // LD_PRELOAD rather than the faketime command, which forks: SIGTERM must reach the JVM. A
    // constant offset on the monotonic clock changes no elapsed time; faking the wall clock alone
    // (FAKETIME_DONT_FAKE_MONOTONIC) makes libfaketime spin the JVM at 200% CPU.
    nodes.start(i, List.of(), java.util.Map.of("LD_PRELOAD", lib.toString(), "FAKETIME", offset));
    Duration out = nodes.awaitNotReady(i, "clock skew", Duration.ofSeconds(120));
    hold(settings.faultSeconds());
    nodes.awaitNotReady(i, "clock skew", Duration.ofSeconds(1));
    nodes.terminate(i);
    nodes.start(i);
    Duration ready = nodes.awaitReady(i, Duration.ofSeconds(120));
    nodes.awaitAllUp(Duration.ofSeconds(60));
    return "SIGTERM, started with libfaketime (FAKETIME=" + offset + "): out of service"
        + " (SKEWED, not ready) after " + ms(out) + " ms and for the whole fault; SIGTERM, started with the right"
        + " clock, ready after " + ms(ready) + " ms";
  }

  /** Keeps a fault in place for its scenario's duration, watching that no node crashes meanwhile. */
  private void hold(int seconds) {
    nodes.hold(seconds * 1000L);
  }

  private static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  private static long ms(Duration d) {
    return d.toMillis();
  }

  static void log(String line) {
    System.out.println("[faults] " + line);
  }

  /** The table as Markdown. */
  String table() {
    StringBuilder b = new StringBuilder();
    b.append("Topology: ").append(topology).append("\n");
    b.append("Profile: ").append(settings.name()).append(", ").append(settings.nodes()).append(" nodes, ")
        .append(settings.instances()).append(" 1.x instances (beats every 5 s through random nodes) and ")
        .append(settings.grpcClients()).append(" gRPC clients (one connection each, no beats) in ")
        .append(settings.services()).append(" services, 1% churn of each per fault, one watcher per node;"
            + " holder grace ").append(settings.holderGraceSeconds()).append(" s\n\n");
    b.append("| fault | converged after (s) | lost | resurrected | empty answers | watch gaps | watch duplicates |"
        + " most live instances degraded on one node during the fault |"
        + " crashed gRPC clients' instances gone from every node after (s) |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      b.append("| ").append(r.fault()).append(" | ")
          .append(r.converged() ? String.format("%.1f", r.convergeSeconds()) : "NOT within "
              + settings.convergeBoundSeconds())
          .append(" | ").append(r.lost()).append(" | ").append(r.resurrected()).append(" | ")
          .append(r.emptyAnswers()).append(" | ").append(r.watchGaps()).append(" | ").append(r.duplicates())
          .append(" | ").append(r.maxDegraded()).append(" | ")
          .append(r.crashed() == 0 ? "-" : Double.isNaN(r.crashedGoneSeconds()) ? r.crashed() + " NOT within "
              + (settings.holderGraceSeconds() + settings.convergeBoundSeconds())
              : String.format("%.1f (%d clients)", r.crashedGoneSeconds(), r.crashed()))
          .append(" |\n");
    }
    b.append("\nHow each fault was made:\n\n");
    for (Row r : rows) {
      b.append("- ").append(r.fault()).append(": ").append(r.how()).append("\n");
    }
    return b.toString();
  }

  void writeReport() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("report.md"), table());
  }
}

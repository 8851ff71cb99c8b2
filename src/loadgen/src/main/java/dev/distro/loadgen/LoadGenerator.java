package dev.distro.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.vertx.core.Context;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator: drives a node (or a whole cluster, round-robin) with the request shapes of a
 * Nacos 1.x client population, and the same requests against a baseline handler started in this
 * process (Vert.x 5, parses the same parameters into a map, answers "ok"), so each figure comes with
 * a ratio that does not depend on how busy the machine is.
 *
 * <pre>
 * java -jar target/distro-loadgen.jar --targets=127.0.0.1:8848 [--modes=register,beat,list]
 *      [--seconds=10] [--warmup-seconds=3] [--concurrency=128] [--connections=32]
 *      [--instances=10000] [--rate=0] [--watchers=0] [--lag=true|false] [--accept-gzip=false]
 *      [--json=target/bench.json] [--modes=grpc-register,grpc-push] [--subscribers=1000]
 *      [--push-rate=5] [--changes=N] [--push-warmup=N] [--grpc-idle=N] [--grpc-idle-seconds=30] [--gc-pids=PID,...]
 *      [--cpu-pids=PID,...] [--grpc-targets=host:port,...] [--grpc-port-offset=1000] [--baseline=true]
 *      [--baseline-target=host:port --baseline-pid=PID] [--to-owner=false]
 * </pre>
 *
 * {@code --baseline=false} leaves the baseline out (no ratios): for runs whose comparison is between
 * two targets measured one after the other, as {@code bench/cluster-cost.sh} does.
 * {@code --baseline-target} and {@code --baseline-pid} name a baseline running as a process of its own
 * ({@link Baseline#main}), measured like a node (whole-process CPU from /proc) instead of the
 * in-process one (its event loop thread's CPU only).
 *
 * Modes: {@code register} (a new ip:port every request), {@code beat} (the 1.x client's beat with its
 * {@code beat} JSON over {@code --instances} registered instances), {@code list} (a 100-instance
 * service). Requests go round-robin over the targets; with {@code --to-owner=true} a register or beat
 * goes to the target owning its instance ({@link OwnerRing}), so no node forwards it. Closed loop by
 * default ({@code --concurrency} requests in flight); {@code --rate=N} sends N requests per second
 * instead (open loop, at most {@code --concurrency} in flight; sends that would exceed it are counted
 * as late and skipped).
 * Latency in an HDR histogram. {@code --watchers=N} holds N watch connections (spread over the
 * targets, each subscribed to everything) during every run and counts their events. With
 * {@code --lag} (the default with more than one target) register runs also measure replication
 * lag through one watch connection per node: see {@link LagTracker}.
 *
 * <p>gRPC modes (Nacos 2.x/3.x SDK connections on each target's gRPC port, its client port +
 * {@code --grpc-port-offset=1000}, or {@code --grpc-targets=host:port,...}; see {@link GrpcModes}):
 * {@code grpc-register} ({@code --connections} SDK connections, each registering new instances,
 * closed or open loop as {@code register}); {@code grpc-push} ({@code --subscribers=1000}
 * connections subscribed to one service, a writer changing it {@code --push-rate=5} times a second,
 * {@code --changes} of them, default seconds × rate, after {@code --push-warmup} unmeasured ones,
 * default warm-up seconds × rate; push latency from the write's acknowledgement to
 * each subscriber's push). {@code --grpc-idle=N} holds N connections for {@code --grpc-idle-seconds=30}
 * after the modes and reports the nodes' heap; {@code --gc-pids} (the nodes' process ids, same
 * machine) asks each for a full GC before each heap reading. gRPC rows have no baseline.
 * {@code --cpu-pids} reads server CPU from /proc instead of /metrics (servers without the
 * {@code process_cpu_time_ns_total} counter, e.g. Nacos).
 */
public final class LoadGenerator {

  /**
   * @param cpuNanos server CPU used during the measured window, per server (the baseline: its event
   *     loop's thread; a node: its whole process, from its /metrics); empty when unknown
   */
  record Result(String mode, String target, long requests, long errors, long late, double seconds,
      Histogram latency, Map<String, Long> cpuNanos, long bytes) {

    /** Mean body bytes per answer, as received. */
    double bytesPerAnswer() {
      return requests == 0 ? 0 : (double) bytes / requests;
    }

    /** Server CPU per request in µs, summed over the servers; NaN when unknown. */
    double cpuUsPerRequest() {
      if (cpuNanos.isEmpty() || requests == 0) {
        return Double.NaN;
      }
      return cpuNanos.values().stream().mapToLong(Long::longValue).sum() / 1000.0 / requests;
    }

    double rate() {
      return requests / seconds;
    }

    double ms(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private final Vertx vertx;
  private final Map<String, String> opts;
  private final List<String> targets;
  private final int seconds;
  private final int warmup;
  private final int concurrency;
  private final int connections;
  private final int instances;
  private final int rate;
  private final int watchers;
  private final boolean lag;
  /** Whether each mode first runs against the baseline handler ({@code --baseline=false}: not). */
  private final boolean measureBaseline;
  /**
   * {@code --baseline-target=host:port}: a baseline running as a process of its own ({@link Baseline#main}),
   * its CPU read from /proc for {@code --baseline-pid}; without it the baseline runs in this process.
   */
  private final String baselineTarget;
  private final long baselinePid;
  /** {@code --accept-gzip}: reads ask for a gzipped answer, as Nacos 1.x Java clients do. */
  private final boolean acceptGzip;
  /**
   * {@code --to-owner=true}: each register or beat goes to the target owning its instance
   * ({@link OwnerRing}), so that no node forwards it; default: the targets in turn.
   */
  private final boolean toOwner;
  private final AtomicLong unique = new AtomicLong();
  private final List<LagTracker.Report> lagReports = new ArrayList<>();
  /** The mode each of {@link #lagReports} was measured in. */
  private final List<String> lagModes = new ArrayList<>();
  /** The targets' gRPC ports ({@code --grpc-targets}, or each client port + {@code --grpc-port-offset}). */
  private final List<String> grpcTargets;
  private final int subscribers;
  private final double pushRate;
  private final long pushTimeoutMs;
  private final int grpcIdle;
  private final int grpcIdleSeconds;
  /** {@code --cpu-pids}: the targets' process ids on this machine; CPU then comes from /proc, not /metrics. */
  private final List<Long> cpuPids;
  private final List<Long> gcPids;
  private final boolean healthChecks;
  private final List<GrpcModes.PushReport> pushReports = new ArrayList<>();
  private GrpcModes grpc;

  LoadGenerator(Vertx vertx, Map<String, String> opts) {
    this.vertx = vertx;
    this.opts = opts;
    this.targets = List.of(opts.getOrDefault("targets", "127.0.0.1:8848").split(","));
    this.seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
    this.warmup = Integer.parseInt(opts.getOrDefault("warmup-seconds", "3"));
    this.concurrency = Integer.parseInt(opts.getOrDefault("concurrency", "128"));
    this.connections = Integer.parseInt(opts.getOrDefault("connections", "32"));
    this.instances = Integer.parseInt(opts.getOrDefault("instances", "10000"));
    this.rate = Integer.parseInt(opts.getOrDefault("rate", "0"));
    this.watchers = Integer.parseInt(opts.getOrDefault("watchers", "0"));
    this.acceptGzip = Boolean.parseBoolean(opts.getOrDefault("accept-gzip", "false"));
    this.toOwner = Boolean.parseBoolean(opts.getOrDefault("to-owner", "false"));
    this.lag = Boolean.parseBoolean(opts.getOrDefault("lag", String.valueOf(targets.size() > 1)));
    this.measureBaseline = Boolean.parseBoolean(opts.getOrDefault("baseline", "true"));
    this.baselineTarget = opts.get("baseline-target");
    this.baselinePid = Long.parseLong(opts.getOrDefault("baseline-pid", "0"));
    if ((baselineTarget == null) != (baselinePid == 0)) {
      throw new IllegalArgumentException("--baseline-target and --baseline-pid go together");
    }
    this.grpcTargets = opts.containsKey("grpc-targets") ? List.of(opts.get("grpc-targets").split(","))
        : GrpcModes.grpcTargets(targets, Integer.parseInt(opts.getOrDefault("grpc-port-offset", "1000")));
    if (grpcTargets.size() != targets.size()) {
      throw new IllegalArgumentException("--grpc-targets needs one gRPC address per target");
    }
    this.subscribers = Integer.parseInt(opts.getOrDefault("subscribers", "1000"));
    this.pushRate = Double.parseDouble(opts.getOrDefault("push-rate", "5"));
    this.pushTimeoutMs = Long.parseLong(opts.getOrDefault("push-timeout-ms", "5000"));
    this.grpcIdle = Integer.parseInt(opts.getOrDefault("grpc-idle", "0"));
    this.grpcIdleSeconds = Integer.parseInt(opts.getOrDefault("grpc-idle-seconds", "30"));
    this.cpuPids = pids(opts.get("cpu-pids"));
    this.gcPids = pids(opts.get("gc-pids"));
    this.healthChecks = Boolean.parseBoolean(opts.getOrDefault("grpc-health-checks", "true"));
    if (!cpuPids.isEmpty() && cpuPids.size() != targets.size()) {
      throw new IllegalArgumentException("--cpu-pids needs one process id per target");
    }
  }

  private static List<Long> pids(String list) {
    return list == null || list.isBlank() ? List.of()
        : java.util.Arrays.stream(list.split(",")).map(Long::parseLong).toList();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || a.indexOf('=') < 0) {
        System.err.println("distro-loadgen: arguments are --name=value (see the class comment / README)");
        System.exit(2);
      }
      opts.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    Vertx vertx = Vertx.vertx();
    try {
      try {
        new LoadGenerator(vertx, opts).run();
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // a failed run ends the process: threads it started (the baseline's server) must not keep
      // it alive, as a script waiting for it would wait for ever
      e.printStackTrace();
      System.exit(1);
    }
  }

  /**
   * Runs every phase, waiting for each: call it from the generator's main thread. The waits here
   * and in the phases it calls ({@code prepare}, {@code drive}, {@link LagTracker#finish},
   * {@link Watchers#open}) never run on an event loop; only request callbacks do.
   */
  void run() throws Exception {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("the load generator waits for its phases: not on an event loop");
    }
    // the in-process baseline only when it is measured and no baseline process is named
    Baseline baseline = measureBaseline && baselineTarget == null ? Baseline.start() : null;
    String base = baseline != null ? "127.0.0.1:" + baseline.port() : baselineTarget;
    // each row: {the baseline's result or null, the targets'}
    List<Result[]> results = new ArrayList<>();
    Watchers watching = watchers > 0 ? Watchers.open(vertx, targets, watchers) : null;
    for (String mode : opts.getOrDefault("modes", "register,beat,list").split(",")) {
      if (mode.isBlank()) {
        continue;
      }
      if (mode.startsWith("grpc-")) {
        results.add(new Result[] {null, grpcMode(mode)});
        continue;
      }
      prepare(mode, targets);
      Result b = null;
      if (measureBaseline) {
        prepare(mode, List.of(base));
        b = drive(mode, List.of(base), "baseline", null, baselineCpu(baseline));
      }
      LagTracker tracker = lag && mode.equals("register") ? new LagTracker(vertx, targets) : null;
      if (tracker != null) {
        await(tracker.start(), "connecting the lag watchers");
      }
      results.add(new Result[] {b, drive(mode, targets, String.join(",", targets), tracker, cpuOf(targets))});
    }
    GrpcModes.IdleReport idle = null;
    if (grpcIdle > 0) {
      try (GrpcModes g = grpcModes()) {
        idle = g.idle(grpcIdle, grpcIdleSeconds);
      }
    }
    long watchEvents = watching != null ? watching.close() : 0;
    if (baseline != null) {
      baseline.close();
    }
    System.out.println();
    if (!results.isEmpty()) {
      System.out.printf("%-13s %-22s %11s %9s %9s %9s %9s %7s %6s %8s %10s %9s %9s%n", "mode", "target", "req/s",
        "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "late", "ratio", "cpu us/req", "cpu ratio", "bytes/ans");
    }
    JsonArray json = new JsonArray();
    for (Result[] row : results) {
      Result b = row[0];
      Result n = row[1];
      for (Result r : b == null ? List.of(n) : List.of(b, n)) {
        boolean ratios = r == n && b != null;
        String ratio = ratios ? String.format(Locale.ROOT, "%.2f", n.rate() / b.rate()) : "";
        String cpuRatio = ratios ? String.format(Locale.ROOT, "%.2f", n.cpuUsPerRequest() / b.cpuUsPerRequest()) : "";
        System.out.printf(Locale.ROOT, "%-13s %-22s %11.0f %9.2f %9.2f %9.2f %9.2f %7d %6d %8s %10.1f %9s %9.0f%n",
            r.mode(), clip(r.target()), r.rate(), r.ms(50), r.ms(99), r.ms(99.9),
            r.latency().getMaxValue() / 1000.0, r.errors(), r.late(), ratio, r.cpuUsPerRequest(), cpuRatio,
            r.bytesPerAnswer());
        if (r == n && r.cpuNanos().size() > 1) {
          for (var e : r.cpuNanos().entrySet()) {
            System.out.printf(Locale.ROOT, "%-13s   %-20s %90.1f%n", "", clip(e.getKey()),
                e.getValue() / 1000.0 / Math.max(1, r.requests()));
          }
        }
        json.add(new JsonObject().put("mode", r.mode()).put("target", r.target()).put("requests", r.requests())
            .put("errors", r.errors()).put("late", r.late()).put("seconds", r.seconds())
            .put("offeredRate", r.mode().equals("grpc-push") ? pushRate : rate).put("rate", r.rate())
            .put("p50Ms", r.ms(50)).put("p90Ms", r.ms(90)).put("p99Ms", r.ms(99)).put("p999Ms", r.ms(99.9))
            .put("maxMs", r.latency().getMaxValue() / 1000.0)
            .put("ratioToBaseline", ratios ? Double.valueOf(n.rate() / b.rate()) : b == null ? null : Double.valueOf(1.0))
            .put("cpuUsPerRequest", finite(r.cpuUsPerRequest())).put("bytesPerAnswer", r.bytesPerAnswer())
            .put("cpuUsPerRequestByServer", cpuByServer(r))
            .put("cpuRatioToBaseline", ratios ? finite(n.cpuUsPerRequest() / b.cpuUsPerRequest())
                : b == null ? null : Double.valueOf(1.0)));
      }
    }
    for (int i = 0; i < lagReports.size(); i++) {
      LagTracker.Report r = lagReports.get(i);
      System.out.printf(Locale.ROOT, "%n%s: replication lag (ack -> visible on all %d nodes), %d writes: p50 %.1f ms, "
          + "p99 %.1f ms, p99.9 %.1f ms, max %.1f ms; not seen everywhere: %d; failed writes: %d; "
          + "all nodes converged %s after the load stopped%n", lagModes.get(i), targets.size(), r.tracked(), r.ms(50), r.ms(99),
          r.ms(99.9), r.lag().getMaxValue() / 1000.0, r.missing(), r.failed(),
          r.convergedMs() < 0 ? "NOT within 10 s" : r.convergedMs() + " ms");
      json.add(new JsonObject().put("mode", "replication-lag").put("writesBy", lagModes.get(i))
          .put("nodes", targets.size())
          .put("writes", r.tracked())
          .put("p50Ms", r.ms(50)).put("p99Ms", r.ms(99)).put("p999Ms", r.ms(99.9))
          .put("maxMs", r.lag().getMaxValue() / 1000.0).put("missing", r.missing()).put("failed", r.failed())
          .put("convergedMs", r.convergedMs()));
    }
    for (GrpcModes.PushReport p : pushReports) {
      printPush(p, json);
    }
    if (idle != null) {
      printIdle(idle, json);
    }
    if (watching != null) {
      System.out.printf(Locale.ROOT, "%n%d watch connections received %d events in all%n", watchers, watchEvents);
      json.add(new JsonObject().put("mode", "watchers").put("connections", watchers).put("events", watchEvents));
    }
    String out = json.encode();
    if (opts.containsKey("json")) {
      Files.writeString(Path.of(opts.get("json")), out);
      System.out.println("\nJSON written to " + opts.get("json"));
    }
  }

  /** Called with the gRPC connections of a grpc-register run before they are closed (tests look at the node). */
  java.util.function.Consumer<GrpcModes> beforeGrpcClose = g -> { };

  private GrpcModes grpcModes() {
    return new GrpcModes(vertx, targets, grpcTargets, gcPids, healthChecks);
  }

  /** A gRPC mode's run: its connections are opened first and closed after, outside the measured window. */
  private Result grpcMode(String mode) {
    String label = String.join(",", grpcTargets);
    try (GrpcModes g = grpcModes()) {
      grpc = g;
      switch (mode) {
        case "grpc-register" -> {
          g.connect(connections);
          LagTracker tracker = lag ? new LagTracker(vertx, targets) : null;
          if (tracker != null) {
            await(tracker.start(), "connecting the lag watchers");
          }
          Result r = drive(mode, targets, label, tracker, cpuOf(targets));
          beforeGrpcClose.accept(g);
          return r;
        }
        case "grpc-push" -> {
          int warm = Integer.parseInt(opts.getOrDefault("push-warmup", String.valueOf(Math.round(warmup * pushRate))));
          int changes = Integer.parseInt(opts.getOrDefault("changes", String.valueOf(Math.round(seconds * pushRate))));
          Histogram writes = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
          ServerCpu cpu = cpuOf(targets);
          long[] measured = new long[1];
          GrpcModes.PushReport report = g.push(subscribers, warm, changes, pushRate, pushTimeoutMs, cpu, writes,
              measured);
          Map<String, Long> used = Map.of();
          try {
            used = cpu.since().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            System.out.println("server CPU of " + label + " not measured: " + e.getMessage());
          }
          cpu.close();
          pushReports.add(report);
          return new Result(mode, label, changes, report.missing() > 0 ? 1 : 0, 0, measured[0] / 1e9, writes, used, 0);
        }
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    } finally {
      grpc = null;
    }
  }

  /** The baseline's CPU: its event loop thread in this process, or its process's from /proc. */
  private ServerCpu baselineCpu(Baseline inProcess) {
    return inProcess != null ? ServerCpu.ofThreads("baseline", inProcess.threadIds())
        : ServerCpu.ofPids(Map.of("baseline", baselinePid));
  }

  private ServerCpu cpuOf(List<String> where) {
    if (cpuPids.isEmpty()) {
      return ServerCpu.ofNodes(vertx, where);
    }
    Map<String, Long> byTarget = new LinkedHashMap<>();
    for (int i = 0; i < where.size(); i++) {
      byTarget.put(where.get(i), cpuPids.get(targets.indexOf(where.get(i))));
    }
    return ServerCpu.ofPids(byTarget);
  }

  private static void printPush(GrpcModes.PushReport p, JsonArray json) {
    System.out.printf(Locale.ROOT, "%ngRPC push: %d subscribers (%d on another node than the writer), %d changes;"
        + " from the write's acknowledgement to the push that shows it%n", p.subscribers(), p.remoteSubscribers(),
        p.changes());
    line("  every delivery", p.all());
    line("  last subscriber of each change", p.last());
    if (p.remoteSubscribers() > 0) {
      line("  deliveries on another node", p.remoteAll());
      line("  last on another node, per change", p.remoteLast());
    }
    System.out.printf(Locale.ROOT, "  deliveries %d of %d (missing %d, before the ack %d); pushes received %d%n",
        p.deliveries(), (long) p.subscribers() * p.changes(), p.missing(), p.beforeAck(), p.pushesReceived());
    json.add(new JsonObject().put("mode", "grpc-push-latency").put("subscribers", p.subscribers())
        .put("remoteSubscribers", p.remoteSubscribers()).put("changes", p.changes())
        .put("deliveries", p.deliveries()).put("missing", p.missing()).put("beforeAck", p.beforeAck())
        .put("pushesReceived", p.pushesReceived())
        .put("all", percentiles(p.all())).put("last", percentiles(p.last()))
        .put("remoteAll", percentiles(p.remoteAll())).put("remoteLast", percentiles(p.remoteLast())));
  }

  private static void line(String what, Histogram h) {
    System.out.printf(Locale.ROOT, "%-36s p50 %8.1f ms, p99 %8.1f ms, max %8.1f ms (%d)%n", what + ":",
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
        h.getTotalCount());
  }

  private static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("count", h.getTotalCount()).put("p50Ms", h.getValueAtPercentile(50) / 1000.0)
        .put("p99Ms", h.getValueAtPercentile(99) / 1000.0).put("maxMs", h.getMaxValue() / 1000.0);
  }

  private static void printIdle(GrpcModes.IdleReport r, JsonArray json) {
    if (r.failure() != null && r.opened() == 0) {
      System.out.printf("%nidle gRPC connections: %s%n", r.failure());
    } else {
      System.out.printf(Locale.ROOT, "%nidle gRPC connections: %d asked, %d opened and registered (%d failed%s),"
          + " %d still open after %d s (nodes report %.0f); node heap used %s: %.1f MB before, %.1f MB after,"
          + " %.0f bytes per connection; %d detections answered, %d health checks sent%n", r.requested(),
          r.opened(), r.failed(), r.failure() == null ? "" : ", e.g. " + r.failure(), r.stillOpen(),
          r.holdSeconds(), r.connectionsOnNodes(), r.gcBeforeReading() ? "after a full GC" : "(no GC asked for)",
          r.heapBefore() / 1e6, r.heapAfter() / 1e6, r.bytesPerConnection(), r.detections(), r.healthChecks());
    }
    json.add(new JsonObject().put("mode", "grpc-idle").put("requested", r.requested()).put("opened", r.opened())
        .put("failed", r.failed()).put("failure", r.failure()).put("stillOpen", r.stillOpen())
        .put("holdSeconds", r.holdSeconds()).put("connectionsOnNodes", finite(r.connectionsOnNodes()))
        .put("heapBeforeBytes", finite(r.heapBefore())).put("heapAfterBytes", finite(r.heapAfter()))
        .put("heapBytesPerConnection", finite(r.bytesPerConnection())).put("gcBeforeReading", r.gcBeforeReading())
        .put("detections", r.detections()).put("healthChecks", r.healthChecks()));
  }

  /** JSON has no NaN: an unknown figure is null. */
  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  private static JsonObject cpuByServer(Result r) {
    JsonObject o = new JsonObject();
    r.cpuNanos().forEach((server, ns) -> o.put(server, ns / 1000.0 / Math.max(1, r.requests())));
    return o;
  }

  private static String clip(String s) {
    return s.length() > 22 ? s.substring(0, 19) + "..." : s;
  }

  /** Registers what a mode needs: the beat population, or the 100-instance list service. */
  private void prepare(String mode, List<String> where) {
    int n = switch (mode) {
      case "beat" -> instances;
      case "list" -> 100;
      default -> 0;
    };
    if (n == 0) {
      return;
    }
    HttpClient client = client();
    List<Future<?>> all = new ArrayList<>();
    AtomicLong next = new AtomicLong();
    Promise<Void> done = Promise.promise();
    for (int w = 0; w < Math.min(concurrency, n); w++) {
      prepareLoop(client, where, mode, n, next, done);
    }
    try {
      done.future().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("preparing " + mode + " failed", e);
    } finally {
      client.close();
    }
  }

  private void prepareLoop(HttpClient client, List<String> where, String mode, int n, AtomicLong next,
      Promise<Void> done) {
    long i = next.getAndIncrement();
    if (i >= n) {
      if (i == n + Math.min(concurrency, n) - 1) {
        done.tryComplete();
      }
      return;
    }
    String service = mode.equals("list") ? "benchlist" : "benchbeat";
    String uri = "/nacos/v1/ns/instance?serviceName=" + service + "&ip=" + ip(i) + "&port=8080";
    send(client, target(where, i), HttpMethod.POST, uri, null).onComplete(ar ->
        prepareLoop(client, where, mode, n, next, done));
  }

  /**
   * One measured run against {@code where}; server CPU is read from {@code cpu} when the warm-up ends
   * and when the run ends.
   */
  private Result drive(String mode, List<String> where, String label, LagTracker tracker, ServerCpu cpu) {
    HttpClient client = client();
    Recorder hist = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    Run run = new Run(mode, where, client, hist, tracker);
    // a timer of 0 ms is refused: without a warm-up the window starts now
    Future<Void> cpuFrom = warmup > 0 ? vertx.timer(TimeUnit.SECONDS.toMillis(warmup)).compose(v -> cpu.mark())
        : cpu.mark();
    long progress = progress(mode, label, run);
    if (rate > 0) {
      run.openLoop();
    } else {
      for (int w = 0; w < concurrency; w++) {
        run.closedLoop();
      }
    }
    try {
      run.finished.future().toCompletionStage().toCompletableFuture().get(seconds + warmup + 60L, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      vertx.cancelTimer(progress);
      client.close();
    }
    if (TERMINAL) {
      System.out.print("\r" + " ".repeat(70) + "\r");
    }
    Map<String, Long> used = Map.of();
    try {
      cpuFrom.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      used = cpu.since().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("server CPU of " + label + " not measured: " + e.getMessage());
    }
    cpu.close();
    if (tracker != null) {
      lagReports.add(tracker.finish(run.lastAck.get(), 10_000));
      lagModes.add(mode);
    }
    return new Result(mode, label, run.requests.get(), run.errors.get(), run.late.get(), seconds,
        hist.getIntervalHistogram(), used, run.bytes.get());
  }

  /** Whether standard output is a terminal: only there is the progress line redrawn in place. */
  private static final boolean TERMINAL = System.console() != null;

  /** A progress line redrawn every second on a terminal; elsewhere (a log, CI) one line every 5 s. */
  private long progress(String mode, String label, Run run) {
    long t0 = System.nanoTime();
    if (TERMINAL) {
      return vertx.setPeriodic(1000, id -> System.out.printf("\r%-9s %-22s %9d requests, %d errors   ",
          mode, clip(label), run.requests.get(), run.errors.get()));
    }
    return vertx.setPeriodic(5000, id -> System.out.printf(Locale.ROOT, "%-9s %-22s %4d s: %d requests measured,"
        + " %d errors%n", mode, clip(label), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
        run.requests.get(), run.errors.get()));
  }

  /** One measured run: closed loop (each completion sends the next) or open loop (a timer paces sends). */
  private final class Run {
    final String mode;
    final List<String> where;
    /** {@code --to-owner=true}: the ring over {@link #where} that picks each instance's owner. */
    final OwnerRing owners;
    final HttpClient client;
    final Recorder hist;
    final LagTracker tracker;
    final AtomicLong requests = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong late = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    final AtomicLong lastAck = new AtomicLong();
    final Promise<Void> finished = Promise.promise();
    final long start = System.nanoTime();
    final long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
    final long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    final AtomicLong running = new AtomicLong(concurrency);

    Run(String mode, List<String> where, HttpClient client, Recorder hist, LagTracker tracker) {
      this.mode = mode;
      this.where = where;
      this.owners = toOwner ? new OwnerRing(where) : null;
      this.client = client;
      this.hist = hist;
      this.tracker = tracker;
    }

    /** Request {@code i}'s target for {@code ip:port}: the instance's owner with --to-owner, else the next in turn. */
    private String to(long i, String ip, int port) {
      return owners != null ? owners.ownerOf(ip, port) : target(where, i);
    }

    void closedLoop() {
      if (System.nanoTime() >= end) {
        if (running.decrementAndGet() == 0) {
          finished.tryComplete();
        }
        return;
      }
      issue().onComplete(ar -> closedLoop());
    }

    void openLoop() {
      long[] issued = {0};
      vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        if (now >= end) {
          vertx.cancelTimer(id);
          if (inFlight.get() == 0) {
            finished.tryComplete();
          }
          return;
        }
        long due = (now - start) * rate / 1_000_000_000L - issued[0];
        for (; due > 0; due--) {
          issued[0]++;
          if (inFlight.get() >= concurrency) {
            if (now >= measureFrom) {
              late.incrementAndGet();
            }
            continue;
          }
          issue().onComplete(ar -> {
            if (System.nanoTime() >= end && inFlight.get() == 0) {
              finished.tryComplete();
            }
          });
        }
      });
    }

    private Future<Reply> issue() {
      long t0 = System.nanoTime();
      long i = unique.getAndIncrement();
      boolean measured = t0 >= measureFrom;
      String ip = ip(i + 1_000_000);
      int port = (int) (1 + i % 60_000);
      inFlight.incrementAndGet();
      Future<Reply> f = switch (mode) {
        case "register" -> {
          if (tracker != null && measured) {
            tracker.sent(ip, port);
          }
          yield send(client, to(i, ip, port), HttpMethod.POST,
              "/nacos/v1/ns/instance?serviceName=bench" + (i % 100) + "&ip=" + ip + "&port=" + port, null);
        }
        case "beat" -> {
          long k = i % instances;
          String beat = "{\"cluster\":\"DEFAULT\",\"ip\":\"" + ip(k) + "\",\"metadata\":{},\"period\":5000,"
              + "\"port\":8080,\"scheduled\":false,\"serviceName\":\"DEFAULT_GROUP@@benchbeat\",\"stopped\":false,"
              + "\"weight\":1.0}";
          yield send(client, to(i, ip(k), 8080), HttpMethod.PUT, "/nacos/v1/ns/instance/beat?serviceName="
              + "DEFAULT_GROUP%40%40benchbeat&ip=" + ip(k) + "&port=8080&clusterName=DEFAULT",
              "beat=" + URLEncoder.encode(beat, StandardCharsets.UTF_8));
        }
        case "grpc-register" -> {
          if (tracker != null && measured) {
            tracker.sent(ip, port);
          }
          yield grpc.register(i, ip, port);
        }
        case "list" -> send(client, target(where, i), HttpMethod.GET,
            "/nacos/v1/ns/instance/list?serviceName=benchlist&clusters=&healthyOnly=false", null);
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      };
      return f.andThen(ar -> {
        inFlight.decrementAndGet();
        long now = System.nanoTime();
        boolean ok = ar.succeeded() && ar.result().status() < 400;
        if (tracker != null && measured) {
          tracker.acked(ip, port, ok);
        }
        lastAck.accumulateAndGet(now, Math::max);
        if (now >= measureFrom && now < end) {
          requests.incrementAndGet();
          if (ar.succeeded()) {
            bytes.addAndGet(ar.result().bytes());
          }
          if (!ok) {
            errors.incrementAndGet();
          }
          hist.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(now - t0), TimeUnit.SECONDS.toMicros(60)));
        }
      });
    }
  }

  private static void await(Future<?> f, String what) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
    }
  }

  private static String target(List<String> where, long i) {
    return where.get((int) (i % where.size()));
  }

  static String ip(long i) {
    return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
  }

  private HttpClient client() {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setConnectTimeout(5_000), new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
  }

  /** A response's status and body size (as received: compressed when the node compressed it). */
  record Reply(int status, int bytes) { }

  private Future<Reply> send(HttpClient client, String target, HttpMethod method, String uri, String form) {
    int colon = target.lastIndexOf(':');
    RequestOptions o = new RequestOptions().setMethod(method).setHost(target.substring(0, colon))
        .setPort(Integer.parseInt(target.substring(colon + 1))).setURI(uri).setTimeout(30_000);
    if (form != null) {
      o.putHeader("Content-Type", "application/x-www-form-urlencoded");
    }
    if (acceptGzip && method == HttpMethod.GET) {
      o.putHeader("Accept-Encoding", "gzip");
    }
    // the body is asked for in the task that sees the response, so none of it can slip by unread
    return client.request(o).compose(req -> (form == null ? req.send() : req.send(Buffer.buffer(form)))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.length()))));
  }
}

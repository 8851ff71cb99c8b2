package dev.distro.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The gRPC workloads, each with simulated Nacos 2.5.1 SDK connections ({@link SdkClient}) spread
 * round-robin over the targets' gRPC ports:
 * <ul>
 * <li>registrations: {@link #connect} opens the registering connections, then the generator's
 * measured loop calls {@link #register} for each request; a connection registers each new instance
 * in a service it has not used yet (a second registration of a service on one connection would
 * replace the first), so every acknowledged registration stays listed while the connections live;
 * <li>push latency, {@link #push}: subscribers on every target, one writer on the first;
 * <li>idle connections, {@link #idle}: each registers one instance and then only answers the node.
 * </ul>
 * The waits here ({@code await}) are for the generator's main thread, never an event loop.
 */
final class GrpcModes implements AutoCloseable {

  /** Connections set up at once while opening many. */
  static final int OPEN_PARALLELISM = 64;

  /**
   * Push latency over a run's measured changes, in µs: from the write's acknowledgement to each
   * subscriber's push showing it ({@code all}), to the last subscriber's ({@code last}), and the
   * same for the subscribers held by another node than the writer's ({@code remote*}).
   */
  record PushReport(int subscribers, int remoteSubscribers, long changes, long deliveries, long missing,
      long beforeAck, long pushesReceived, Histogram all, Histogram last, Histogram remoteAll,
      Histogram remoteLast) {
  }

  /**
   * Idle connections held: heap used per node before they were opened and after the hold (bytes;
   * NaN when unknown), and what the connections saw meanwhile.
   */
  record IdleReport(int requested, int opened, long failed, String failure, int stillOpen, double heapBefore,
      double heapAfter, double connectionsOnNodes, long detections, long healthChecks, int holdSeconds,
      boolean gcBeforeReading) {

    double bytesPerConnection() {
      return opened == 0 ? Double.NaN : (heapAfter - heapBefore) / opened;
    }
  }

  private final Vertx vertx;
  private final List<String> httpTargets;
  private final List<String> grpcTargets;
  private final List<Long> gcPids;
  private final boolean healthChecks;
  private final List<SdkClient> open = new CopyOnWriteArrayList<>();
  private List<SdkClient> registrars = List.of();
  private AtomicInteger[] serviceOf = new AtomicInteger[0];
  /** Registrations acknowledged with success, warm-up and tail included. */
  final AtomicLong acknowledged = new AtomicLong();

  /**
   * @param gcPids the nodes' process ids when they run on this machine: a full GC is asked for
   *     ({@code jcmd PID GC.run}) before each heap reading; empty: readings as they come
   */
  GrpcModes(Vertx vertx, List<String> httpTargets, List<String> grpcTargets, List<Long> gcPids,
      boolean healthChecks) {
    this.vertx = vertx;
    this.httpTargets = httpTargets;
    this.grpcTargets = grpcTargets;
    this.gcPids = gcPids;
    this.healthChecks = healthChecks;
  }

  /** The gRPC target of each HTTP target: its port plus {@code offset} (Nacos: 1000). */
  static List<String> grpcTargets(List<String> httpTargets, int offset) {
    return httpTargets.stream().map(t -> {
      int colon = t.lastIndexOf(':');
      return t.substring(0, colon + 1) + (Integer.parseInt(t.substring(colon + 1)) + offset);
    }).toList();
  }

  // ---- registrations ----

  /** Opens the registering connections ({@code n}, round-robin over the targets). */
  void connect(int n) {
    registrars = await(open(n), 300, "opening " + n + " gRPC connections");
    serviceOf = new AtomicInteger[n];
    for (int i = 0; i < n; i++) {
      serviceOf[i] = new AtomicInteger();
    }
  }

  /** Services the registrations used: {@code gbench0} up to {@code gbench<n-1>}. */
  int services() {
    int max = 0;
    for (AtomicInteger a : serviceOf) {
      max = Math.max(max, a.get());
    }
    return max;
  }

  static String registerService(int j) {
    return "gbench" + j;
  }

  /** Registration number {@code i}, of {@code ip:port}, on connection {@code i % connections}. */
  Future<LoadGenerator.Reply> register(long i, String ip, int port) {
    int c = (int) (i % registrars.size());
    String service = registerService(serviceOf[c].getAndIncrement());
    return registrars.get(c).call("InstanceRequest", SdkClient.register(service, ip, port, true)).map(m -> {
      boolean ok = m.json().getInteger("resultCode", 0) == 200;
      if (ok) {
        acknowledged.incrementAndGet();
      }
      return new LoadGenerator.Reply(ok ? 200 : 500, m.bytes());
    });
  }

  // ---- push latency ----

  /** One change's deliveries: when each subscriber's push showed it (0: not yet). */
  private static final class Change {
    final int index;
    final int port;
    final AtomicLongArray arrived;
    final AtomicInteger seen = new AtomicInteger();
    final Promise<Void> all = Promise.promise();

    Change(int index, int subscribers) {
      this.index = index;
      this.port = 1000 + index;
      this.arrived = new AtomicLongArray(subscribers);
    }

    boolean registers() {
      return index % 2 == 0;
    }
  }

  /**
   * Subscribes {@code subscribers} connections (round-robin over the targets) to one service, then a
   * writer connection on the first target changes it: change k registers port 1000 + k when k is
   * even, deregisters it when odd, each change started once the last waited at most
   * {@code timeoutMs} for every subscriber, paced at {@code perSecond}. The first {@code warmup}
   * changes are not measured. {@code cpu} is marked after the warm-up; {@code row} gets the write
   * latencies (for the table).
   */
  PushReport push(int subscribers, int warmup, int changes, double perSecond, long timeoutMs, ServerCpu cpu,
      Histogram writes, long[] measuredNanos) {
    String service = "gpush" + Long.toString(System.nanoTime() & 0xFFFFFF, 36);
    List<SdkClient> subs = await(open(subscribers), 300, "opening " + subscribers + " subscriber connections");
    SdkClient writer = await(open(1), 30, "opening the writer connection").get(0);
    String writerTarget = writer.target();
    boolean[] remote = new boolean[subscribers];
    int remoteCount = 0;
    AtomicReference<Change> current = new AtomicReference<>();
    AtomicLong pushes = new AtomicLong();
    // the push a node sends after a first subscription (Nacos does): waited for before the changes
    AtomicLongArray initial = new AtomicLongArray(subscribers);
    AtomicInteger initialSeen = new AtomicInteger();
    Promise<Void> allInitial = Promise.promise();
    for (int i = 0; i < subscribers; i++) {
      int s = i;
      remote[i] = !subs.get(i).target().equals(writerTarget);
      remoteCount += remote[i] ? 1 : 0;
      subs.get(i).onPush((client, info, nanos) -> {
        pushes.incrementAndGet();
        if (initial.compareAndSet(s, 0, 1) && initialSeen.incrementAndGet() == subscribers) {
          allInitial.tryComplete();
        }
        Change ch = current.get();
        if (ch == null) {
          return;
        }
        JsonArray hosts = info.getJsonArray("hosts", new JsonArray());
        boolean shows = ch.registers() ? hosts.size() == 1 && hosts.getJsonObject(0).getInteger("port") == ch.port
            : hosts.isEmpty();
        if (shows && ch.arrived.compareAndSet(s, 0, nanos) && ch.seen.incrementAndGet() == subscribers) {
          ch.all.tryComplete();
        }
      });
    }
    List<Future<?>> subscribed = new ArrayList<>();
    for (SdkClient c : subs) {
      subscribed.add(c.ok("SubscribeServiceRequest", SdkClient.subscribe(service)));
    }
    await(Future.all(subscribed), 60, "subscribing");
    try {
      allInitial.future().toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.out.printf("%d of %d subscribers got no push after subscribing; going on%n",
          subscribers - initialSeen.get(), subscribers);
    }
    Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram last = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram remoteAll = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram remoteLast = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    long deliveries = 0;
    long missing = 0;
    long beforeAck = 0;
    long pushesAtStart = 0;
    long start = System.nanoTime();
    long measuredFrom = 0;
    for (int k = 0; k < warmup + changes; k++) {
      if (k == warmup) {
        await(cpu.mark(), 30, "reading server CPU");
        pushesAtStart = pushes.get();
        measuredFrom = System.nanoTime();
      }
      long due = start + (long) (k * 1e9 / perSecond);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        sleep(wait);
      }
      Change ch = new Change(k, subscribers);
      current.set(ch);
      long sent = System.nanoTime();
      JsonObject write = SdkClient.register(service, "10.250.0.1", ch.port, ch.registers());
      await(writer.ok("InstanceRequest", write), 30, "change " + k);
      long ack = System.nanoTime();
      try {
        ch.all.future().toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (Exception timedOut) {
        // counted below as missing deliveries
      }
      if (k < warmup) {
        continue;
      }
      writes.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(ack - sent), TimeUnit.SECONDS.toMicros(60)));
      long lastAll = -1;
      long lastRemote = -1;
      for (int i = 0; i < subscribers; i++) {
        long t = ch.arrived.get(i);
        if (t == 0) {
          missing++;
          continue;
        }
        deliveries++;
        if (t < ack) {
          beforeAck++;
        }
        long us = Math.min(TimeUnit.NANOSECONDS.toMicros(Math.max(0, t - ack)), TimeUnit.SECONDS.toMicros(60));
        all.recordValue(us);
        lastAll = Math.max(lastAll, us);
        if (remote[i]) {
          remoteAll.recordValue(us);
          lastRemote = Math.max(lastRemote, us);
        }
      }
      if (ch.seen.get() == subscribers) {
        last.recordValue(lastAll);
        if (remoteCount > 0) {
          remoteLast.recordValue(lastRemote);
        }
      }
    }
    current.set(null);
    measuredNanos[0] = System.nanoTime() - measuredFrom;
    return new PushReport(subscribers, remoteCount, changes, deliveries, missing, beforeAck,
        pushes.get() - pushesAtStart, all, last, remoteAll, remoteLast);
  }

  // ---- idle connections ----

  /**
   * Holds {@code n} set-up connections for {@code holdSeconds}, each with one instance registered,
   * and reads the nodes' heap before and after. Refuses, with the reason, a count this process
   * cannot hold file descriptors for.
   */
  IdleReport idle(int n, int holdSeconds) {
    String limit = descriptorShortfall(n);
    if (limit != null) {
      return new IdleReport(n, 0, n, limit, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, holdSeconds,
          !gcPids.isEmpty());
    }
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000));
    try {
      double before = heap(http);
      AtomicLong failed = new AtomicLong();
      String[] failure = {null};
      List<SdkClient> held = await(openTolerant(n, failed, failure), 600, "opening idle connections");
      List<Future<?>> registered = new ArrayList<>();
      for (int i = 0; i < held.size(); i++) {
        registered.add(held.get(i).ok("InstanceRequest",
            SdkClient.register("gidle", LoadGenerator.ip(3_000_000L + i), 8080, true)));
      }
      await(Future.join(registered), 120, "registering the idle connections' instances");
      for (Future<?> f : registered) {
        if (f.failed()) {
          failed.incrementAndGet();
          failure[0] = failure[0] != null ? failure[0] : f.cause().getMessage();
        }
      }
      System.out.printf("holding %d gRPC connections for %d s%n", held.size(), holdSeconds);
      sleep(TimeUnit.SECONDS.toNanos(holdSeconds));
      double after = heap(http);
      double onNodes = 0;
      for (String t : httpTargets) {
        onNodes += NodeMetrics.sum(await(NodeMetrics.scrape(http, t), 30, "reading " + t + "/metrics"),
            "distro_grpc_connections", "");
      }
      int stillOpen = (int) held.stream().filter(SdkClient::isOpen).count();
      long detections = held.stream().mapToLong(c -> c.detections.get()).sum();
      long checks = held.stream().mapToLong(c -> c.healthChecks.get()).sum();
      return new IdleReport(n, held.size(), failed.get(), failure[0], stillOpen, before, after, onNodes,
          detections, checks, holdSeconds, !gcPids.isEmpty());
    } finally {
      http.close();
    }
  }

  /** Why this process cannot hold {@code n} more sockets, or null when it can. */
  static String descriptorShortfall(int n) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      long max = os.getMaxFileDescriptorCount();
      long used = os.getOpenFileDescriptorCount();
      // each connection is one socket; keep some for the generator's own files and /metrics clients
      if (used + n + 64 > max) {
        return String.format("cannot open %d connections: this process may hold %d file descriptors (ulimit -n) "
            + "and holds %d already; raise the limit (ulimit -n %d) or ask for fewer", n, max, used, used + n + 64);
      }
    }
    return null;
  }

  /** Heap used on all the nodes (bytes), after a full GC when their pids are known. */
  private double heap(HttpClient http) {
    for (long pid : gcPids) {
      try {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.out.println("jcmd " + pid + " GC.run failed: " + e.getMessage());
      }
    }
    double sum = 0;
    for (String t : httpTargets) {
      sum += NodeMetrics.sum(await(NodeMetrics.scrape(http, t), 30, "reading " + t + "/metrics"),
          "jvm_memory_used_bytes", "area=\"heap\"");
    }
    return sum;
  }

  // ---- connections ----

  /** Opens {@code n} connections, number i to target i mod targets; fails when any failed. */
  private Future<List<SdkClient>> open(int n) {
    AtomicLong failed = new AtomicLong();
    String[] failure = {null};
    return openTolerant(n, failed, failure).compose(list -> failed.get() == 0 ? Future.succeededFuture(list)
        : Future.failedFuture(failed.get() + " of " + n + " gRPC connections failed, e.g.: " + failure[0]));
  }

  private Future<List<SdkClient>> openTolerant(int n, AtomicLong failed, String[] failure) {
    SdkClient[] out = new SdkClient[n];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Promise<List<SdkClient>> done = Promise.promise();
    int lanes = Math.min(OPEN_PARALLELISM, n);
    if (n == 0) {
      return Future.succeededFuture(List.of());
    }
    for (int l = 0; l < lanes; l++) {
      openNext(n, next, out, failed, failure, () -> {
        if (finished.incrementAndGet() == lanes) {
          List<SdkClient> list = new ArrayList<>();
          for (SdkClient c : out) {
            if (c != null) {
              list.add(c);
            }
          }
          done.complete(list);
        }
      });
    }
    return done.future();
  }

  private void openNext(int n, AtomicInteger next, SdkClient[] out, AtomicLong failed, String[] failure,
      Runnable laneDone) {
    int i = next.getAndIncrement();
    if (i >= n) {
      laneDone.run();
      return;
    }
    SdkClient.connect(vertx, grpcTargets.get(i % grpcTargets.size()), healthChecks).onComplete(ar -> {
      if (ar.succeeded()) {
        out[i] = ar.result();
        open.add(ar.result());
      } else {
        failed.incrementAndGet();
        synchronized (failure) {
          failure[0] = failure[0] != null ? failure[0] : String.valueOf(ar.cause().getMessage());
        }
      }
      openNext(n, next, out, failed, failure, laneDone);
    });
  }

  /** Closes every connection opened (the nodes drop their instances). */
  @Override
  public void close() {
    List<Future<Void>> closing = new ArrayList<>();
    for (SdkClient c : open) {
      closing.add(c.close());
    }
    open.clear();
    try {
      Future.join(closing).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("closing gRPC connections: " + e.getMessage());
    }
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static <T> T await(Future<T> f, int seconds, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
    }
  }
}

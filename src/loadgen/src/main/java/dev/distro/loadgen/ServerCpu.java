package dev.distro.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server CPU time over a measured window: {@link #mark()} when it starts, {@link #since()} when it
 * ends. A node's is its whole process (the {@code process_cpu_time_ns_total} counter of its
 * /metrics, so a node on another machine is measured too); the baseline's is the CPU time of its
 * event loop thread. CPU per request stays comparable from one run to the next on a machine whose
 * speed varies, where requests per second do not.
 */
abstract class ServerCpu implements AutoCloseable {

  /** The Prometheus counter Micrometer's processor binder exports (JVM process CPU, nanoseconds). */
  static final String COUNTER = "process_cpu_time_ns_total";

  private Map<String, Long> from = Map.of();

  /** Releases what the readings use (the /metrics client). */
  @Override
  public void close() {
  }

  /** CPU ns used so far, per server. */
  abstract Future<Map<String, Long>> read();

  /** Starts the window. */
  Future<Void> mark() {
    return read().map(m -> {
      from = m;
      return null;
    });
  }

  /** CPU ns used since {@link #mark()}, per server. */
  Future<Map<String, Long>> since() {
    Map<String, Long> start = from;
    return read().map(now -> {
      Map<String, Long> used = new LinkedHashMap<>();
      now.forEach((server, ns) -> {
        Long s = start.get(server);
        if (s != null) {
          used.put(server, ns - s);
        }
      });
      return used;
    });
  }

  static ServerCpu ofThreads(String label, long[] threadIds) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    return new ServerCpu() {
      @Override
      Future<Map<String, Long>> read() {
        long sum = 0;
        for (long id : threadIds) {
          long t = mx.getThreadCpuTime(id);
          if (t < 0) {
            return Future.failedFuture("thread CPU time is not measured by this JVM");
          }
          sum += t;
        }
        return Future.succeededFuture(Map.of(label, sum));
      }
    };
  }

  static ServerCpu ofNodes(Vertx vertx, List<String> targets) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000));
    return new ServerCpu() {
      @Override
      Future<Map<String, Long>> read() {
        List<Future<Long>> reads = new ArrayList<>();
        for (String t : targets) {
          reads.add(scrape(client, t));
        }
        return Future.all(reads).map(all -> {
          Map<String, Long> m = new LinkedHashMap<>();
          for (int i = 0; i < targets.size(); i++) {
            m.put(targets.get(i), reads.get(i).result());
          }
          return m;
        });
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }

  /**
   * CPU of processes on this machine, from {@code /proc/PID/stat} (user + system clock ticks): for
   * servers without the /metrics counter (a Nacos server). {@code pids}: server label → process id.
   */
  static ServerCpu ofPids(Map<String, Long> pids) {
    long ticksPerSecond = clockTicks();
    return new ServerCpu() {
      @Override
      Future<Map<String, Long>> read() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
          for (var e : pids.entrySet()) {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + e.getValue() + "/stat"));
            // the fields after the command name, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            m.put(e.getKey(), ticks * 1_000_000_000L / ticksPerSecond);
          }
        } catch (Exception ex) {
          return Future.failedFuture("reading /proc: " + ex.getMessage());
        }
        return Future.succeededFuture(m);
      }
    };
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? Long.parseLong(out) : 100;
    } catch (Exception e) {
      return 100;
    }
  }

  private static Future<Long> scrape(HttpClient client, String target) {
    return NodeMetrics.scrape(client, target).map(body -> {
      Long ns = parse(body);
      if (ns == null) {
        throw new IllegalStateException(target + "/metrics has no " + COUNTER);
      }
      return ns;
    });
  }

  /** The counter's value in a Prometheus text exposition, or null. */
  static Long parse(String exposition) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(COUNTER + " ") || line.startsWith(COUNTER + "{")) {
        String v = line.substring(line.lastIndexOf(' ') + 1);
        return (long) Double.parseDouble(v);
      }
    }
    return null;
  }
}

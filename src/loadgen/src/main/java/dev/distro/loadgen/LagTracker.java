package dev.distro.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Replication lag as a client sees it: one watch connection per node, subscribed to the whole
 * namespace, records when each tracked write appears there. A write's lag is the time from its
 * acknowledgement (on whichever node took it) to its appearance on the last of all the nodes; a
 * node that shows it before the acknowledgement counts as zero.
 *
 * <p>Only writes announced with {@link #sent} are tracked, so warm-up traffic and other modes'
 * instances are ignored. Frames are scanned for {@code "ip":"…","port":N} pairs without a JSON
 * parser: events and coalesced {@code service} frames both carry them.
 */
final class LagTracker {

  private static final String IP = "\"ip\":\"";
  private static final String PORT = "\"port\":";

  private final Vertx vertx;
  private final List<String> nodes;
  private final long allSeen;
  /** key → {ack nanos (0 until acknowledged), mask of nodes seen on, last sighting nanos}. */
  private final ConcurrentHashMap<String, long[]> pending = new ConcurrentHashMap<>();
  private final Recorder lag = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
  private final AtomicLong lastSighting = new AtomicLong();
  private final AtomicLong tracked = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();
  private WebSocketClient client;

  LagTracker(Vertx vertx, List<String> nodes) {
    if (nodes.size() > 63) {
      throw new IllegalArgumentException("lag tracking supports at most 63 nodes");
    }
    this.vertx = vertx;
    this.nodes = nodes;
    this.allSeen = (1L << nodes.size()) - 1;
  }

  /** Connects to every node and waits until each subscription's snapshot has arrived. */
  Future<Void> start() {
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(16 << 20));
    List<Future<Void>> ready = new ArrayList<>();
    for (int n = 0; n < nodes.size(); n++) {
      ready.add(watch(n));
    }
    return Future.all(ready).mapEmpty();
  }

  private Future<Void> watch(int n) {
    String node = nodes.get(n);
    int colon = node.lastIndexOf(':');
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(node.substring(0, colon))
        .setPort(Integer.parseInt(node.substring(colon + 1))).setURI("/nacos/v1/ns/watch");
    Promise<Void> ready = Promise.promise();
    return client.connect(o).compose(ws -> {
      sockets.add(ws);
      long bit = 1L << n;
      ws.textMessageHandler(frame -> {
        if (frame.startsWith("{\"type\":\"snapshot\"")) {
          if (frame.contains("\"last\":true")) {
            ready.tryComplete();
          }
          return;
        }
        if (frame.startsWith("{\"type\":\"event\"") && !frame.contains("\"kind\":\"deleted\"")
            || frame.startsWith("{\"type\":\"service\"")) {
          seen(frame, bit);
        }
      });
      ws.closeHandler(v -> ready.tryFail("watch connection to " + node + " closed"));
      ws.writeTextMessage("{\"op\":\"subscribe\",\"id\":\"lag\",\"namespace\":\"public\"}");
      return ready.future();
    });
  }

  /** Announces a write about to be sent; only announced writes are measured. */
  void sent(String ip, int port) {
    pending.put(ip + ':' + port, new long[3]);
    tracked.incrementAndGet();
  }

  /** The write was acknowledged (or failed: then it is no longer tracked). */
  void acked(String ip, int port, boolean ok) {
    String key = ip + ':' + port;
    if (!ok) {
      if (pending.remove(key) != null) {
        failedWrites.incrementAndGet();
        tracked.decrementAndGet();
      }
      return;
    }
    long now = System.nanoTime();
    pending.computeIfPresent(key, (k, e) -> {
      e[0] = now;
      return complete(e) ? null : e;
    });
  }

  private void seen(String frame, long bit) {
    long now = System.nanoTime();
    int at = 0;
    while ((at = frame.indexOf(IP, at)) >= 0) {
      int ipEnd = frame.indexOf('"', at + IP.length());
      int p = frame.indexOf(PORT, ipEnd);
      if (ipEnd < 0 || p < 0) {
        return;
      }
      int digits = p + PORT.length();
      int end = digits;
      while (end < frame.length() && Character.isDigit(frame.charAt(end))) {
        end++;
      }
      String key = frame.substring(at + IP.length(), ipEnd) + ':' + frame.substring(digits, end);
      at = end;
      pending.computeIfPresent(key, (k, e) -> {
        e[1] |= bit;
        e[2] = Math.max(e[2], now);
        return complete(e) ? null : e;
      });
    }
  }

  /** Records the lag once a write is both acknowledged and seen on every node. */
  private boolean complete(long[] e) {
    if (e[0] == 0 || e[1] != allSeen) {
      return false;
    }
    lastSighting.accumulateAndGet(e[2], Math::max);
    long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(e[2] - e[0]));
    lag.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(120)));
    return true;
  }

  /**
   * Waits (bounded, polling from the generator's main thread) for every tracked write to appear everywhere after the load stopped at
   * {@code loadEnd}, then reports.
   */
  Report finish(long loadEnd, long timeoutMs) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("finish waits: call it from the generator's main thread");
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int missing = 0;
    for (long[] e : pending.values()) {
      if (e[0] != 0) {
        missing++;
      }
    }
    sockets.forEach(WebSocket::close);
    client.close();
    long converged = pending.isEmpty() ? Math.max(0, lastSighting.get() - loadEnd) : -1;
    return new Report(tracked.get(), missing, failedWrites.get(), lag.getIntervalHistogram(),
        converged < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(converged));
  }

  /**
   * What the lag tracking found.
   *
   * @param convergedMs from the end of the load to the last write's appearance on the last node,
   *     or -1 when some write never appeared within the timeout
   */
  record Report(long tracked, int missing, long failed, Histogram lag, long convergedMs) {

    double ms(double percentile) {
      return lag.getValueAtPercentile(percentile) / 1000.0;
    }
  }
}

package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.cluster.PeerFailure;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Pushes this node's changes to every peer in batches, every {@code --batch-window-ms}; a change
 * arriving after a window without changes is sent at once instead (a lone write waits for no
 * window; a busy node still sends one batch per window). A peer that is DOWN keeps its queue (merged,
 * bounded) and gets it when it answers again, so writes made on one side of a partition reach the
 * other side after it heals. Changes made here (not those received from
 * peers) arrive through a lock-free inbox; every batch window they are merged into one pending map
 * per peer keyed by instance, so the newest change of an instance wins and the older ones are never
 * sent. A pass merges at most {@link #DRAIN_SLICE} changes, for at most {@link #DRAIN_SLICE_NANOS},
 * and leaves the rest to a pass of its own right after (a burst from other threads, such as a bulk
 * load or a mass expiry, does not hold the loop). A peer gets one request at a time; a failure is
 * retried with exponential backoff ({@link #backoffMs}, on the monotonic clock: a wall-clock step
 * neither stalls nor hastens a retry)
 * while newer changes keep merging. A peer's pending map is bounded: past {@code --sync-queue-max}
 * entries it is dropped and the peer is left to the next verify round, which repairs exactly what
 * differs (a change this node made to an instance another member owns comes back to that owner in
 * the answer to its repair, see {@code PeerApi}).
 *
 * <p>All state here belongs to this verticle's event loop, except {@link PeerQueue#depth} and the
 * map of queues, which other threads read ({@link #pending}, the queue-depth gauge).
 */
public final class DistroSyncVerticle extends VerticleBase implements ChangeListener {

  private static final Logger LOG = Logger.getLogger(DistroSyncVerticle.class.getName());
  static final long MAX_BACKOFF_MS = 5_000;
  static final long SYNC_TIMEOUT_MS = 3_000;
  /** Most inbox changes one flush pass merges into the peers' queues (the rest wait for the next pass). */
  static final int DRAIN_SLICE = 4_096;
  /** How long one flush pass merges the inbox before it leaves the rest to the next pass. */
  static final long DRAIN_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** Failure classes (Eureka's taxonomy): they pick the retry delay. */
  enum BatchResult { OK, CONGESTION, TRANSIENT, PERMANENT }

  private static final class PeerQueue {
    /** Event loop only. */
    final LinkedHashMap<String, ChangeEvent> pending = new LinkedHashMap<>();
    boolean inFlight;
    int failures;
    /** Monotonic ms ({@code Clock.monotonicMillis}) before which no request is sent. */
    long notBefore;
    /** Wall ms of the oldest change of the batch in flight ({@code Long.MAX_VALUE}: none). */
    long inFlightOldest = Long.MAX_VALUE;
    /** {@code pending.size()} after the loop's last change to it: what other threads read. */
    volatile int depth;
    /**
     * Wall ms of the oldest change this peer has not acknowledged, pending or in flight, after the
     * loop's last change to them ({@code Long.MAX_VALUE}: none): what the verify rounds read.
     * {@code pending} is oldest first (a change moves its instance to the end, a failed batch goes
     * back to the front), so its first entry is its oldest.
     */
    volatile long oldestUnacked = Long.MAX_VALUE;

    void settle() {
      depth = pending.size();
      long first = pending.isEmpty() ? Long.MAX_VALUE
          : Versions.millisOf(pending.values().iterator().next().version());
      oldestUnacked = Math.min(first, inFlightOldest);
    }
  }

  private final java.util.concurrent.atomic.LongAdder flushes = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder encodes = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder loneFlushes = new java.util.concurrent.atomic.LongAdder();
  /** The last batch encoded in this flush, and its body (event loop only; cleared at each flush). */
  private List<ChangeEvent> lastBatch;
  private byte[] lastBody;
  private final NodeConfig config;
  private final RegistryStore store;
  private final Counters metrics;
  private final PrometheusMeters meters;
  private final Liveness liveness;
  private final Cluster cluster;
  private final PeerClients peerClients;
  private final Queue<ChangeEvent> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inboxSize = new AtomicInteger();
  /** Written on the event loop only; read from any thread. */
  private final Map<String, PeerQueue> queues = new ConcurrentHashMap<>();
  private PeerClient peers;
  private long timer = -1;
  /** A flush pass has been asked for on the loop and has not begun yet ({@link #flushSoon}). */
  private volatile boolean flushScheduled;
  /** Most inbox changes one pass took so far (written on the event loop only; tests). */
  private volatile int largestPass;
  /** When the last flush that took changes began ({@code System.nanoTime}). */
  private volatile long lastFlushNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  /**
   * Between start and stop: the node registers this listener when it builds the change chain, but
   * changes are queued only while the verticle runs (before, no client write is served; after, the
   * queues drain and close).
   */
  private volatile boolean accepting;

  public DistroSyncVerticle(NodeConfig config, RegistryStore store, Counters metrics, PrometheusMeters meters,
      Cluster cluster, Liveness liveness, PeerClients peerClients) {
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.meters = meters;
    this.liveness = liveness;
    this.cluster = cluster;
    this.peerClients = peerClients;
  }

  @Override
  public Future<?> start() {
    liveness.watch("sync", context);
    peers = peerClients.create(vertx);
    timer = vertx.setPeriodic(config.batchWindowMs, id -> flush());
    accepting = true;
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    accepting = false;
    vertx.cancelTimer(timer);
    return drain(config.shutdownGraceMs / 2).eventually(() -> {
      peers.close();
      return Future.succeededFuture();
    });
  }

  @Override
  public void onChange(ChangeEvent event) {
    if (!event.local() || !accepting) {
      return;
    }
    inbox.add(event);
    int size = inboxSize.incrementAndGet();
    // The first change after a quiet window goes at once; the ones after it wait for the next
    // flush, so a busy node still sends one batch per window and a lone write waits for nothing.
    boolean lone = size == 1
        && System.nanoTime() - lastFlushNanos >= TimeUnit.MILLISECONDS.toNanos(config.batchWindowMs);
    if ((lone || size >= config.batchMaxEntries) && !flushScheduled) {
      if (lone) {
        loneFlushes.increment();
      }
      flushSoon();
    }
  }

  /** Asks the loop for a flush pass of its own (any thread). */
  private void flushSoon() {
    flushScheduled = true;
    context.runOnContext(v -> {
      flushScheduled = false;
      flush();
    });
  }

  /** Changes waiting for a peer; any thread (tests, metrics, operator views). */
  public int pending(String peer) {
    PeerQueue q = queues.get(peer);
    return q == null ? 0 : q.depth;
  }

  /**
   * Wall ms of the oldest local change {@code peer} has not acknowledged yet: waiting in the inbox,
   * in its queue or in the batch in flight ({@code Long.MAX_VALUE}: none). Any thread. The verify
   * rounds leave changes this recent out of their digests, so that a sync slower than the usual
   * settle time does not make a difference a repair would then push.
   */
  public long oldestUnacked(String peer) {
    ChangeEvent first = inbox.peek();
    long inbox = first == null ? Long.MAX_VALUE : Versions.millisOf(first.version());
    PeerQueue q = queues.get(peer);
    return Math.min(inbox, q == null ? Long.MAX_VALUE : q.oldestUnacked);
  }

  /** Most inbox changes one flush pass took so far (tests). */
  int largestPass() {
    return largestPass;
  }

  /** Flush passes so far (tests prove with it that a quiet window had passes that could have sent). */
  long flushes() {
    return flushes.sum();
  }

  void flush() {
    if (!inbox.isEmpty()) {
      // a flush that takes changes starts a window; an empty periodic pass does not
      lastFlushNanos = System.nanoTime();
    }
    flushes.increment();
    lastBatch = null;
    List<Member> members = cluster.peers();
    for (Member m : members) {
      PeerQueue q = queues.computeIfAbsent(m.address(), a -> new PeerQueue());
      // every flush: registering is idempotent, and a member that left and came back within one
      // flush kept its queue but lost its gauge (PrometheusMeters.forgetPeer)
      meters.gauge("distro_sync_queue_depth", "peer", m.address(), "changes waiting to be sent to a peer", q,
          x -> x.depth);
    }
    queues.keySet().removeIf(a -> members.stream().noneMatch(m -> m.address().equals(a)));
    java.util.Set<String> live = new java.util.HashSet<>();
    for (Member m : cluster.livePeers()) {
      live.add(m.address());
    }
    // at most one slice of the inbox per pass, and no more than a few ms of it: a burst queued by
    // other threads (a bulk load, a mass expiry) is merged over several passes, each a task of its
    // own, so that the loop serves its other events in between
    long start = System.nanoTime();
    int taken = 0;
    ChangeEvent e;
    while (taken < DRAIN_SLICE && ((taken & 255) != 255 || System.nanoTime() - start < DRAIN_SLICE_NANOS)
        && (e = inbox.poll()) != null) {
      inboxSize.decrementAndGet();
      taken++;
      if (queues.isEmpty()) {
        continue;
      }
      String key = SyncCodec.key(e);
      for (Map.Entry<String, PeerQueue> q : queues.entrySet()) {
        PeerQueue pq = q.getValue();
        pq.pending.remove(key);
        pq.pending.put(key, e);
        if (pq.pending.size() > config.syncQueueMax) {
          metrics.syncOverflows.increment();
          String peer = q.getKey();
          SyncReport.WARNINGS.warn(LOG, cluster.self() + "|overflow|" + peer, () -> cluster.self() + ": sync queue for "
              + peer + " overflowed (" + config.syncQueueMax + " changes): dropped; verify will repair it");
          pq.pending.clear();
        }
      }
    }
    if (taken > largestPass) {
      largestPass = taken;
    }
    if (!inbox.isEmpty() && !flushScheduled) {
      flushSoon();
    }
    long now = store.clock().monotonicMillis();
    for (Map.Entry<String, PeerQueue> q : queues.entrySet()) {
      PeerQueue pq = q.getValue();
      pq.settle();
      if (!pq.inFlight && !pq.pending.isEmpty() && now >= pq.notBefore && live.contains(q.getKey())) {
        send(q.getKey(), pq);
      }
    }
    lastBatch = null;
    lastBody = null;
  }

  private void send(String peer, PeerQueue pq) {
    List<ChangeEvent> batch = new ArrayList<>(Math.min(pq.pending.size(), config.batchMaxEntries));
    Iterator<ChangeEvent> it = pq.pending.values().iterator();
    while (it.hasNext() && batch.size() < config.batchMaxEntries) {
      batch.add(it.next());
      it.remove();
    }
    long oldest = Long.MAX_VALUE;
    for (ChangeEvent e : batch) {
      oldest = Math.min(oldest, Versions.millisOf(e.version()));
    }
    pq.inFlightOldest = oldest;
    pq.settle();
    byte[] body = encoded(batch);
    pq.inFlight = true;
    peers.peer(peer, HttpMethod.POST, "/distro/sync", Buffer.buffer(body), SYNC_TIMEOUT_MS)
        .onComplete(ar -> {
          pq.inFlight = false;
          pq.inFlightOldest = Long.MAX_VALUE;
          pq.settle();
          BatchResult o = ar.succeeded() ? classify(ar.result().statusCode()) : classify(ar.cause());
          if (o == BatchResult.OK) {
            pq.failures = 0;
            metrics.syncBatchesSent.increment();
            metrics.syncEntriesSent.add(batch.size());
            SyncReport.answered(metrics, cluster.self(), peer, "sync batch", answer(ar.result().body()));
            if (!pq.pending.isEmpty()) {
              context.runOnContext(v -> flush());
            }
            return;
          }
          metrics.syncFailures.increment();
          if (o == BatchResult.PERMANENT) {
            Object why = ar.succeeded() ? ar.result().statusCode() : ar.cause();
            SyncReport.WARNINGS.warn(LOG, cluster.self() + "|permanent|" + peer, () -> cluster.self() + ": sync to "
                + peer + " refused (" + why + "): batch of " + batch.size() + " dropped, verify will repair");
            return;
          }
          // back in front of what came since (oldest first), unless a newer change of the instance waits
          LinkedHashMap<String, ChangeEvent> since = new LinkedHashMap<>(pq.pending);
          pq.pending.clear();
          for (ChangeEvent e : batch) {
            String key = SyncCodec.key(e);
            if (!since.containsKey(key)) {
              pq.pending.put(key, e);
            }
          }
          pq.pending.putAll(since);
          pq.settle();
          pq.failures++;
          pq.notBefore = store.clock().monotonicMillis() + backoffMs(o, pq.failures);
        });
  }

  /**
   * The sync body of {@code batch}, encoded once for every peer of this flush that gets the same
   * changes in the same order (the usual case: every peer's queue received the same changes), not
   * once per peer.
   */
  private byte[] encoded(List<ChangeEvent> batch) {
    if (lastBatch != null && lastBatch.size() == batch.size()) {
      boolean same = true;
      for (int i = 0; i < batch.size() && same; i++) {
        same = lastBatch.get(i) == batch.get(i);
      }
      if (same) {
        return lastBody;
      }
    }
    encodes.increment();
    byte[] body = SyncCodec.syncBody(cluster.self(), batch, store).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    lastBatch = batch;
    lastBody = body;
    return body;
  }

  /** Flushes a lone change asked for, outside the window (tests). */
  long loneFlushes() {
    return loneFlushes.sum();
  }

  /** Sync bodies encoded (tests: one per flush when every peer gets the same batch). */
  long encodes() {
    return encodes.sum();
  }

  /**
   * How long a peer's queue waits after its {@code failures}-th failure in a row of class {@code o}:
   * doubling from 200 ms (800 ms for congestion: the peer said it is overloaded, or timed out), at
   * most {@link #MAX_BACKOFF_MS}.
   */
  static long backoffMs(BatchResult o, int failures) {
    long base = o == BatchResult.CONGESTION ? 400 : 100;
    return Math.min(MAX_BACKOFF_MS, base << Math.max(1, Math.min(failures, 10)));
  }

  /** A peer's JSON answer, or null when it sent none or not JSON. */
  static JsonNode answer(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      return Json.parse(body.getBytes());
    } catch (Exception e) {
      return null;
    }
  }

  static BatchResult classify(int status) {
    if (status >= 200 && status < 300) {
      return BatchResult.OK;
    }
    if (status == 503 || status == 429) {
      return BatchResult.CONGESTION;
    }
    return status >= 500 ? BatchResult.TRANSIENT : BatchResult.PERMANENT;
  }

  static BatchResult classify(Throwable t) {
    return PeerFailure.of(t) == PeerFailure.TIMEOUT
        ? BatchResult.CONGESTION : BatchResult.TRANSIENT;
  }

  /** Flushes until nothing is pending or {@code maxMs} passed (graceful shutdown). */
  Future<Void> drain(long maxMs) {
    Promise<Void> p = Promise.promise();
    long deadline = store.clock().monotonicMillis() + maxMs;
    flush();
    vertx.setPeriodic(20, id -> {
      flush();
      java.util.Set<String> live = new java.util.HashSet<>();
      cluster.livePeers().forEach(m -> live.add(m.address()));
      boolean idle = inbox.isEmpty() && queues.entrySet().stream()
          .allMatch(q -> !live.contains(q.getKey()) || q.getValue().pending.isEmpty() && !q.getValue().inFlight);
      if (idle || store.clock().monotonicMillis() > deadline) {
        vertx.cancelTimer(id);
        p.tryComplete();
      }
    });
    return p.future();
  }
}

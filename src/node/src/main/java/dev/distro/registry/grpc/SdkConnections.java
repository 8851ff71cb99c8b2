package dev.distro.registry.grpc;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The node's gRPC client connections, by id, shared by the gRPC verticles (one per event loop).
 * Bounded: a connection over {@link #maxConnections} is refused at once. Listeners hear of each
 * connection that closed, on the event loop that owned it.
 */
public final class SdkConnections {

  /** How long to wait for clients' answers to ConnectResetRequest when the node stops. */
  public static final long RESET_WAIT_MS = 2_000;

  private final int maxConnections;
  private final Map<String, SdkConnection> byId = new ConcurrentHashMap<>();
  /** By holder string, for the lease sweep's "is this connection live here" question. */
  private final Map<String, SdkConnection> byHolder = new ConcurrentHashMap<>();
  /**
   * Connections this node asked to move (ConnectResetRequest) that have closed since, with when
   * (monotonic ms): their instances stay listed while their clients register elsewhere, and are
   * then replaced there, or expire after the holder grace. Bounded by the connections held.
   */
  private final Map<String, Long> released = new ConcurrentHashMap<>();
  private final List<Consumer<SdkConnection>> closeListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong refused = new AtomicLong();
  /** Server-to-client request ids, node-wide (Nacos uses one incrementing counter too). */
  private final AtomicLong requestIds = new AtomicLong();
  private final LongSupplier monotonicMillis;
  private final long releaseKeepMs;

  /** Pushes sent, acknowledged, failed (no answer, or an error answer) and sent again after a failure. */
  public final LongAdder pushesSent = new LongAdder();
  public final LongAdder pushesAcked = new LongAdder();
  public final LongAdder pushesFailed = new LongAdder();
  /** Connections closed because the client did not answer a detection request. */
  public final LongAdder detectionsFailed = new LongAdder();
  /** Connections closed because they were never set up and stayed silent. */
  public final LongAdder idleClosed = new LongAdder();
  /** ConnectResetRequests sent (node stopping, or cut off from most members). */
  public final LongAdder resetsSent = new LongAdder();

  public SdkConnections(int maxConnections) {
    this(maxConnections, () -> System.nanoTime() / 1_000_000, 30_000);
  }

  /**
   * @param releaseKeepMs how long the instances of a connection this node asked to move stay
   *     listed after it closed (the holder grace)
   */
  public SdkConnections(int maxConnections, LongSupplier monotonicMillis, long releaseKeepMs) {
    this.maxConnections = maxConnections;
    this.monotonicMillis = monotonicMillis;
    this.releaseKeepMs = releaseKeepMs;
  }

  /** Adds {@code c} unless the node holds {@link #maxConnections} already. */
  boolean add(SdkConnection c) {
    if (byId.size() >= maxConnections) {
      refused.incrementAndGet();
      return false;
    }
    byId.put(c.id(), c);
    byHolder.put(c.holder(), c);
    return true;
  }

  void closed(SdkConnection c) {
    if (byId.remove(c.id(), c)) {
      byHolder.remove(c.holder(), c);
      if (c.resetByServer()) {
        long now = monotonicMillis.getAsLong();
        released.values().removeIf(at -> now - at > releaseKeepMs);
        released.put(c.holder(), now);
      }
      c.failPending("connection closed");
      for (Consumer<SdkConnection> l : closeListeners) {
        try {
          l.accept(c);
        } catch (RuntimeException e) {
          java.util.logging.Logger.getLogger(SdkConnections.class.getName())
              .log(java.util.logging.Level.WARNING, "close listener failed for " + c.id(), e);
        }
      }
    }
  }

  /**
   * Whether {@code holder} is a live connection of this node, or one it asked to move that closed
   * less than the holder grace ago (its client is registering elsewhere).
   */
  public boolean holds(String holder) {
    if (byHolder.containsKey(holder)) {
      return true;
    }
    Long at = released.get(holder);
    if (at == null) {
      return false;
    }
    if (monotonicMillis.getAsLong() - at > releaseKeepMs) {
      released.remove(holder, at);
      return false;
    }
    return true;
  }

  /** Whether {@code holder} is a live connection of this node (not one it asked to move that closed). */
  public boolean live(String holder) {
    return byHolder.containsKey(holder);
  }

  /** Called with each connection that closed (its instances go with it). */
  public void onClose(Consumer<SdkConnection> listener) {
    closeListeners.add(listener);
  }

  public SdkConnection get(String id) {
    return byId.get(id);
  }

  public Collection<SdkConnection> all() {
    return byId.values();
  }

  public int size() {
    return byId.size();
  }

  /** Connections refused for the limit, since start. */
  public long refused() {
    return refused.get();
  }

  String nextRequestId() {
    return Long.toString(requestIds.incrementAndGet());
  }

  /**
   * Asks every set-up connection to move to another node (ConnectResetRequest, on each one's event
   * loop); completes when all have answered or closed, or after {@code timeoutMs}. The instances of
   * a connection asked to move are not removed when it closes: its client registers them again on
   * the node it moves to, which replaces them without a gap for subscribers.
   */
  public Future<Void> resetAll(long timeoutMs) {
    List<Future<?>> answers = new ArrayList<>();
    for (SdkConnection c : byId.values()) {
      if (c.registered() && !c.resetByServer()) {
        answers.add(reset(c, timeoutMs));
      }
    }
    return Future.join(answers).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Sends one connection a ConnectResetRequest; completes with its answer, or failed. */
  Future<Void> reset(SdkConnection c, long timeoutMs) {
    Promise<Void> done = Promise.promise();
    c.context().runOnContext(v -> {
      c.markResetByServer();
      resetsSent.increment();
      String id = nextRequestId();
      c.request(id, Messages.connectReset(id), timeoutMs).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }
}

package dev.distro.registry.watch;

import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import io.vertx.core.Context;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The watch API's shared part: the {@link EventLog}, this process lifetime's epoch (a resume token
 * from another lifetime is refused with a reset), the limits, and one {@link WatchLoop} per event
 * loop that serves WebSockets. A change only wakes each loop (at most one pending wake-up per loop,
 * whatever the change rate): writers never wait for watchers.
 */
public final class WatchHub implements ChangeListener {

  /**
   * Limits and timings of the watch API.
   *
   * @param maxQueuedBytes per connection: frames queued and not yet written to its socket
   * @param budgetBytes node-wide: frames queued to all watchers together
   * @param slowCloseMs a connection whose queue stays full this long is closed (1013)
   * @param pressureCloseMs over half the budget, a connection holding its share that has not read
   *     for this long is closed (1013)
   */
  public record Limits(int maxSubscriptions, int maxFrameBytes, int maxQueuedBytes, int maxDirtyServices,
      long pingMs, long bookmarkMs, long slowCloseMs, int snapshotChunk, long budgetBytes, long pressureCloseMs) {

    /** The default node-wide budget: a sixteenth of the heap. */
    public static final long DEFAULT_BUDGET_BYTES = Math.max(64 * 1024, Runtime.getRuntime().maxMemory() / 16);

    public static final Limits DEFAULT = new Limits(64, 64 * 1024, 1024 * 1024, 10_000, 20_000, 10_000, 30_000, 500,
        DEFAULT_BUDGET_BYTES, 2_000);

    public Limits withBudgetBytes(long bytes) {
      return new Limits(maxSubscriptions, maxFrameBytes, maxQueuedBytes, maxDirtyServices, pingMs, bookmarkMs,
          slowCloseMs, snapshotChunk, bytes, pressureCloseMs);
    }
  }

  final String epoch;
  final EventLog log;
  final RegistryStore store;
  final Counters metrics;
  final Limits limits;
  final AtomicLong connections = new AtomicLong();
  final AtomicLong subscriptions = new AtomicLong();
  /** Bytes of frames queued to all watchers and not yet written to their sockets. */
  private final AtomicLong queuedBytes = new AtomicLong();
  private volatile boolean starved;
  /** Snapshot chunks encoded (each is sent to every subscription of its feed). */
  final java.util.concurrent.atomic.LongAdder snapshotChunks = new java.util.concurrent.atomic.LongAdder();
  /** Periodic passes of the loops (pings, bookmarks, slow-consumer checks); tests prove windows with it. */
  final java.util.concurrent.atomic.LongAdder loopTicks = new java.util.concurrent.atomic.LongAdder();
  private final List<WatchLoop> loops = new CopyOnWriteArrayList<>();

  public WatchHub(RegistryStore store, EventLog log, Counters metrics, Limits limits) {
    this.store = store;
    this.log = log;
    this.metrics = metrics;
    this.limits = limits;
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    this.epoch = sb.toString();
  }

  public String epoch() {
    return epoch;
  }

  public EventLog log() {
    return log;
  }

  public long connections() {
    return connections.get();
  }

  public long subscriptions() {
    return subscriptions.get();
  }

  /** Bytes queued to all watchers, not yet written to their sockets (at most about the budget). */
  public long queuedBytes() {
    return queuedBytes.get();
  }

  public long budgetBytes() {
    return limits.budgetBytes();
  }

  /**
   * Takes {@code n} bytes from the node-wide budget. Subscription frames are refused past the budget;
   * control frames (answers to the client) always pass, since each connection bounds them itself.
   */
  boolean reserve(long n, boolean control) {
    if (control) {
      queuedBytes.addAndGet(n);
      return true;
    }
    while (true) {
      long cur = queuedBytes.get();
      if (cur + n > limits.budgetBytes()) {
        return false;
      }
      if (queuedBytes.compareAndSet(cur, cur + n)) {
        return true;
      }
    }
  }

  /** Returns bytes to the budget; wakes the loops when a refused session may go on. */
  void release(long n) {
    long now = queuedBytes.addAndGet(-n);
    if (starved && now < limits.budgetBytes() / 2) {
      starved = false;
      for (WatchLoop l : loops) {
        l.wake();
      }
    }
  }

  /** A session was refused by the budget. */
  void starved() {
    starved = true;
  }

  /** Over half the budget is queued: connections that hold their share and do not read are closed. */
  boolean underPressure() {
    return queuedBytes.get() >= limits.budgetBytes() / 2;
  }

  /**
   * A connection's share of the budget: the per-connection bound, or less when many are open (half
   * the budget divided among them, so that the shares together leave half the budget free).
   */
  long share() {
    return Math.min(limits.maxQueuedBytes(), limits.budgetBytes() / 2 / Math.max(1, connections.get()));
  }

  /** Called by each HTTP verticle instance for its event loop. */
  public WatchLoop loop(Context context) {
    WatchLoop l = new WatchLoop(this, context);
    loops.add(l);
    return l;
  }

  void remove(WatchLoop l) {
    loops.remove(l);
  }

  @Override
  public void onChange(ChangeEvent event) {
    for (WatchLoop l : loops) {
      l.wake();
    }
  }
}

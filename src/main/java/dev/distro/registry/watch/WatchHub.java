package dev.distro.registry.watch;

import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.NodeMetrics;
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

  /** Limits and timings of the watch API. */
  public record Limits(int maxSubscriptions, int maxFrameBytes, int maxQueuedBytes, int maxDirtyServices,
      long pingMs, long bookmarkMs, long slowCloseMs, int snapshotChunk) {

    public static final Limits DEFAULT = new Limits(64, 64 * 1024, 1024 * 1024, 10_000, 20_000, 10_000, 30_000, 500);
  }

  final String epoch;
  final EventLog log;
  final RegistryStore store;
  final NodeMetrics metrics;
  final Limits limits;
  final AtomicLong connections = new AtomicLong();
  final AtomicLong subscriptions = new AtomicLong();
  private final List<WatchLoop> loops = new CopyOnWriteArrayList<>();

  public WatchHub(RegistryStore store, EventLog log, NodeMetrics metrics, Limits limits) {
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

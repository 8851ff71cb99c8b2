package dev.distro.registry.watch;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The watch sessions of one event loop, and everything done to them: delivering new changes when
 * woken, and once a second the keepalive pings, idle bookmarks and slow-consumer checks. Touched
 * only on its own context.
 */
public final class WatchLoop {

  private final WatchHub hub;
  private final Context context;
  private final Set<WatchSession> sessions = new LinkedHashSet<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** Sessions on this loop, readable from writers' threads: no session, no wake-up. */
  private final AtomicInteger open = new AtomicInteger();
  private final long timer;

  WatchLoop(WatchHub hub, Context context) {
    this.hub = hub;
    this.context = context;
    this.timer = context.owner().setPeriodic(1_000, id -> context.runOnContext(v -> tick()));
  }

  /** Accepts an upgraded WebSocket (on this loop) that may read every namespace. */
  public void accept(ServerWebSocket ws) {
    accept(ws, ns -> true);
  }

  /**
   * Accepts an upgraded WebSocket whose subscriptions are limited by {@code mayRead}: asked at each
   * subscribe with the filter's namespace, or null for an unfiltered subscription (every namespace).
   */
  public void accept(ServerWebSocket ws, Predicate<String> mayRead) {
    WatchSession s = new WatchSession(hub, this, ws, mayRead);
    sessions.add(s);
    open.incrementAndGet();
    hub.connections.incrementAndGet();
    hub.metrics.watchConnectionsOpened.increment();
    ws.closeHandler(v -> forget(s));
    s.start();
  }

  /** A session whose connection is closed (idempotent). */
  void forget(WatchSession s) {
    if (sessions.remove(s)) {
      open.decrementAndGet();
      hub.connections.decrementAndGet();
      s.closed();
    }
  }

  void wake() {
    if (open.get() > 0 && scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        scheduled.set(false);
        pump();
      });
    }
  }

  /** Runs {@code r} on this loop after {@code ms}. */
  void after(long ms, Runnable r) {
    context.owner().setTimer(ms, id -> context.runOnContext(v -> r.run()));
  }

  void pump() {
    boolean more = false;
    for (WatchSession s : new ArrayList<>(sessions)) {
      more |= s.drain();
    }
    if (more && scheduled.compareAndSet(false, true)) {
      // more to send: go on after the loop has handled its I/O (a task queued now could run before it)
      context.owner().setTimer(1, id -> {
        scheduled.set(false);
        pump();
      });
    }
  }

  private void tick() {
    hub.loopTicks.increment();
    long now = System.currentTimeMillis();
    for (WatchSession s : new ArrayList<>(sessions)) {
      s.tick(now);
    }
  }

  /** Tells every client to go elsewhere (close 1001 after a goaway frame); used on shutdown. */
  public void goAway() {
    context.owner().cancelTimer(timer);
    hub.remove(this);
    for (WatchSession s : new ArrayList<>(sessions)) {
      s.goAway();
    }
  }
}

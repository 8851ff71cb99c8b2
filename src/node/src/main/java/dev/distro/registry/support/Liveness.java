package dev.distro.registry.support;

import io.vertx.core.Context;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether the node's event loops still run: every verticle registers its context, and a 1 s timer
 * on each stamps the time. The liveness probe fails (with the loop's name and its silence) when a
 * stamp is older than {@link #STALE_MS}: a blocked event loop restarts the pod, a partition never
 * does (peers play no part here). Stamps are monotonic time, so a step of the wall clock (NTP, an
 * operator) neither fails the probe nor hides a stopped loop.
 */
public final class Liveness {

  public static final long STALE_MS = 5_000;

  private final Map<String, AtomicLong> stamps = new ConcurrentHashMap<>();
  private final LongSupplier monotonicMillis;

  public Liveness() {
    this(() -> System.nanoTime() / 1_000_000);
  }

  /** @param monotonicMillis elapsed time in ms (tests pass a fake) */
  public Liveness(LongSupplier monotonicMillis) {
    this.monotonicMillis = monotonicMillis;
  }

  /** Starts stamping on {@code context}'s event loop, under {@code name}. */
  public void watch(String name, Context context) {
    AtomicLong stamp = new AtomicLong(monotonicMillis.getAsLong());
    stamps.put(name + "@" + Integer.toHexString(System.identityHashCode(context)), stamp);
    context.owner().setPeriodic(1_000, id -> context.runOnContext(v -> stamp.set(monotonicMillis.getAsLong())));
  }

  /** The longest silence of a watched loop, in ms (about 1,000 when all is well). */
  public long maxSilenceMs() {
    long now = monotonicMillis.getAsLong();
    long max = 0;
    for (AtomicLong stamp : stamps.values()) {
      max = Math.max(max, now - stamp.get());
    }
    return max;
  }

  /** Null when every watched loop ticked recently, else why not. */
  public String problem() {
    long now = monotonicMillis.getAsLong();
    for (Map.Entry<String, AtomicLong> e : stamps.entrySet()) {
      long silent = now - e.getValue().get();
      if (silent > STALE_MS) {
        return "event loop of " + e.getKey() + " has not run for " + silent + " ms";
      }
    }
    return null;
  }
}

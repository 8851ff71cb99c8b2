package dev.distro.registry.node;

import io.vertx.core.Context;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the node's event loops still run: every verticle registers its context, and a 1 s timer
 * on each stamps the time. The liveness probe fails (with the loop's name and its silence) when a
 * stamp is older than {@link #STALE_MS}: a blocked event loop restarts the pod, a partition never
 * does (peers play no part here).
 */
public final class Liveness {

  public static final long STALE_MS = 5_000;

  private final Map<String, long[]> stamps = new ConcurrentHashMap<>();

  /** Starts stamping on {@code context}'s event loop, under {@code name}. */
  public void watch(String name, Context context) {
    long[] stamp = {System.currentTimeMillis()};
    stamps.put(name + "@" + Integer.toHexString(System.identityHashCode(context)), stamp);
    context.owner().setPeriodic(1_000, id -> context.runOnContext(v -> stamp[0] = System.currentTimeMillis()));
  }

  /** The longest silence of a watched loop, in ms (about 1,000 when all is well). */
  public long maxSilenceMs() {
    long now = System.currentTimeMillis();
    long max = 0;
    for (long[] stamp : stamps.values()) {
      max = Math.max(max, now - stamp[0]);
    }
    return max;
  }

  /** Null when every watched loop ticked recently, else why not. */
  public String problem() {
    long now = System.currentTimeMillis();
    for (Map.Entry<String, long[]> e : stamps.entrySet()) {
      long silent = now - e.getValue()[0];
      if (silent > STALE_MS) {
        return "event loop of " + e.getKey() + " has not run for " + silent + " ms";
      }
    }
    return null;
  }
}

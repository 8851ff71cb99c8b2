package dev.distro.registry.store;

import dev.distro.registry.model.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hybrid logical clock: versions are {@code wallMillis << 16 | counter}, strictly increasing on
 * this node, and never behind any version this node has observed from a peer. Two writes to the
 * same instance on different nodes are therefore ordered by wall time first and by causality when
 * one node has seen the other's write.
 */
public final class Versions {

  private static final int LOGICAL_BITS = 16;

  private final Clock clock;
  private final AtomicLong last = new AtomicLong();

  public Versions(Clock clock) {
    this.clock = clock;
  }

  public long next() {
    long physical = clock.millis() << LOGICAL_BITS;
    return last.accumulateAndGet(physical, (prev, p) -> Math.max(prev + 1, p));
  }

  /**
   * The hybrid clock's current millisecond without taking a version: the wall clock, or the
   * millisecond of the newest version issued or observed if that is ahead. Never goes backwards when
   * the wall clock steps back.
   */
  public long nowMillis() {
    return Math.max(clock.millis(), millisOf(last.get()));
  }

  /** Moves this clock past a version seen from elsewhere. */
  public void observe(long version) {
    last.accumulateAndGet(version, Math::max);
  }

  /** The smallest version stamped at wall-clock time {@code millis}. */
  public static long versionAt(long millis) {
    return Math.max(0, millis) << LOGICAL_BITS;
  }

  /** The wall-clock millisecond part of a version. */
  public static long millisOf(long version) {
    return version >>> LOGICAL_BITS;
  }
}

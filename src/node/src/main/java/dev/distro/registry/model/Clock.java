package dev.distro.registry.model;

/**
 * The node's two time sources, injected so that tests can move them by hand.
 *
 * <ul>
 *   <li>{@link #millis()}: wall-clock time. Only versions (through the hybrid clock), times shown to
 *       clients and clock-offset measurement read it; it may step (NTP) or disagree between members.
 *   <li>{@link #monotonicMillis()}: elapsed time on a clock that never steps. Leases, the TTL sweep,
 *       grace periods, backoffs and the liveness probe read only this, so a wall-clock step neither
 *       expires nor extends a lease.
 * </ul>
 */
public interface Clock {

  /** The JVM's clocks; monotonic time starts at 10^9 ms so that it is always positive. */
  Clock SYSTEM = new Clock() {
    private final long origin = System.nanoTime();

    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public long monotonicMillis() {
      return (System.nanoTime() - origin) / 1_000_000 + 1_000_000_000L;
    }
  };

  /** Wall-clock time, ms since the epoch. */
  long millis();

  /** Monotonic time in ms from an arbitrary origin: only differences mean anything. */
  long monotonicMillis();

  /** This clock with its wall time moved by {@code offsetMs} (monotonic time unchanged). */
  static Clock offset(Clock base, long offsetMs) {
    return new Clock() {
      @Override
      public long millis() {
        return base.millis() + offsetMs;
      }

      @Override
      public long monotonicMillis() {
        return base.monotonicMillis();
      }
    };
  }
}

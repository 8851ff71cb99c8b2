package dev.distro.registry.support;

import dev.distro.registry.model.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Warnings that may repeat every second (a peer whose clock is far ahead, a peer that refuses every
 * repair) logged at most once per interval and key; the next line logged under a key says how many
 * were held back since the last one. Keys must come from a bounded set (reason tags, member
 * addresses). Thread-safe without locks (it is called on event loops); time is the clock's
 * monotonic time.
 */
public final class LogThrottle {

  /** Default interval between two lines under one key. */
  public static final long DEFAULT_INTERVAL_MS = 10_000;

  private static final class Slot {
    final AtomicLong lastAt = new AtomicLong(Long.MIN_VALUE);
    final LongAdder suppressed = new LongAdder();
  }

  private final Clock clock;
  private final long intervalMs;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  public LogThrottle(Clock clock, long intervalMs) {
    this.clock = clock;
    this.intervalMs = intervalMs;
  }

  /**
   * Logs {@code message} at WARNING under {@code key} unless a line under that key was logged less
   * than the interval ago (then it is only counted).
   *
   * @return true when the line was logged
   */
  public boolean warn(Logger log, String key, Supplier<String> message) {
    return log(log, Level.WARNING, key, message);
  }

  public boolean log(Logger log, Level level, String key, Supplier<String> message) {
    if (!log.isLoggable(level)) {
      return false;
    }
    long now = clock.monotonicMillis();
    Slot s = slots.computeIfAbsent(key, k -> new Slot());
    // lock-free (callers run on event loops): of racing callers, the one whose compare-and-set wins logs
    long last = s.lastAt.get();
    if (last != Long.MIN_VALUE && now - last < intervalMs || !s.lastAt.compareAndSet(last, now)) {
      s.suppressed.increment();
      return false;
    }
    long held = s.suppressed.sumThenReset();
    log.log(level, held == 0 ? message.get()
        : message.get() + " (" + held + " similar message" + (held == 1 ? "" : "s") + " held back)");
    return true;
  }
}

package dev.distro.registry.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** At most one line per key and interval, on the monotonic clock; the next line counts those held back. */
class LogThrottleTest {

  final List<String> lines = new CopyOnWriteArrayList<>();
  final Logger log = Logger.getAnonymousLogger();

  LogThrottleTest() {
    log.setUseParentHandlers(false);
    log.addHandler(new Handler() {
      @Override
      public void publish(LogRecord r) {
        lines.add(r.getMessage());
      }

      @Override
      public void flush() { }

      @Override
      public void close() { }
    });
  }

  @Test
  void warn_oncePerIntervalAndKey_thenSaysHowManyWereHeldBack() {
    FakeClock clock = new FakeClock();
    LogThrottle t = new LogThrottle(clock, 10_000);
    assertTrue(t.warn(log, "k", () -> "first"));
    assertFalse(t.warn(log, "k", () -> "second"));
    assertTrue(t.warn(log, "other", () -> "another key"));
    clock.stepWall(Duration.ofHours(1));
    assertFalse(t.warn(log, "k", () -> "third"), "a wall step does not open the interval");
    clock.advance(Duration.ofMillis(9_999));
    assertFalse(t.warn(log, "k", () -> "fourth"));
    clock.advance(Duration.ofMillis(1));
    assertTrue(t.warn(log, "k", () -> "fifth"));
    assertEquals(List.of("first", "another key", "fifth (3 similar messages held back)"), lines);
  }
}

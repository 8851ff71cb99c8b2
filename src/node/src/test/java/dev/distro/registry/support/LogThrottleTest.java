package dev.distro.registry.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** At most one line per key and interval, on the monotonic clock; the next line counts those held back. */
class LogThrottleTest {

  final Logger log = Logger.getAnonymousLogger();
  final LogCapture capture = new LogCapture(log);

  LogThrottleTest() {
    log.setUseParentHandlers(false);
    capture.start();
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
    assertEquals(List.of("first", "another key", "fifth (3 similar messages held back)"),
        capture.records().stream().map(LogRecord::getMessage).toList());
  }
}

package dev.distro.registry.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A negative checked by {@link Poll#holdsFor} passes only if the rounds that could break it ran. */
class PollTest {

  static final Duration WINDOW = Duration.ofMillis(200);

  @Test
  void holdsFor_failsWhenNoRoundRan_evenThoughNothingWentWrong() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> Poll.holdsFor(WINDOW, Poll.rounds("sweeps", 1, () -> 7), () -> null));
    assertTrue(e.getMessage().contains("only 0 of the 1 sweeps"), e.getMessage());
  }

  @Test
  void holdsFor_failsWhenTooFewRoundsRan() {
    AtomicLong count = new AtomicLong();
    AssertionError e = assertThrows(AssertionError.class, () -> Poll.holdsFor(WINDOW,
        Poll.rounds("sweeps", 1_000_000, count::incrementAndGet), () -> null));
    assertTrue(e.getMessage().contains("proves nothing"), e.getMessage());
  }

  @Test
  void holdsFor_passesWhenRoundsRanAndNothingWentWrong() {
    AtomicLong rounds = new AtomicLong(); // one round per poll (every 20 ms)
    assertDoesNotThrow(() -> Poll.holdsFor(WINDOW, Poll.rounds("sweeps", 3, rounds::get), () -> {
      rounds.incrementAndGet();
      return null;
    }));
  }

  @Test
  void holdsFor_reportsTheViolation() {
    AtomicLong rounds = new AtomicLong();
    AssertionError e = assertThrows(AssertionError.class, () -> Poll.holdsFor(WINDOW,
        Poll.rounds("sweeps", 1, rounds::get), () -> rounds.incrementAndGet() > 3 ? "lost it" : null));
    assertTrue(e.getMessage().equals("lost it"), e.getMessage());
  }

  @Test
  void holdsFor_checksOnceMoreAfterTheWindow() {
    // the violation appears only when the window is over: the last check still sees it
    long end = System.nanoTime() + WINDOW.toNanos();
    AtomicLong count = new AtomicLong();
    AssertionError e = assertThrows(AssertionError.class, () -> Poll.holdsFor(WINDOW,
        Poll.rounds("sweeps", 1, count::incrementAndGet), () -> System.nanoTime() >= end ? "just after" : null));
    assertTrue(e.getMessage().equals("just after"), e.getMessage());
  }

  @Test
  void rounds_mustRequireAtLeastOne() {
    assertThrows(IllegalArgumentException.class, () -> Poll.rounds("sweeps", 0, () -> 0));
  }
}

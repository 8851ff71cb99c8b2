package dev.distro.registry.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes (never a fixed sleep). */
public final class Poll {

  private Poll() { }

  public static void until(Duration deadline, String what, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what);
      }
      pause();
    }
  }

  /** Checks that {@code condition} holds at every poll during {@code window}. */
  public static void holdsFor(Duration window, Supplier<String> violation) {
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end) {
      String v = violation.get();
      if (v != null) {
        throw new AssertionError(v);
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}

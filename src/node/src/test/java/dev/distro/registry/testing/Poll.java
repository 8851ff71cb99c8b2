package dev.distro.registry.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
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

  /**
   * The work that could break a property checked by {@link #holdsFor}: a counter of the rounds
   * (sweeps, verify rounds, sync batches) that would have made the violation happen, and how many
   * of them must run during the window for the check to mean anything.
   *
   * @param what the rounds, in words, for the failure message
   * @param atLeast how much {@code count} must advance during the window
   * @param count read before and after the window; only its increase matters
   */
  public record Rounds(String what, long atLeast, LongSupplier count) {

    public Rounds {
      if (atLeast < 1) {
        throw new IllegalArgumentException("a window must require at least one round: " + atLeast);
      }
    }
  }

  /** Shorthand for {@code new Rounds(what, atLeast, count)}. */
  public static Rounds rounds(String what, long atLeast, LongSupplier count) {
    return new Rounds(what, atLeast, count);
  }

  /**
   * Checks that {@code violation} returns null at every poll during {@code window}, and once more
   * after it, and that at least {@code rounds.atLeast()} of the rounds that would have caused a
   * violation ran meanwhile. A negative ("this must not happen") that held only because the work
   * that could break it never ran, or ran after the window, fails here instead of passing.
   */
  public static void holdsFor(Duration window, Rounds rounds, Supplier<String> violation) {
    long start = rounds.count().getAsLong();
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end) {
      check(violation);
      pause();
    }
    long ran = rounds.count().getAsLong() - start;
    check(violation);
    if (ran < rounds.atLeast()) {
      throw new AssertionError("only " + ran + " of the " + rounds.atLeast() + " " + rounds.what()
          + " needed ran during the " + window.toMillis() + " ms window: its check proves nothing");
    }
  }

  private static void check(Supplier<String> violation) {
    String v = violation.get();
    if (v != null) {
      throw new AssertionError(v);
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

package dev.distro.registry.node;

import io.vertx.core.Vertx;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the process does with a throwable nobody handled. An {@link Error} (an OutOfMemoryError, a
 * StackOverflowError, a linkage error...) thrown by a handler on an event loop, or on any other
 * thread, leaves the node in an unknown state: a loop may have lost a task half done and stay deaf
 * while the process looks alive. So the process writes one line and halts with
 * {@link #EXIT_STATUS} (no shutdown hooks: they could wait on the broken loops), and its supervisor
 * restarts it. Other exceptions are logged and the loop goes on, as Vert.x does by default.
 */
public final class FatalErrors {

  /** The exit status after a fatal error (EX_SOFTWARE). */
  public static final int EXIT_STATUS = 70;

  private static final Logger LOG = Logger.getLogger(FatalErrors.class.getName());

  /** Ends the process; {@code Runtime.getRuntime()::halt} in production. */
  @FunctionalInterface
  public interface Halt {
    void halt(int status);
  }

  private FatalErrors() { }

  /**
   * Installs the policy on {@code vertx}'s handlers and as the default for every thread.
   *
   * @param say writes one line straight to stderr (not through a logging framework that may need memory)
   */
  public static void install(Vertx vertx, Consumer<String> say, Halt halt) {
    vertx.exceptionHandler(t -> handle(Thread.currentThread(), t, say, halt));
    Thread.setDefaultUncaughtExceptionHandler((thread, t) -> handle(thread, t, say, halt));
  }

  static void handle(Thread thread, Throwable t, Consumer<String> say, Halt halt) {
    if (!(t instanceof Error)) {
      LOG.log(Level.SEVERE, "unhandled exception on " + thread.getName(), t);
      return;
    }
    try {
      say.accept("fatal " + t.getClass().getName() + " on thread " + thread.getName() + ": " + t.getMessage()
          + "; halting with status " + EXIT_STATUS);
    } catch (Throwable ignored) {
      // nothing more can be said: halt anyway
    }
    halt.halt(EXIT_STATUS);
  }
}

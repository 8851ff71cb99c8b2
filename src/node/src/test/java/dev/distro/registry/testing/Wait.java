package dev.distro.registry.testing;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits on a future from the JUnit thread with a bounded wait. */
public final class Wait {

  private Wait() { }

  public static <T> T on(Future<T> f) {
    return on(f, 20);
  }

  public static <T> T on(Future<T> f, int seconds) {
    try {
      return f.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + seconds + " s", e);
    }
  }
}

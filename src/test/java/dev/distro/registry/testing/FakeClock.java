package dev.distro.registry.testing;

import dev.distro.registry.model.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test advances it. */
public final class FakeClock implements Clock {

  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

  @Override
  public long millis() {
    return now.get();
  }

  public void advance(Duration d) {
    now.addAndGet(d.toMillis());
  }
}

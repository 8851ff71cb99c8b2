package dev.distro.registry.testing;

import dev.distro.registry.model.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test moves it. {@link #advance} lets time pass (wall and monotonic
 * together); {@link #stepWall} steps the wall clock alone, as NTP or an operator would.
 */
public final class FakeClock implements Clock {

  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final AtomicLong mono = new AtomicLong(5_000_000L);

  @Override
  public long millis() {
    return wall.get();
  }

  @Override
  public long monotonicMillis() {
    return mono.get();
  }

  public void advance(Duration d) {
    mono.addAndGet(d.toMillis());
    wall.addAndGet(d.toMillis());
  }

  /** Steps the wall clock by {@code d} (negative: back); monotonic time does not move. */
  public void stepWall(Duration d) {
    wall.addAndGet(d.toMillis());
  }
}

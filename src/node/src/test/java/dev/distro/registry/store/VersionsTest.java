package dev.distro.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The hybrid logical clock that stamps every change. */
class VersionsTest {

  final FakeClock clock = new FakeClock();
  final Versions versions = new Versions(clock);

  @Test
  void next_isStrictlyIncreasing_withinOneMillisecond() {
    long first = versions.next();
    assertEquals(Versions.versionAt(clock.millis()), first, "the first version of a millisecond is its smallest");
    long prev = first;
    for (int i = 0; i < 1_000; i++) {
      long v = versions.next();
      assertEquals(prev + 1, v, "the logical counter counts up");
      assertEquals(clock.millis(), Versions.millisOf(v));
      prev = v;
    }
  }

  @Test
  void next_followsTheWallClockForward() {
    long v1 = versions.next();
    clock.advance(Duration.ofMillis(250));
    long v2 = versions.next();
    assertEquals(Versions.versionAt(clock.millis()), v2, "the counter restarts in a new millisecond");
    assertTrue(v2 > v1);
  }

  @Test
  void next_staysMonotonic_whenTheWallClockStepsBack() {
    clock.advance(Duration.ofMillis(5));
    long before = versions.next();
    long nowBefore = versions.nowMillis();
    clock.stepWall(Duration.ofSeconds(-10));
    long after = versions.next();
    assertTrue(after > before, "a step back never issues an older version");
    assertEquals(Versions.millisOf(before), Versions.millisOf(after), "held at the newest millisecond issued");
    assertEquals(nowBefore, versions.nowMillis(), "the clock's now does not go back either");
    clock.stepWall(Duration.ofSeconds(10).plusMillis(1));
    assertEquals(Versions.versionAt(clock.millis()), versions.next(), "wall time ahead again: wall time wins");
  }

  @Test
  void observe_movesPastARemoteVersionAhead() {
    long remote = Versions.versionAt(clock.millis() + 60_000) + 17;
    versions.observe(remote);
    long v = versions.next();
    assertTrue(v > remote, "after seeing a write, every later write here orders after it");
    assertEquals(remote + 1, v);
    assertEquals(clock.millis() + 60_000, versions.nowMillis(), "now is the newest millisecond seen");
  }

  @Test
  void observe_ignoresARemoteVersionBehind() {
    long mine = versions.next();
    versions.observe(mine - 1_000);
    versions.observe(0);
    assertEquals(mine + 1, versions.next());
    assertEquals(clock.millis(), versions.nowMillis());
  }

  @Test
  void twoNodes_causalWritesOrder_andOtherwiseWallTimeOrders() {
    FakeClock otherClock = new FakeClock();
    otherClock.stepWall(Duration.ofSeconds(-30)); // b's wall clock is 30 s behind a's
    Versions b = new Versions(otherClock);
    long fromA = versions.next();
    long independent = b.next();
    assertTrue(independent < fromA, "without causality the earlier wall time orders first");
    b.observe(fromA); // b receives a's write (sync), then writes the same instance
    long reply = b.next();
    assertTrue(reply > fromA, "a write made after seeing another orders after it, whatever the clocks say");
    versions.observe(reply);
    assertTrue(versions.next() > reply, "and the merge carries back");
  }

  @Test
  void counterOverflow_carriesIntoTheNextMillisecond_stillMonotonic() {
    long prev = versions.next();
    for (int i = 0; i < 70_000; i++) { // more versions than the 16-bit counter holds in one ms
      long v = versions.next();
      assertTrue(v > prev);
      prev = v;
    }
    assertEquals(clock.millis() + 1, Versions.millisOf(prev), "borrowed from the next millisecond");
    assertEquals(clock.millis() + 1, versions.nowMillis());
  }

  @Test
  void versionAt_andMillisOf_roundTrip_andClampNegatives() {
    assertEquals(1_700_000_000_123L, Versions.millisOf(Versions.versionAt(1_700_000_000_123L)));
    assertEquals(0, Versions.versionAt(-5));
    assertTrue(Versions.versionAt(2) > Versions.versionAt(1) + 60_000, "room for 65,536 versions per ms");
  }

  @Test
  void next_fromManyThreads_neverRepeats() throws Exception {
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          seen.add(versions.next());
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(80_000, seen.size());
    assertEquals(80_000, new HashSet<>(seen).size());
  }
}

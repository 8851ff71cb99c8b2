package dev.distro.registry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.FakeClock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lease sweep's timing wheel on its own: filing, constant-time removal, due order, size. */
class ExpiryQueueTest {

  static final long TICK = 100;
  final RegistryStore store = new RegistryStore(new FakeClock());
  final ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "wheel");
  final ExpiryQueue queue = new ExpiryQueue(TICK);
  int next;

  Registration reg() {
    String ip = "10." + (next >> 16 & 255) + "." + (next >> 8 & 255) + "." + (next & 255);
    next++;
    store.register(new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), 0));
    return store.find(svc, ip + "#80#DEFAULT");
  }

  @Test
  void schedule_roundsUpToTheTick_andIsDueFromThenOn() {
    Registration r = reg();
    queue.schedule(r, 1_001);
    assertEquals(1_100, queue.dueAt(r), "rounded up, never early");
    assertNull(queue.pollDue(1_099));
    assertEquals(List.of(r), queue.pollDue(1_100));
    Registration exact = reg();
    queue.schedule(exact, 1_200);
    assertEquals(1_200, queue.dueAt(exact), "a time on the tick stays where it is");
  }

  @Test
  void pollDue_returnsBucketsInDueOrder_andOnlyDueOnes() {
    Registration late = reg();
    Registration early = reg();
    Registration middle = reg();
    queue.schedule(late, 5_000);
    queue.schedule(early, 1_000);
    queue.schedule(middle, 3_000);
    assertEquals(List.of(early), queue.pollDue(10_000));
    assertEquals(List.of(middle), queue.pollDue(10_000));
    assertEquals(List.of(late), queue.pollDue(10_000));
    assertNull(queue.pollDue(10_000));
    assertEquals(0, queue.size());
  }

  @Test
  void pollDue_unfilesWhatItReturns() {
    Registration a = reg();
    Registration b = reg();
    queue.schedule(a, 1_000);
    queue.schedule(b, 1_000);
    List<Registration> due = queue.pollDue(1_000);
    assertEquals(Set.of(a, b), new HashSet<>(due));
    assertEquals(-1, queue.dueAt(a));
    assertEquals(-1, queue.dueAt(b));
    assertFalse(queue.remove(a), "no longer filed");
    assertEquals(0, queue.size());
  }

  @Test
  void schedule_again_movesTheRegistration() {
    Registration r = reg();
    queue.schedule(r, 1_000);
    queue.schedule(r, 9_000);
    assertEquals(1, queue.size(), "filed once");
    assertEquals(9_000, queue.dueAt(r));
    assertNull(queue.pollDue(8_999), "nothing left at the old deadline");
    queue.schedule(r, 500);
    assertEquals(List.of(r), queue.pollDue(500), "moved earlier too");
  }

  @Test
  void remove_takesOutOnlyThatRegistration_andMovesAtMostOneOther() {
    List<Registration> bucket = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Registration r = reg();
      bucket.add(r);
      queue.schedule(r, 2_000);
    }
    int[] before = bucket.stream().mapToInt(Registration::wheelIndex).toArray();
    Registration gone = bucket.get(1);
    assertTrue(queue.remove(gone));
    assertFalse(queue.remove(gone), "removed once");
    assertEquals(-1, gone.wheelIndex());
    assertEquals(4, queue.size());
    int moved = 0;
    for (int i = 0; i < bucket.size(); i++) {
      Registration r = bucket.get(i);
      if (r != gone && r.wheelIndex() != before[i]) {
        moved++;
        assertSame(bucket.get(4), r, "only the last one fills the hole");
        assertEquals(before[1], r.wheelIndex());
      }
    }
    assertEquals(1, moved, "constant work: one registration moved, none shifted");
    List<Registration> due = queue.pollDue(2_000);
    assertEquals(4, due.size());
    assertFalse(due.contains(gone));
  }

  @Test
  void remove_theLastOfABucket_dropsTheBucket() {
    Registration r = reg();
    Registration later = reg();
    queue.schedule(r, 1_000);
    queue.schedule(later, 2_000);
    assertTrue(queue.remove(r));
    assertEquals(List.of(later), queue.pollDue(5_000), "the empty bucket is gone, not returned empty");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void remove_fromOneHugeBucket_isConstantTimeEach() {
    // 200,000 removals from one bucket: with a shifting remove (ArrayList.remove(i) plus renumbering
    // the tail) this is 2 * 10^10 moves, tens of seconds; swap-with-last takes milliseconds.
    List<Registration> all = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      Registration r = reg();
      all.add(r);
      queue.schedule(r, 1_000);
    }
    long t0 = System.nanoTime();
    for (Registration r : all) { // from the front: the worst case for a shifting remove
      assertTrue(queue.remove(r));
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(0, queue.size());
    assertNull(queue.pollDue(Long.MAX_VALUE / 2));
    assertTrue(ms < 3_000, "200,000 removals took " + ms + " ms");
  }

  @Test
  void remove_refusesAWheelPlaceThatIsOutOfStep() {
    Registration r = reg();
    queue.schedule(r, 1_000);
    r.wheelPlace(r.wheelSlot(), 7);
    assertThrows(IllegalStateException.class, () -> queue.remove(r));
  }

  @Test
  void requeue_filesTheUnprocessedTailAsDueNow() {
    List<Registration> regs = List.of(reg(), reg(), reg(), reg());
    regs.forEach(r -> queue.schedule(r, 1_000));
    ArrayList<Registration> due = queue.pollDue(1_000);
    assertEquals(0, queue.size());
    queue.requeue(due, 1, 1_000);
    assertEquals(3, queue.size(), "all but the first, which was handled");
    assertEquals(-1, queue.dueAt(due.get(0)));
    assertEquals(new HashSet<>(due.subList(1, 4)), new HashSet<>(queue.pollDue(1_000)), "due at once");
  }

  @Test
  void size_followsEveryOperation() {
    Registration a = reg();
    Registration b = reg();
    Registration c = reg();
    assertEquals(0, queue.size());
    queue.schedule(a, 100);
    queue.schedule(b, 200);
    queue.schedule(c, 200);
    assertEquals(3, queue.size());
    queue.schedule(a, 300);
    assertEquals(3, queue.size(), "moving does not count twice");
    queue.remove(b);
    assertEquals(2, queue.size());
    queue.pollDue(200);
    assertEquals(1, queue.size());
    queue.pollDue(300);
    assertEquals(0, queue.size());
  }
}

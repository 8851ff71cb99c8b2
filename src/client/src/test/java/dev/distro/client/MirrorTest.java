package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cache's writes: only real changes are reported, with the whole list before and after. */
class MirrorTest {

  static final ServiceKey A = ServiceKey.of("a");

  static Instance inst(String ip, double weight) {
    return new Instance(A, "DEFAULT", ip, 80, weight, true, true, Map.of("k", "v"), 7);
  }

  @Test
  void putOfAnEqualInstance_changesNothing_putOfAnotherWeight_isAModification() {
    Mirror m = new Mirror();
    ServiceChange added = m.put(inst("10.0.0.2", 1));
    assertEquals(List.of(), added.before());
    assertEquals(List.of(inst("10.0.0.2", 1)), added.after());
    assertNull(m.put(inst("10.0.0.2", 1)), "an event repeating the snapshot changes nothing");
    ServiceChange modified = m.put(inst("10.0.0.2", 2));
    assertEquals(List.of(inst("10.0.0.2", 2)), modified.modified());
    assertEquals(List.of(), modified.added());
    assertEquals(List.of(), modified.removed());
  }

  @Test
  void replace_reportsOnlyADifferentList_andKeepsItSorted() {
    Mirror m = new Mirror();
    m.replace(A, List.of(inst("10.0.0.9", 1), inst("10.0.0.1", 1)));
    assertEquals(List.of(inst("10.0.0.1", 1), inst("10.0.0.9", 1)), m.get(A));
    assertNull(m.replace(A, List.of(inst("10.0.0.1", 1), inst("10.0.0.9", 1))));
    ServiceChange c = m.replace(A, List.of(inst("10.0.0.1", 1), inst("10.0.0.5", 1)));
    assertEquals(List.of(inst("10.0.0.5", 1)), c.added());
    assertEquals(List.of(inst("10.0.0.9", 1)), c.removed());
  }

  @Test
  void removeOfAnAbsentInstance_changesNothing_andAnEmptiedServiceLeaves() {
    Mirror m = new Mirror();
    assertNull(m.remove(inst("10.0.0.1", 1)));
    m.put(inst("10.0.0.1", 1));
    ServiceChange c = m.remove(inst("10.0.0.1", 3));
    assertEquals(List.of(), c.after());
    assertEquals(0, m.serviceCount());
  }
}

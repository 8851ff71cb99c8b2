package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  static List<String> members(int n) {
    List<String> m = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      m.add("10.0.0." + (i + 1) + ":8848");
    }
    return m;
  }

  static Map<String, String> owners(Rendezvous r, int keys) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      String ip = "172.16." + (i / 250) + "." + (i % 250);
      out.put(ip, r.ownerOf(ip, 8080));
    }
    return out;
  }

  @Test
  void removingOneMember_movesOnlyItsKeys() {
    for (int n = 2; n <= 7; n++) {
      List<String> all = members(n);
      Map<String, String> before = owners(new Rendezvous(all), 20_000);
      for (String leaving : all) {
        List<String> rest = new ArrayList<>(all);
        rest.remove(leaving);
        Map<String, String> after = owners(new Rendezvous(rest), 20_000);
        for (Map.Entry<String, String> e : before.entrySet()) {
          if (!e.getValue().equals(leaving)) {
            assertEquals(e.getValue(), after.get(e.getKey()), "key " + e.getKey() + " moved though its owner stayed");
          }
        }
      }
    }
  }

  @Test
  void addingOneMember_takesOnlyKeysItNowOwns() {
    List<String> five = members(5);
    Map<String, String> before = owners(new Rendezvous(five.subList(0, 4)), 20_000);
    Map<String, String> after = owners(new Rendezvous(five), 20_000);
    int moved = 0;
    for (Map.Entry<String, String> e : before.entrySet()) {
      if (!e.getValue().equals(after.get(e.getKey()))) {
        assertEquals(five.get(4), after.get(e.getKey()));
        moved++;
      }
    }
    assertTrue(moved > 20_000 / 5 * 0.8 && moved < 20_000 / 5 * 1.2, "about a fifth moved: " + moved);
  }

  @Test
  void sameOwner_whateverTheListOrder_andBalanced() {
    List<String> m = members(3);
    List<String> shuffled = new ArrayList<>(m);
    Collections.reverse(shuffled);
    Map<String, String> a = owners(new Rendezvous(m), 30_000);
    assertEquals(a, owners(new Rendezvous(shuffled), 30_000));
    Map<String, Integer> counts = new HashMap<>();
    a.values().forEach(o -> counts.merge(o, 1, Integer::sum));
    for (int c : counts.values()) {
      assertTrue(c > 9_000 && c < 11_000, "balanced: " + counts);
    }
  }

  /** Values computed before the hash moved to one class: ownership must not change across releases. */
  @Test
  void hashesAndOwners_pinned() {
    assertEquals(0x68b06bb7b45cb70aL, Rendezvous.keyHash("10.0.0.1", 8080));
    assertEquals(0x2cd8f069d4984891L, Rendezvous.keyHash("fe80::1", 0));
    assertEquals(0x66e6a9d363ca50f4L, Rendezvous.keyHash("", 65535));
    Rendezvous r = new Rendezvous(members(5));
    List<String> expected = List.of("10.0.0.4:8848", "10.0.0.3:8848", "10.0.0.2:8848", "10.0.0.4:8848",
        "10.0.0.1:8848", "10.0.0.5:8848", "10.0.0.1:8848", "10.0.0.3:8848", "10.0.0.1:8848", "10.0.0.2:8848");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), r.ownerOf("172.16.0." + i, 8080), "owner of 172.16.0." + i);
    }
  }

  /** A cached answer is read back only by the ring that made it; nothing cached reads as none. */
  @Test
  void cachedOwner_isValidForItsRingOnly() {
    Rendezvous a = new Rendezvous(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848"));
    Rendezvous same = new Rendezvous(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848"));
    for (int port = 1; port < 200; port++) {
      int index = a.ownerIndexOf("192.168.0.9", port);
      assertEquals(a.ownerOf("192.168.0.9", port), a.memberAt(index));
      int slot = a.slot(index);
      assertTrue(slot != 0);
      assertEquals(index, a.indexIn(slot));
      assertEquals(-1, same.indexIn(slot), "another ring, even with the same members, recomputes");
    }
    assertEquals(-1, a.indexIn(0));
    assertEquals(0, a.slot(-1), "no owner (an empty ring) is not cached");
    assertEquals(-1, new Rendezvous(List.of()).ownerIndexOf("192.168.0.9", 80));
  }
}

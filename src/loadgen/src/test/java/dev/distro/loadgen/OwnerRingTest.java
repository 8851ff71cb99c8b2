package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.cluster.Rendezvous;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The generator's copy of the ownership rule gives the node's answers: its pinned ones, and any other. */
class OwnerRingTest {

  @Test
  void keyHashesAreTheNodes() {
    assertEquals(0x68b06bb7b45cb70aL, OwnerRing.keyHash("10.0.0.1", 8080));
    assertEquals(0x2cd8f069d4984891L, OwnerRing.keyHash("fe80::1", 0));
    assertEquals(0x66e6a9d363ca50f4L, OwnerRing.keyHash("", 65535));
  }

  @Test
  void ownersAreTheNodes() {
    OwnerRing r = new OwnerRing(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848", "10.0.0.4:8848",
        "10.0.0.5:8848"));
    List<String> expected = List.of("10.0.0.4:8848", "10.0.0.3:8848", "10.0.0.2:8848", "10.0.0.4:8848",
        "10.0.0.1:8848", "10.0.0.5:8848", "10.0.0.1:8848", "10.0.0.3:8848", "10.0.0.1:8848", "10.0.0.2:8848");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), r.ownerOf("172.16.0." + i, 8080), "owner of 172.16.0." + i);
    }
  }

  @Test
  void agreesWithTheNodesRing() {
    Random random = new Random(7);
    for (int n = 1; n <= 5; n++) {
      List<String> members = new java.util.ArrayList<>();
      for (int m = 0; m < n; m++) {
        members.add("127.0.0." + (1 + random.nextInt(3)) + ":" + (8000 + random.nextInt(2000)));
      }
      OwnerRing mine = new OwnerRing(members);
      Rendezvous node = new Rendezvous(members);
      for (int i = 0; i < 5_000; i++) {
        String ip = LoadGenerator.ip(random.nextInt(1 << 24));
        int port = random.nextInt(65_536);
        assertEquals(node.ownerOf(ip, port), mine.ownerOf(ip, port), ip + ":" + port + " on " + members);
      }
    }
  }

  @Test
  void orderOfTheListDoesNotMatter() {
    OwnerRing a = new OwnerRing(List.of("a:1", "b:2", "c:3"));
    OwnerRing b = new OwnerRing(List.of("c:3", "a:1", "b:2"));
    for (int i = 0; i < 1000; i++) {
      assertEquals(a.ownerOf("10.1.0." + (i % 250), i), b.ownerOf("10.1.0." + (i % 250), i));
    }
  }
}

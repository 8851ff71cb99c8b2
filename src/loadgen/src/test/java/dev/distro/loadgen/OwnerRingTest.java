package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.cluster.Rendezvous;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The generator's copy of the ownership rule gives the node's answers ({@link Rendezvous}, whose
 * values {@code RendezvousTest} pins): on the node's pinned ring and addresses, and on any other.
 */
class OwnerRingTest {

  @Test
  void keyHashesAreTheNodes() {
    Random random = new Random(3);
    List<String> ips = new ArrayList<>(List.of("10.0.0.1", "fe80::1", ""));
    for (int i = 0; i < 1_000; i++) {
      ips.add(LoadGenerator.ip(random.nextInt(1 << 24)));
    }
    for (String ip : ips) {
      for (int port : new int[] {0, 1, 8080, 65535}) {
        assertEquals(Rendezvous.keyHash(ip, port), OwnerRing.keyHash(ip, port), ip + ":" + port);
      }
    }
  }

  @Test
  void agreesWithTheNodesRing() {
    Random random = new Random(7);
    List<List<String>> rings = new ArrayList<>();
    // the ring RendezvousTest pins its owners on, and random ones of one to five members
    rings.add(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848", "10.0.0.4:8848", "10.0.0.5:8848"));
    for (int n = 1; n <= 5; n++) {
      List<String> members = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        members.add("127.0.0." + (1 + random.nextInt(3)) + ":" + (8000 + random.nextInt(2000)));
      }
      rings.add(members);
    }
    for (List<String> members : rings) {
      OwnerRing mine = new OwnerRing(members);
      Rendezvous node = new Rendezvous(members);
      for (int i = 0; i < 10; i++) {
        assertEquals(node.ownerOf("172.16.0." + i, 8080), mine.ownerOf("172.16.0." + i, 8080), "172.16.0." + i);
      }
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

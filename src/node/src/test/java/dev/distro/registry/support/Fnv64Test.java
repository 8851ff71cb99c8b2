package dev.distro.registry.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Values computed by the loops Rendezvous and Digests had before this class: they must not change. */
class Fnv64Test {

  @Test
  void hash_pinned() {
    assertEquals(0xefd01f60ba992926L, Fnv64.hash(""));
    assertEquals(0xea8a3900a12f3accL, Fnv64.hash("10.0.0.1:8848"));
    assertEquals(0xed04d8e069c6edb7L, Fnv64.hash("[::1]:8848"));
    assertEquals(0x4f3320c1d6635307L, Fnv64.hash("\u00e9\u4e2d"));
  }

  @Test
  void mix_pinned() {
    assertEquals(0L, Fnv64.mix(0));
    assertEquals(0xb456bcfc34c2cb2cL, Fnv64.mix(1));
    assertEquals(0x64b5720b4b825f21L, Fnv64.mix(-1));
  }

  @Test
  void addDigits_equalsAddingTheDecimalString() {
    for (int n : new int[] {0, 7, 9, 10, 99, 100, 8080, 65535, Integer.MAX_VALUE}) {
      assertEquals(Fnv64.add(Fnv64.OFFSET, Integer.toString(n)), Fnv64.addDigits(Fnv64.OFFSET, n), "n=" + n);
    }
  }
}

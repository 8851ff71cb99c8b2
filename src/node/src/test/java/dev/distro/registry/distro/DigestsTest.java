package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Digest values computed before the hash moved to one class: members running different releases
 * compare digests, so a changed value would make every bucket mismatch.
 */
class DigestsTest {

  static Instance instance(ServiceKey s, String cluster, String ip, int port, long version) {
    return new Instance(s, cluster, ip, port, 1.0, true, true, true, Map.of(), version);
  }

  @Test
  void keyHash_bucket_entryHash_pinned() {
    ServiceKey orders = new ServiceKey("public", "DEFAULT_GROUP", "orders");
    ServiceKey svc = new ServiceKey("ns-1", "g", "svc");
    Object[][] rows = {
        {instance(orders, "DEFAULT", "10.1.2.3", 8080, 42L), 0xa3380541bffb53f5L, 245, 0xe6cd694f2277af49L},
        {instance(svc, "c1", "fe80::1", 0, 1L << 40), 0x2a967347a5b62f72L, 114, 0xb26b4a810628ef98L},
        {instance(svc, "c1", "192.168.0.9", 65535, 7L), 0x04cd1ca4970ccc5eL, 94, 0x8b5a1cbd9ddf3729L},
    };
    for (Object[] row : rows) {
      Instance i = (Instance) row[0];
      assertEquals((long) row[1], Digests.keyHash(i), i.globalKey());
      assertEquals((long) row[1], Digests.keyHash(i.globalKey()), i.globalKey());
      assertEquals((int) row[2], Digests.bucketOf(i), i.globalKey());
      assertEquals((int) row[2], Digests.bucketOf(i.globalKey()), i.globalKey());
      assertEquals((long) row[3], Digests.entryHash(i), i.globalKey());
    }
  }

  @Test
  void combine_pinned() {
    long[] buckets = new long[Digests.BUCKETS];
    assertEquals(0xe0a6112ee1125bd2L, Digests.combine(buckets));
    for (int k = 0; k < buckets.length; k++) {
      buckets[k] = k * 31L - 7;
    }
    assertEquals(0x6f16729ddaaab0e7L, Digests.combine(buckets));
  }
}

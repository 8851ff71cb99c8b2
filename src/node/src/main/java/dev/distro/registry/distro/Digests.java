package dev.distro.registry.distro;

import dev.distro.registry.model.Instance;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Scan;
import dev.distro.registry.support.Fnv64;
import java.util.function.Predicate;

/**
 * Verify digests: the instances an owner is responsible for, split into {@link #BUCKETS} fixed
 * buckets by the hash of their global key; a bucket's digest is the sum of its entries' hashes of
 * (key, version). The message is {@code BUCKETS} numbers whatever the number of instances, and a
 * difference names the buckets to repair. Hashing walks the key's parts without building the key.
 */
public final class Digests {

  public static final int BUCKETS = 256;

  private Digests() { }

  /** FNV-1a of {@link Instance#globalKey()}, computed piecewise. */
  public static long keyHash(Instance i) {
    long h = Fnv64.add(Fnv64.OFFSET, i.service().namespace());
    h = Fnv64.add(h, "##");
    h = Fnv64.add(h, i.service().groupedName());
    h = Fnv64.add(h, "#");
    h = Fnv64.add(h, i.ip());
    h = Fnv64.add(h, "#");
    h = Fnv64.addDigits(h, i.port());
    h = Fnv64.add(h, "#");
    return Fnv64.mix(Fnv64.add(h, i.cluster()));
  }

  /** FNV-1a of a global key string: equal to {@link #keyHash(Instance)} for the same instance. */
  public static long keyHash(String globalKey) {
    return Fnv64.mix(Fnv64.add(Fnv64.OFFSET, globalKey));
  }

  public static int bucketOf(Instance i) {
    return (int) Long.remainderUnsigned(keyHash(i), BUCKETS);
  }

  public static int bucketOf(String globalKey) {
    return (int) Long.remainderUnsigned(keyHash(globalKey), BUCKETS);
  }

  static long entryHash(Instance i) {
    return Fnv64.mix(keyHash(i) ^ Fnv64.mix(i.version()));
  }

  /** Digests over the instances for which {@code owned} holds. O(instances); run off the event loop. */
  public static long[] compute(RegistryStore store, Predicate<Instance> owned) {
    long[] d = new long[BUCKETS];
    Scan.registrations(store, r -> {
      Instance i = r.instance();
      if (owned.test(i)) {
        d[bucketOf(i)] += entryHash(i);
      }
    });
    return d;
  }

  /**
   * One 64-bit value for a whole digest array: the buckets folded in order through
   * {@link Fnv64#mix}. Equal arrays give equal values, and any bucket's change changes it.
   */
  public static long combine(long[] buckets) {
    long h = BUCKETS;
    for (long b : buckets) {
      h = Fnv64.mix(h * Fnv64.PRIME + b);
    }
    return h;
  }
}

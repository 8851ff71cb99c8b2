package dev.distro.registry.distro;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import java.util.function.Predicate;

/**
 * Verify digests: the instances an owner is responsible for, split into {@link #BUCKETS} fixed
 * buckets by the hash of their global key; a bucket's digest is the sum of its entries' hashes of
 * (key, version). The message is {@code BUCKETS} numbers whatever the number of instances, and a
 * difference names the buckets to repair. Hashing walks the key's parts without building the key.
 */
public final class Digests {

  public static final int BUCKETS = 256;
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Digests() { }

  /** FNV-1a of {@link Instance#globalKey()}, computed piecewise. */
  public static long keyHash(Instance i) {
    long h = fnv(FNV_OFFSET, i.service().namespace());
    h = fnv(h, "##");
    h = fnv(h, i.service().groupedName());
    h = fnv(h, "#");
    h = fnv(h, i.ip());
    h = fnv(h, "#");
    h = fnvDigits(h, i.port());
    h = fnv(h, "#");
    return Rendezvous.mix(fnv(h, i.cluster()));
  }

  /** FNV-1a of a global key string: equal to {@link #keyHash(Instance)} for the same instance. */
  public static long keyHash(String globalKey) {
    return Rendezvous.mix(fnv(FNV_OFFSET, globalKey));
  }

  public static int bucketOf(Instance i) {
    return (int) Long.remainderUnsigned(keyHash(i), BUCKETS);
  }

  public static int bucketOf(String globalKey) {
    return (int) Long.remainderUnsigned(keyHash(globalKey), BUCKETS);
  }

  static long entryHash(Instance i) {
    return Rendezvous.mix(keyHash(i) ^ Rendezvous.mix(i.version()));
  }

  /** Digests over the instances for which {@code owned} holds. O(instances); run off the event loop. */
  public static long[] compute(RegistryStore store, Predicate<Instance> owned) {
    long[] d = new long[BUCKETS];
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        Instance i = r.instance();
        if (owned.test(i)) {
          d[bucketOf(i)] += entryHash(i);
        }
      }
    }
    return d;
  }

  /**
   * One 64-bit value for a whole digest array: the buckets folded in order through
   * {@link Rendezvous#mix}. Equal arrays give equal values, and any bucket's change changes it.
   */
  public static long combine(long[] buckets) {
    long h = BUCKETS;
    for (long b : buckets) {
      h = Rendezvous.mix(h * FNV_PRIME + b);
    }
    return h;
  }

  private static long fnv(long h, String s) {
    for (int k = 0; k < s.length(); k++) {
      h = (h ^ s.charAt(k)) * FNV_PRIME;
    }
    return h;
  }

  private static long fnvDigits(long h, int n) {
    int div = 1;
    while (n / div >= 10) {
      div *= 10;
    }
    for (; div > 0; div /= 10) {
      h = (h ^ ('0' + (n / div) % 10)) * FNV_PRIME;
    }
    return h;
  }
}

package dev.distro.registry.distro;

import dev.distro.registry.model.Instance;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Tombstone;
import dev.distro.registry.store.Versions;
import dev.distro.registry.store.Scan;
import dev.distro.registry.support.Fnv64;
import java.util.HashMap;
import java.util.Map;
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

  /** {@link #bucketOf(Instance)} from the registration's cached key hash. */
  public static int bucketOf(Registration r) {
    return (int) Long.remainderUnsigned(r.keyHash(Digests::keyHash), BUCKETS);
  }

  public static int bucketOf(String globalKey) {
    return (int) Long.remainderUnsigned(keyHash(globalKey), BUCKETS);
  }

  static long entryHash(Instance i) {
    return entryHash(keyHash(i), i.version());
  }

  static long entryHash(long keyHash, long version) {
    return Fnv64.mix(keyHash ^ Fnv64.mix(version));
  }

  /** Digests over the instances for which {@code owned} holds, all versions. O(instances). */
  public static long[] compute(RegistryStore store, Predicate<Instance> owned) {
    long[] d = new long[BUCKETS];
    Scan.registrations(store, r -> {
      Instance i = r.instance();
      if (owned.test(i)) {
        long k = r.keyHash(Digests::keyHash);
        d[(int) Long.remainderUnsigned(k, BUCKETS)] += entryHash(k, i.version());
      }
    });
    return d;
  }

  /** Who owns an entry, by name: its holder's member, or its address's member on a ring; null: nobody counted. */
  @FunctionalInterface
  public interface OwnerOf {
    String of(String ip, int port, String holderNode);

    /** The same for a registration (an implementation may keep its answer on it). */
    default String of(Registration r) {
      Instance i = r.instance();
      return of(i.ip(), i.port(), i.holderNode());
    }
  }

  /**
   * Digests of the entries as they stood at {@code settledBefore} (wall ms), every owner's at once
   * from one walk: each entry counts in its owner's ({@code ownerOf}; the map holds the owners with
   * at least one entry counted). As far as this node can tell: an instance whose latest version is
   * younger counts with the version it replaced ({@link Registration#prevVersion}), and one deleted
   * since with the version the delete removed (its tombstone's). A change still on its way to a
   * peer then makes no difference between the owner's digests and the peer's: before this, an
   * owner that had changed or deleted an instance in the last moments left it out while the peer
   * still counted its older copy, and under steady churn nearly every round found differences and
   * sent repairs. O(instances + tombstones); run off the event loop.
   */
  public static Map<String, long[]> settledByOwner(RegistryStore store, OwnerOf ownerOf, long settledBefore) {
    return store.digestWalk(walk -> settledByOwner(store, ownerOf, settledBefore, walk));
  }

  /**
   * One walk: the registrations, each counted (and marked with {@code walk}) unless it was removed
   * before the walk reached it; then the recent deletes, except those of registrations this walk
   * counted live (deleted while it was under way).
   */
  private static Map<String, long[]> settledByOwner(RegistryStore store, OwnerOf ownerOf, long settledBefore,
      long walk) {
    Map<String, long[]> byOwner = new HashMap<>();
    Scan.registrations(store, r -> {
      Instance i = r.instance();
      long v = i.version();
      if (Versions.millisOf(v) > settledBefore) {
        v = r.prevVersion();
        if (v == 0 || Versions.millisOf(v) > settledBefore) {
          return;
        }
      }
      String owner = ownerOf.of(r);
      if (owner != null && r.countIn(walk)) {
        long k = r.keyHash(Digests::keyHash);
        add(byOwner, owner, k, v);
      }
    });
    for (Map.Entry<String, Tombstone> e : store.tombstones().entrySet()) {
      Tombstone t = e.getValue();
      if (t.prev() == 0 || t.countedIn() == walk || Versions.millisOf(t.version()) <= settledBefore
          || Versions.millisOf(t.prev()) > settledBefore) {
        continue;
      }
      String key = e.getKey();
      // {namespace}##{group}@@{service}#{ip}#{port}#{cluster}; service deletes ("svc:") have no prev
      int c = key.lastIndexOf('#');
      int p = c <= 0 ? -1 : key.lastIndexOf('#', c - 1);
      int a = p <= 0 ? -1 : key.lastIndexOf('#', p - 1);
      if (a <= 0) {
        continue;
      }
      int port;
      try {
        port = Integer.parseInt(key.substring(p + 1, c));
      } catch (NumberFormatException ex) {
        continue;
      }
      String owner = ownerOf.of(key.substring(a + 1, p), port, t.holderNode());
      if (owner != null) {
        long k = keyHash(key);
        add(byOwner, owner, k, t.prev());
      }
    }
    return byOwner;
  }

  /** Counts the entry of key hash {@code k} at {@code version} in {@code owner}'s digests. */
  private static void add(Map<String, long[]> byOwner, String owner, long k, long version) {
    byOwner.computeIfAbsent(owner, o -> new long[BUCKETS])[(int) Long.remainderUnsigned(k, BUCKETS)]
        += entryHash(k, version);
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

package dev.distro.registry.store;

import dev.distro.registry.model.ServiceKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deletes the store remembers, so that a stale copy arriving late cannot bring an instance (or a
 * service) back: keyed by the instance's global key, or {@code svc:} + the service key. Written under
 * the store's write lock, read without locks, pruned by age ({@link #prune}).
 */
final class Tombstones {

  private static final String SERVICE_PREFIX = "svc:";

  private final ConcurrentHashMap<String, Tombstone> byKey = new ConcurrentHashMap<>();

  /** Every remembered delete, by key (live: iterated by the snapshot and verify rounds). */
  Map<String, Tombstone> view() {
    return byKey;
  }

  Tombstone get(String globalKey) {
    return byKey.get(globalKey);
  }

  Tombstone ofService(ServiceKey key) {
    return byKey.get(SERVICE_PREFIX + key);
  }

  /**
   * Remembers a delete made at {@code version}, {@code now} on the monotonic clock, with the removed
   * instance's version, its holder's member (null: none) and the digest walk that had counted it.
   */
  void put(String globalKey, long version, long now, long prev, String holderNode, long countedIn) {
    byKey.put(globalKey, new Tombstone(version, now, prev, holderNode, countedIn));
  }

  void putService(ServiceKey key, long version, long now) {
    byKey.put(SERVICE_PREFIX + key, new Tombstone(version, now));
  }

  /** Remembers a delete at {@code version} unless a newer one is remembered already. */
  void keepNewer(String globalKey, long version, long now) {
    byKey.merge(globalKey, new Tombstone(version, now), Tombstones::newer);
  }

  void keepNewerService(ServiceKey key, long version, long now) {
    keepNewer(SERVICE_PREFIX + key, version, now);
  }

  /** Whether any delete is remembered (no key need be built to look for one when none is). */
  boolean any() {
    return !byKey.isEmpty();
  }

  void remove(String globalKey) {
    byKey.remove(globalKey);
  }

  /** Forgets {@code t} if it is still the one remembered under the key. */
  void remove(String globalKey, Tombstone t) {
    byKey.remove(globalKey, t);
  }

  void removeService(ServiceKey key) {
    byKey.remove(SERVICE_PREFIX + key);
  }

  /**
   * Forgets deletes made here before {@code before} (monotonic ms); returns how many were dropped.
   */
  int prune(long before) {
    int n = 0;
    for (var it = byKey.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().at() < before) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  private static Tombstone newer(Tombstone a, Tombstone b) {
    return a.version() >= b.version() ? a : b;
  }
}

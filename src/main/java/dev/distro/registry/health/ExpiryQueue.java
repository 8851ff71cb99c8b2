package dev.distro.registry.health;

import dev.distro.registry.store.Registration;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;

/**
 * Registrations bucketed by the time they must next be looked at (a coarse timing wheel). Each
 * registration sits in exactly one bucket; a heartbeat does not touch the queue: when a bucket
 * comes due the sweep re-reads the lease and, if it was renewed, files the registration under its
 * new deadline. With beats every 5 s and a 15 s timeout an instance is looked at about once per
 * timeout instead of once per sweep, and no sweep walks the whole registry.
 *
 * <p>Owned by one thread (the {@link HealthVerticle}'s event loop); not thread-safe.
 */
final class ExpiryQueue {

  private final long tickMs;
  private final TreeMap<Long, ArrayList<Registration>> buckets = new TreeMap<>();
  private long size;

  ExpiryQueue(long tickMs) {
    this.tickMs = tickMs;
  }

  void schedule(Registration reg, long atMillis) {
    long slot = Math.floorDiv(atMillis + tickMs - 1, tickMs);
    buckets.computeIfAbsent(slot, s -> new ArrayList<>()).add(reg);
    size++;
  }

  /**
   * Removes and returns the next due bucket (its deadline is at or before {@code now}), or null.
   */
  ArrayList<Registration> pollDue(long now) {
    Map.Entry<Long, ArrayList<Registration>> first = buckets.firstEntry();
    if (first == null || first.getKey() * tickMs > now) {
      return null;
    }
    buckets.pollFirstEntry();
    size -= first.getValue().size();
    return first.getValue();
  }

  /** Puts back the unprocessed tail of a bucket taken by {@link #pollDue}. */
  void requeue(ArrayList<Registration> bucket, int from, long now) {
    for (int i = from; i < bucket.size(); i++) {
      schedule(bucket.get(i), now);
    }
  }

  long size() {
    return size;
  }
}

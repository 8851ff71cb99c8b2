package dev.distro.registry.health;

import dev.distro.registry.store.Registration;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;

/**
 * Registrations bucketed by the time they must next be looked at (a coarse timing wheel). Each
 * registration sits in at most one bucket and knows its place there, so it can be taken out in
 * constant time (a deregistration, a shortened timeout); a heartbeat does not touch the queue:
 * when a bucket comes due the sweep re-reads the lease and, if it was renewed, files the
 * registration under its new deadline. With beats every 5 s and a 15 s timeout an instance is
 * looked at about once per timeout instead of once per sweep, and no sweep walks the whole
 * registry.
 *
 * <p>Times are the store clock's monotonic milliseconds. Owned by one thread (the
 * {@link HealthVerticle}'s event loop) for writes; {@link #size()} may be read from any thread.
 */
final class ExpiryQueue {

  private final long tickMs;
  private final TreeMap<Long, ArrayList<Registration>> buckets = new TreeMap<>();
  private volatile long size;

  ExpiryQueue(long tickMs) {
    this.tickMs = tickMs;
  }

  /** Files {@code reg} to be looked at at {@code atMillis}, moving it if it was filed elsewhere. */
  void schedule(Registration reg, long atMillis) {
    remove(reg);
    long slot = Math.floorDiv(atMillis + tickMs - 1, tickMs);
    ArrayList<Registration> bucket = buckets.computeIfAbsent(slot, s -> new ArrayList<>());
    reg.wheelPlace(slot, bucket.size());
    bucket.add(reg);
    size = size + 1;
  }

  /** Takes {@code reg} out of its bucket, if it is filed; constant time. */
  boolean remove(Registration reg) {
    int index = reg.wheelIndex();
    if (index < 0) {
      return false;
    }
    ArrayList<Registration> bucket = buckets.get(reg.wheelSlot());
    if (bucket == null || index >= bucket.size() || bucket.get(index) != reg) {
      throw new IllegalStateException("expiry wheel out of step for " + reg.localId());
    }
    Registration last = bucket.remove(bucket.size() - 1);
    if (last != reg) {
      bucket.set(index, last);
      last.wheelPlace(reg.wheelSlot(), index);
    }
    if (bucket.isEmpty()) {
      buckets.remove(reg.wheelSlot());
    }
    reg.wheelPlace(0, -1);
    size = size - 1;
    return true;
  }

  /** When {@code reg} is next due (ms, rounded up to the tick), or -1 when it is not filed. */
  long dueAt(Registration reg) {
    return reg.wheelIndex() < 0 ? -1 : reg.wheelSlot() * tickMs;
  }

  /**
   * Removes and returns the next due bucket (its deadline is at or before {@code now}), or null.
   * Its registrations are no longer filed: the caller files again those it keeps.
   */
  ArrayList<Registration> pollDue(long now) {
    Map.Entry<Long, ArrayList<Registration>> first = buckets.firstEntry();
    if (first == null || first.getKey() * tickMs > now) {
      return null;
    }
    buckets.pollFirstEntry();
    ArrayList<Registration> due = first.getValue();
    for (Registration r : due) {
      r.wheelPlace(0, -1);
    }
    size = size - due.size();
    return due;
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

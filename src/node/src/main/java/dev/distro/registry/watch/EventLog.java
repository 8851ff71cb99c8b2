package dev.distro.registry.watch;

import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@code capacity} changes, by revision: a ring filled by the store's change stream (in
 * revision order, under the store's lock) and read without locks by watch sessions on any event
 * loop. A revision that has been overwritten reads as null: the reader is too far behind and must
 * take a fresh snapshot. Memory is bounded by the capacity whatever the change rate.
 */
public final class EventLog implements ChangeListener {

  private final AtomicReferenceArray<ChangeEvent> ring;
  private final int capacity;
  private volatile long head;

  public EventLog(int capacity) {
    this.capacity = capacity;
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  @Override
  public void onChange(ChangeEvent event) {
    ring.set((int) (event.revision() % capacity), event);
    head = event.revision();
  }

  /** The revision of the newest change (0 before the first). */
  public long head() {
    return head;
  }

  /** The oldest revision still held. */
  public long oldest() {
    return Math.max(1, head - capacity + 1);
  }

  /** The change with this revision, or null when it is not (or no longer) held. */
  public ChangeEvent get(long revision) {
    if (revision < 1 || revision > head) {
      return null;
    }
    ChangeEvent e = ring.get((int) (revision % capacity));
    return e != null && e.revision() == revision ? e : null;
  }

  public int capacity() {
    return capacity;
  }
}

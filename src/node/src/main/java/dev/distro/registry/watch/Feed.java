package dev.distro.registry.watch;

import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.watch.Frames.Out;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The subscriptions of one watch connection that share a filter, and what they have been sent: one
 * cursor in the {@link EventLog}, one snapshot stream, one encoding of each frame, sent once per
 * subscription id through the connection's {@link FrameWriter} while it has room.
 *
 * <p>A snapshot is produced a chunk at a time, only when the previous chunk has gone out to every
 * subscription of the feed and there is room, from the store's live maps (never copied): it is
 * stamped with the revision at its start, and every service changed after that revision is sent
 * again, whole, in a {@code service} frame after the last chunk. While the connection has no room
 * and nothing is owed, the cursor waits, up to half the log behind its head ({@link #holdEvents});
 * past that, or while something is owed (a snapshot in progress, services to resend), the cursor
 * still advances and only the changed services are remembered (coalescing); more than
 * {@code maxDirtyServices} of them turn into a reset. So a feed holds at most
 * one encoded chunk and the dirty-service bound, whatever the registry's size or the client does.
 * Touched only on the connection's event loop.
 */
final class Feed {

  /** A snapshot chunk closes once its encoding passes this size (or snapshotChunk instances). */
  private static final int CHUNK_CHARS = 32 * 1024;

  /**
   * A snapshot being streamed: stamped with {@code revision}, read from the store's live maps. It
   * remembers the services it has started (references, not copies), so that a subscription joining
   * it midway can be sent those first ({@link #catchUp}).
   */
  private static final class Snapshot {
    final long revision;
    final Iterator<ServiceEntry> services;
    Iterator<Registration> instances = Collections.emptyIterator();
    final List<ServiceEntry> started = new ArrayList<>();
    int chunks;
    /** Subscriptions that joined midway, and the services started before they did. */
    final ArrayDeque<Snapshot> catchUps = new ArrayDeque<>(0);
    final String forId;

    Snapshot(long revision, Iterator<ServiceEntry> services, String forId) {
      this.revision = revision;
      this.services = services;
      this.forId = forId;
    }

    /** What a subscription joining now has missed: the services started so far, for it alone. */
    Snapshot catchUp(String id) {
      return new Snapshot(revision, new ArrayList<>(started).iterator(), id);
    }

    boolean done() {
      return !instances.hasNext() && !services.hasNext();
    }
  }

  private final WatchHub hub;
  private final FrameWriter writer;
  final Filter filter;
  final List<String> ids = new ArrayList<>(1);
  long cursor;
  long lastSentAt = System.currentTimeMillis();
  private boolean needsReset;
  private final Set<ServiceKey> dirty = new LinkedHashSet<>();
  private Snapshot snapshot;
  /** Frames for every id; the head one has gone out to ids before {@link #nextId}. */
  private final ArrayDeque<Out> outbox = new ArrayDeque<>(2);
  private int nextId;

  Feed(Filter filter, String id, WatchHub hub, FrameWriter writer) {
    this.filter = filter;
    this.hub = hub;
    this.writer = writer;
    ids.add(id);
  }

  /** Nothing in flight and nothing owed: new events may go out as they come. */
  boolean live() {
    return owesNothing() && outbox.isEmpty();
  }

  /** No snapshot, services to resend or reset owed: new events may follow what is queued, in order. */
  private boolean owesNothing() {
    return snapshot == null && dirty.isEmpty() && !needsReset;
  }

  /** A snapshot in progress: another identical subscription may join it (and catch up). */
  boolean joinable() {
    return snapshot != null && !needsReset;
  }

  /** Another subscription shares the snapshot in progress, after the part it missed. */
  void join(String id) {
    if (snapshot.chunks > 0) {
      snapshot.catchUps.add(snapshot.catchUp(id));
    }
    ids.add(id);
  }

  /**
   * A subscription leaves; what was queued for it alone is dropped.
   *
   * @return true when no subscription is left
   */
  boolean leave(String id) {
    int i = ids.indexOf(id);
    ids.remove(i);
    if (snapshot != null) {
      snapshot.catchUps.removeIf(c -> c.forId.equals(id));
    }
    outbox.removeIf(o -> id.equals(o.only()));
    if (i < nextId) {
      nextId--;
    }
    return ids.isEmpty();
  }

  /** Takes over the subscriptions of {@code other}, which has the same filter and has caught up too. */
  void absorb(Feed other) {
    ids.addAll(other.ids);
    lastSentAt = Math.min(lastSentAt, other.lastSentAt);
  }

  /** Goes on from {@code revision} of the log (a resume the log can serve). */
  void resumeAt(long revision) {
    cursor = revision;
    outbox.add(Frames.out("resumed", new JsonWriter().field("revision", revision)));
  }

  /** Tells the subscriptions to start over, and sends a fresh snapshot. */
  void reset(String reason) {
    hub.metrics.watchResets.increment();
    outbox.clear();
    nextId = 0;
    outbox.add(Frames.out("reset", new JsonWriter().field("reason", reason)));
    startSnapshot();
  }

  void startSnapshot() {
    long rev = hub.log.head();
    cursor = rev;
    needsReset = false;
    dirty.clear();
    ServiceKey exact = filter.exact();
    Iterator<ServiceEntry> services;
    if (exact != null) {
      ServiceEntry e = hub.store.service(exact);
      services = e == null ? Collections.emptyIterator() : List.of(e).iterator();
    } else {
      services = hub.store.services().iterator();
    }
    snapshot = new Snapshot(rev, services, null);
  }

  /**
   * Sends what the subscriptions have not seen yet: the log's entries up to {@code head}, at most
   * {@code budget} of them, then what is owed, while there is room.
   *
   * @return the budget left
   */
  int drain(long head, int budget) {
    flush();
    // advance the cursor: an event goes out when nothing is owed before it; while the connection
    // has no room it waits in the log (the cursor stays), as long as the log is sure to keep it;
    // past that, or with state owed already, its service is remembered instead (coalescing)
    while (cursor < head && budget > 0) {
      budget--;
      ChangeEvent e = hub.log.get(cursor + 1);
      if (e == null) {
        reset("too old");
        break;
      }
      if (e.current() == null && e.previous() == null || !filter.matches(e.service())) {
        cursor = e.revision();
        continue;
      }
      if (live() && writer.room()) {
        cursor = e.revision();
        Out o = Frames.event(e);
        hub.metrics.watchEvents.add(ids.size());
        outbox.add(o);
        flush();
        continue;
      }
      if (owesNothing() && head - cursor <= holdEvents()) {
        break;
      }
      cursor = e.revision();
      hub.metrics.watchCoalesced.increment();
      if (dirty.add(e.service()) && dirty.size() > hub.limits.maxDirtyServices()) {
        dirty.clear();
        needsReset = true;
      }
    }
    // then what is owed: the snapshot's chunks, then the services changed meanwhile
    while (outbox.isEmpty() && writer.room()) {
      if (needsReset) {
        reset("too slow");
      } else if (snapshot != null) {
        nextChunk();
      } else if (!dirty.isEmpty()) {
        nextService();
      } else {
        break;
      }
      flush();
    }
    return budget;
  }

  /**
   * How far behind the log's head a feed with nothing owed may fall while its connection has no
   * room, before it coalesces: half the log, so the events it waits for are never overwritten.
   * Before, any moment without room (even this pass's byte allowance spent) turned the following
   * events into whole-service frames; under a steady write load those frames, each a whole
   * service, kept the queue full, and a watcher that had fallen behind once got every service again
   * and again (41% of a 3-node cluster's CPU at 3,000 writes/s with one watcher per node).
   */
  private long holdEvents() {
    return hub.log.capacity() / 2;
  }

  /** A bookmark when the feed has caught up and sent nothing for {@code bookmarkMs}. */
  void bookmarkIfIdle(long head, long now) {
    if (cursor == head && live() && now - lastSentAt >= hub.limits.bookmarkMs() && writer.room()) {
      outbox.add(Frames.out("bookmark", new JsonWriter().field("epoch", hub.epoch).field("revision", head)));
      flush();
    }
  }

  /**
   * Encodes the snapshot's next chunk into the outbox; ends the snapshot with its last chunk. A
   * subscription that joined midway first gets the services it missed, in chunks of its own.
   */
  private void nextChunk() {
    Snapshot shared = snapshot;
    Snapshot s = shared.catchUps.isEmpty() ? shared : shared.catchUps.peek();
    JsonWriter w = new JsonWriter(new StringBuilder(CHUNK_CHARS + 1024)).field("epoch", hub.epoch)
        .field("revision", s.revision).name("instances").beginArray();
    int n = 0;
    while (n < hub.limits.snapshotChunk() && w.builder().length() < CHUNK_CHARS) {
      if (s.instances.hasNext()) {
        Frames.writeInstance(w, s.instances.next().instance());
        n++;
      } else if (s.services.hasNext()) {
        ServiceEntry e = s.services.next();
        if (filter.matches(e.key())) {
          s.instances = e.registrations().iterator();
          if (s == shared) {
            shared.started.add(e);
          }
        }
      } else {
        break;
      }
    }
    hub.snapshotChunks.increment();
    if (s != shared) {
      outbox.add(Frames.out("snapshot", w.endArray().field("last", false), s.forId));
      if (s.done()) {
        shared.catchUps.poll();
      }
      return;
    }
    boolean last = s.done();
    s.chunks++;
    outbox.add(Frames.out("snapshot", w.endArray().field("last", last)));
    if (last) {
      snapshot = null;
    }
  }

  /** One frame with a changed service's current state (after a full queue or a snapshot). */
  private void nextService() {
    Iterator<ServiceKey> it = dirty.iterator();
    ServiceKey k = it.next();
    it.remove();
    JsonWriter w = new JsonWriter().field("revision", cursor).field("namespace", k.namespace())
        .field("group", k.group()).field("service", k.name()).name("instances").beginArray();
    ServiceEntry s = hub.store.service(k);
    if (s != null) {
      for (Registration r : s.registrations()) {
        Frames.writeInstance(w, r.instance());
      }
    }
    outbox.add(Frames.out("service", w.endArray()));
  }

  /** Sends the outbox's frames to each id while there is room. */
  private void flush() {
    while (!outbox.isEmpty()) {
      Out o = outbox.peek();
      if (o.only() != null) {
        if (!writer.room() || !writer.write(o.forId(o.only()), false)) {
          return;
        }
        outbox.poll();
        continue;
      }
      while (nextId < ids.size()) {
        if (!writer.room() || !writer.write(o.forId(ids.get(nextId)), false)) {
          return;
        }
        nextId++;
      }
      outbox.poll();
      nextId = 0;
      lastSentAt = System.currentTimeMillis();
    }
  }
}

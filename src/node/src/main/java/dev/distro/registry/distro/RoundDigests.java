package dev.distro.registry.distro;

import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Versions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A node's settled digests for every owner, one walk per verify cutoff. In a round every member
 * computes the digests of its own instances and, for each peer's verify it receives, those of its
 * copies of that peer's: three walks of the whole registry per round in a 3-node cluster, each of
 * them hashing every instance's owner. The rounds' cutoffs are aligned ({@link #align}), so that
 * in steady state the members' rounds of one interval share a cutoff, and this keeps the walk for
 * a cutoff and answers every question about it from that one walk: the first asker starts it on a
 * worker, the others get the same result.
 *
 * <p>A walk stays valid while nothing it could have counted changes after it started. Changes made
 * later than its cutoff leave a settled digest as it was, with one exception this checks for too,
 * and a change at or before the cutoff arrives only late (a sync or repair that lagged more than
 * the settle time): either one, seen here as a listener of the store, discards the kept walks.
 */
public final class RoundDigests implements ChangeListener {

  /** Walks kept: the current cutoff's, and a few others that lagging senders may still ask about. */
  static final int KEPT = 4;

  private final RegistryStore store;
  private final Deque<Walk> walks = new ArrayDeque<>();
  /** The newest cutoff kept: a change at or before it may change a kept walk's digests. */
  private volatile long watched = Long.MIN_VALUE;
  /** Changes seen that may have changed a kept walk; a walk is valid while this is what it started with. */
  private volatile long late;
  private long walksStarted;

  private RoundDigests(RegistryStore store) {
    this.store = store;
  }

  /** The digests of {@code store}, listening to its changes from now on. */
  public static RoundDigests watching(RegistryStore store) {
    RoundDigests digests = new RoundDigests(store);
    store.addListener(digests);
    return digests;
  }

  /** {@code cutoff} moved back to a multiple of {@code intervalMs}: the members' rounds of one interval agree on it. */
  public static long align(long cutoff, long intervalMs) {
    return intervalMs <= 1 ? cutoff : cutoff - Math.floorMod(cutoff, intervalMs);
  }

  /**
   * The settled digests of {@code owner}'s entries as this node holds them, at {@code settledBefore}
   * with the owners {@code ring} gives (gRPC-held entries: their holder's member). Completes on the
   * caller's context.
   */
  public Future<long[]> of(Vertx vertx, String owner, Rendezvous ring, long settledBefore) {
    CompletableFuture<Map<String, long[]>> all = walk(vertx, ring, settledBefore);
    return Future.fromCompletionStage(all, vertx.getOrCreateContext()).map(byOwner -> {
      long[] d = byOwner.get(owner);
      return d != null ? d : new long[Digests.BUCKETS];
    });
  }

  /** Walks started so far (for tests: the ones answered from a kept walk started none). */
  public synchronized long walksStarted() {
    return walksStarted;
  }

  private synchronized CompletableFuture<Map<String, long[]>> walk(Vertx vertx, Rendezvous ring, long cutoff) {
    long now = late;
    walks.removeIf(w -> w.late != now);
    for (Walk w : walks) {
      if (w.cutoff == cutoff && w.ring.sameMembers(ring)) {
        return w.result;
      }
    }
    if (cutoff > watched) {
      watched = cutoff;
    }
    Walk w = new Walk(cutoff, ring, now, new CompletableFuture<>());
    walks.addLast(w);
    while (walks.size() > KEPT) {
      walks.removeFirst();
    }
    walksStarted++;
    vertx.executeBlocking(() -> Digests.settledByOwner(store, owners(ring), cutoff), false)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            w.result.complete(ar.result());
          } else {
            forget(w);
            w.result.completeExceptionally(ar.cause());
          }
        });
    return w.result;
  }

  /** The owners under {@code ring}, each registration's kept on it ({@link Ownership#ownerIn}). */
  static Digests.OwnerOf owners(Rendezvous ring) {
    return new Digests.OwnerOf() {
      @Override
      public String of(String ip, int port, String holderNode) {
        return Ownership.ownerIn(ring, ip, port, holderNode);
      }

      @Override
      public String of(Registration r) {
        return Ownership.ownerIn(ring, r);
      }
    };
  }

  private synchronized void forget(Walk w) {
    walks.remove(w);
  }

  /**
   * A change discards the kept walks when it may alter a settled digest: its version is at or
   * before the newest kept cutoff (it arrived late), or the version it replaced or removed is after
   * that cutoff (the walk may have counted the one before that, which no longer shows), or it removes
   * a copy without a tombstone (a repair's or an eviction's). Called under
   * the store's write lock: two volatile reads for most changes.
   */
  @Override
  public void onChange(ChangeEvent event) {
    long cutoff = watched;
    if (cutoff == Long.MIN_VALUE || event.registration() == null) {
      return;
    }
    if (Versions.millisOf(event.version()) <= cutoff
        || event.previous() != null && Versions.millisOf(event.previous().version()) > cutoff
        || event.type() == ChangeEvent.Type.DELETED && !leavesTombstone(event.reason())) {
      late++;
    }
  }

  /** A removal by repair or eviction keeps no tombstone: the removed copy no longer counts at all. */
  private static boolean leavesTombstone(ChangeEvent.Reason reason) {
    return reason != ChangeEvent.Reason.REPAIR && reason != ChangeEvent.Reason.EVICTED;
  }

  private record Walk(long cutoff, Rendezvous ring, long late, CompletableFuture<Map<String, long[]>> result) { }
}

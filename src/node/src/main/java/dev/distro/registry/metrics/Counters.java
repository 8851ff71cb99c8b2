package dev.distro.registry.metrics;

import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the node did. Change counters are fed from the store's change stream; request
 * counters by the HTTP layer. Contention-free ({@link LongAdder}).
 */
public final class Counters implements ChangeListener {

  public final LongAdder registrations = new LongAdder();
  public final LongAdder deregistrations = new LongAdder();
  public final LongAdder updates = new LongAdder();
  public final LongAdder beats = new LongAdder();
  public final LongAdder unhealthyMarks = new LongAdder();
  public final LongAdder expirations = new LongAdder();
  /** Lease sweeps that judged everything due when they started (the TTL's rounds). */
  public final LongAdder healthSweeps = new LongAdder();
  public final LongAdder changes = new LongAdder();
  public final LongAdder requests = new LongAdder();
  public final LongAdder clientErrors = new LongAdder();
  public final LongAdder serverErrors = new LongAdder();
  public final LongAdder forwards = new LongAdder();
  public final LongAdder forwardFailures = new LongAdder();
  /** Client writes applied while cut off from most members, answered 503 so that clients try another node. */
  public final LongAdder cutOffWrites = new LongAdder();
  public final LongAdder syncBatchesSent = new LongAdder();
  public final LongAdder syncEntriesSent = new LongAdder();
  public final LongAdder syncFailures = new LongAdder();
  public final LongAdder syncEntriesReceived = new LongAdder();
  public final LongAdder syncOverflows = new LongAdder();
  /** Entries from peers (sync, repair, snapshot) this node refused, by reason tag. */
  public final Map<String, LongAdder> peerEntriesRejected = new ConcurrentHashMap<>();
  /** Entries this node sent (sync, repair) that the peer answered it refused, by reason tag. */
  public final Map<String, LongAdder> entriesRejectedByPeers = new ConcurrentHashMap<>();
  /** Verify exchanges and repairs with a peer that failed (no answer, an error status, a bad body). */
  public final LongAdder verifyFailures = new LongAdder();
  /** Entries a repair's receiver answered it holds newer than the owner's (applied by the owner). */
  public final LongAdder repairReturns = new LongAdder();
  public final LongAdder verifyRounds = new LongAdder();
  public final LongAdder verifyBytesSent = new LongAdder();
  public final LongAdder mismatchedBuckets = new LongAdder();
  public final LongAdder repairs = new LongAdder();
  public final LongAdder snapshotLoads = new LongAdder();
  public final LongAdder watchConnectionsOpened = new LongAdder();
  public final LongAdder watchEvents = new LongAdder();
  public final LongAdder watchCoalesced = new LongAdder();
  public final LongAdder watchResets = new LongAdder();
  public final LongAdder watchSlowCloses = new LongAdder();
  public final LongAdder watchErrors = new LongAdder();
  public final LongAdder udpPushSent = new LongAdder();
  public final LongAdder udpPushAcked = new LongAdder();
  public final LongAdder udpPushFailed = new LongAdder();
  /** UDP push targets dropped because their last pushes all went unacknowledged. */
  public final LongAdder udpPushTargetsDropped = new LongAdder();

  /** The counter of {@code tag} in a by-reason map. */
  public static LongAdder byTag(Map<String, LongAdder> counters, String tag) {
    LongAdder a = counters.get(tag);
    return a != null ? a : counters.computeIfAbsent(tag, k -> new LongAdder());
  }

  @Override
  public void onChange(ChangeEvent e) {
    changes.increment();
    switch (e.type()) {
      case ADDED -> registrations.increment();
      case DELETED -> {
        if (e.reason() == ChangeEvent.Reason.EXPIRED) {
          expirations.increment();
        } else {
          deregistrations.increment();
        }
      }
      case MODIFIED -> {
        if (e.reason() == ChangeEvent.Reason.UNHEALTHY) {
          unhealthyMarks.increment();
        } else {
          updates.increment();
        }
      }
      default -> { }
    }
  }
}

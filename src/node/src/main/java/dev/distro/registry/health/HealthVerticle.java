package dev.distro.registry.health;

import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Scan;
import dev.distro.registry.support.Liveness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * Heartbeat TTL: an instance without a beat for its beat timeout (15 s unless its metadata says
 * otherwise) becomes unhealthy; after its delete timeout (30 s) it is removed. Only instances this
 * node is responsible for are judged; the others are looked at again later, in case ownership
 * moves here.
 *
 * <p>New registrations reach the sweep through a lock-free inbox filled by the change stream; the
 * {@link ExpiryQueue} is touched only on this verticle's event loop. A sweep handles at most
 * {@link #SWEEP_BUDGET} registrations (and files at most as many new ones from the inbox) and then
 * yields the event loop, continuing right after.
 */
public final class HealthVerticle extends VerticleBase implements ChangeListener {


  private static final Logger LOG = Logger.getLogger(HealthVerticle.class.getName());
  /** Leases judged, or new registrations filed, in one pass before the event loop is yielded. */
  static final int SWEEP_BUDGET = 5_000;
  private static final long TICK_MS = 100;
  /** A gap between sweeps longer than this means the process was paused or starved (SIGSTOP, GC, throttling). */
  static final long PAUSE_MS = 5_000;

  private final RegistryStore store;
  /** Where completed sweeps are counted (the node's metrics; tests prove with it that sweeps ran). */
  private final LongAdder sweeps;
  /** Watches this verticle's event loop for the liveness probe (null: not watched). */
  private final Liveness liveness;
  private final Switches switches;
  private final Ownership ownership;
  private final long sweepIntervalMs;
  private final boolean expireInstances;
  private final String selfAddress;
  private final long replicaRenewIntervalMs;
  private final Queue<Registration> inbox = new ConcurrentLinkedQueue<>();
  private final ExpiryQueue queue = new ExpiryQueue(TICK_MS);
  private long timerId = -1;
  private volatile long judged;
  private boolean canExpire = true;
  private boolean firstSweep = true;
  /** Owned leases are being restarted on a worker: judge none until that is done. */
  private boolean renewing;
  /** The ring whose newly owned leases have been restarted; owned leases are judged only under it. */
  private volatile Rendezvous renewedRing;
  private long lastSweepNanos;
  private LongSupplier ticker = System::nanoTime;
  private boolean continuationPending;
  /** {@link #sweepNow} callers waiting for the sweep in progress to end; event loop only. */
  private final List<io.vertx.core.Promise<Void>> sweepWaiters = new ArrayList<>();
  /**
   * When each member of the current ring entered it (monotonic ms): an owner that just came back
   * (restarted, or out of service for a while) has not had a verify round to renew its replicas yet.
   */
  private final java.util.Map<String, Long> inRingSince = new java.util.concurrent.ConcurrentHashMap<>();

  /** Which holders are live connections of this node (instances held by gRPC connections). */
  private Predicate<String> liveHolder = h -> false;
  /** How long a copy held by another member's connection outlives that member's last verify round. */
  private long holderGraceMs = DEFAULT_HOLDER_GRACE_MS;
  public static final long DEFAULT_HOLDER_GRACE_MS = 30_000;
  /** How often an instance held by a live connection here is looked at again (its close removes it at once). */
  static final long HELD_LOOK_MS = 10_000;

  public HealthVerticle(RegistryStore store, Switches switches, Ownership ownership, long sweepIntervalMs,
      boolean expireInstances) {
    this(store, switches, ownership, sweepIntervalMs, expireInstances, null, 5_000, new LongAdder(), null);
  }

  /**
   * @param selfAddress this node's member address (null when standalone)
   * @param replicaRenewIntervalMs how often owners renew replicas (the verify interval)
   * @param sweeps counts completed sweeps
   * @param liveness watches this verticle's event loop (null: not watched)
   */
  public HealthVerticle(RegistryStore store, Switches switches, Ownership ownership, long sweepIntervalMs,
      boolean expireInstances, String selfAddress, long replicaRenewIntervalMs, LongAdder sweeps,
      Liveness liveness) {
    this.sweeps = sweeps;
    this.liveness = liveness;
    this.selfAddress = selfAddress;
    this.replicaRenewIntervalMs = replicaRenewIntervalMs;
    this.store = store;
    this.switches = switches;
    this.ownership = ownership;
    this.sweepIntervalMs = sweepIntervalMs;
    this.expireInstances = expireInstances;
  }

  /**
   * Instances held by gRPC connections: {@code liveHolder} tells whether a holder string names a
   * live connection of this node; a copy held by another member is evicted once that member has
   * sent no verify round for {@code graceMs}. Called before deployment.
   */
  public HealthVerticle holders(Predicate<String> liveHolder, long graceMs) {
    this.liveHolder = liveHolder;
    this.holderGraceMs = graceMs;
    return this;
  }

  @Override
  public Future<?> start() {
    if (liveness != null) {
      liveness.watch(getClass().getSimpleName(), context);
    }
    Scan.registrations(store, inbox::add);
    renewedRing = ownership.ring();
    ownership.onRingChange((before, after) -> {
      long now = store.clock().monotonicMillis();
      for (String m : after.members()) {
        if (!before.members().contains(m)) {
          inRingSince.put(m, now);
        }
      }
      inRingSince.keySet().retainAll(after.members());
      context.runOnContext(v -> renewNewlyOwned(before, after));
    });
    timerId = vertx.setPeriodic(sweepIntervalMs, id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  /**
   * New registrations, deletes (taken out of the wheel at once instead of waiting there until their
   * old deadline, which preserved timeouts can put weeks away) and changes that shorten a timeout
   * (filed again under the earlier deadline) reach the sweep through the inbox.
   */
  @Override
  public void onChange(ChangeEvent event) {
    Registration reg = event.registration();
    if (reg == null) {
      return;
    }
    switch (event.type()) {
      case ADDED, DELETED -> inbox.add(reg);
      case MODIFIED -> {
        Instance before = event.previous();
        Instance after = event.current();
        if (after.beatTimeoutMs() < before.beatTimeoutMs() || after.deleteTimeoutMs() < before.deleteTimeoutMs()
            || !java.util.Objects.equals(after.holder(), before.holder())) {
          inbox.add(reg);
        }
      }
      default -> { }
    }
  }

  /** Registrations waiting in the queue or the inbox (for tests and metrics). */
  public long tracked() {
    return queue.size() + inbox.size();
  }

  /**
   * The real monotonic clock that detects pauses (tests replace it). The store clock's monotonic
   * time, which leases use, is a fake in tests that jumps by whole timeouts between sweeps.
   */
  void ticker(LongSupplier ticker) {
    this.ticker = ticker;
  }

  /** Runs one sweep now on this verticle's event loop (tests and operators). */
  public Future<Void> sweepNow() {
    return sweepNow(() -> { });
  }

  /**
   * Runs {@code before} and then a sweep on this verticle's event loop (tests); completes when that
   * sweep has ended, after as many passes (the loop yielded between them) as its work took.
   */
  Future<Void> sweepNow(Runnable before) {
    return Future.future(p -> context.runOnContext(v -> {
      before.run();
      sweepWaiters.add(p);
      sweep();
    }));
  }

  /** True while leases of owned instances are being restarted and nothing owned is judged. */
  boolean renewalPending() {
    return renewing || ownership.ring() != renewedRing;
  }

  void sweep() {
    long now = store.clock().monotonicMillis();
    long nanos = ticker.getAsLong();
    long gapMs = lastSweepNanos == 0 ? 0 : (nanos - lastSweepNanos) / 1_000_000;
    lastSweepNanos = nanos;
    if (gapMs > Math.max(PAUSE_MS, 10 * sweepIntervalMs)) {
      // The beats that arrived meanwhile were not read, or went to the members that took over:
      // judging leases by a frozen clock would mark every owned instance unhealthy at once.
      renewOwned("no lease sweep for " + gapMs + " ms (the process was paused or starved)");
    }
    boolean quorum = ownership.canExpire();
    if (firstSweep) {
      firstSweep = false;
    } else if (quorum && !canExpire) {
      renewOwned("in contact with most members again");
    } else if (!quorum && canExpire) {
      LOG.warning("cut off from most members: expiry of instances suspended");
    }
    canExpire = quorum;
    Registration fresh;
    int filing = SWEEP_BUDGET;
    while (filing-- > 0 && (fresh = inbox.poll()) != null) {
      if (fresh.removed()) {
        queue.remove(fresh);
        continue;
      }
      long at = Math.max(nextLook(fresh.instance(), fresh.lastBeat()), now + TICK_MS);
      long filed = queue.dueAt(fresh);
      if (filed < 0 || at < filed) {
        queue.schedule(fresh, at);
      }
    }
    if (!inbox.isEmpty()) {
      // a burst (a large peer batch, a snapshot): file the rest in the next passes, the loop yielded
      continueSoon();
      return;
    }
    int budget = SWEEP_BUDGET;
    ArrayList<Registration> due;
    while ((due = queue.pollDue(now)) != null) {
      int i = 0;
      for (; i < due.size() && budget > 0; i++, budget--) {
        judge(due.get(i), now);
      }
      if (i < due.size()) {
        queue.requeue(due, i, now);
        continueSoon();
        return;
      }
    }
    sweeps.increment();
    if (!sweepWaiters.isEmpty()) {
      List<io.vertx.core.Promise<Void>> done = new ArrayList<>(sweepWaiters);
      sweepWaiters.clear();
      done.forEach(io.vertx.core.Promise::complete);
    }
  }

  /** Runs the sweep again right after the event loop has served what waits (once, however often asked). */
  private void continueSoon() {
    if (!continuationPending) {
      continuationPending = true;
      context.runOnContext(v -> {
        continuationPending = false;
        sweep();
      });
    }
  }

  /** How many leases the sweep has looked at since start (a measure of its cost). */
  public long judged() {
    return judged;
  }

  private void judge(Registration reg, long now) {
    judged++;
    if (reg.removed()) {
      return;
    }
    Instance inst = reg.instance();
    long beat = reg.lastBeat();
    if (!ownership.isResponsible(inst)) {
      judgeReplica(reg, inst, beat, now);
      return;
    }
    if (inst.holder() != null) {
      judgeHeld(reg, inst, beat, now);
      return;
    }
    // After a ring change, copies that were replicas until now carry the lease of their arrival:
    // nothing owned is judged until the new owner's leases are restarted (renewNewlyOwned).
    boolean pending = renewalPending();
    if (!switches.healthCheckEnabled() || !canExpire || pending) {
      queue.schedule(reg, now + (pending ? TICK_MS : inst.beatTimeoutMs()));
      return;
    }
    long idle = now - beat;
    if (expireInstances && idle > inst.deleteTimeoutMs()) {
      if (store.expire(reg, beat) == null && !reg.removed()) {
        queue.schedule(reg, now + TICK_MS);
      }
      return;
    }
    if (inst.healthy() && idle > inst.beatTimeoutMs()) {
      store.markUnhealthy(reg, beat);
      inst = reg.instance();
    }
    queue.schedule(reg, Math.max(nextLook(inst, reg.lastBeat()), now + TICK_MS));
  }

  /**
   * An instance held by a connection of this node: its lease is the connection. While the
   * connection is live nothing expires it; one that is not (the close was missed, or the copy came
   * back from a peer after this node restarted) is removed, and the delete replicated.
   */
  private void judgeHeld(Registration reg, Instance inst, long beat, long now) {
    if (liveHolder.test(inst.holder())) {
      queue.schedule(reg, now + HELD_LOOK_MS);
      return;
    }
    if (!expireInstances || !canExpire || renewalPending()) {
      queue.schedule(reg, now + TICK_MS);
      return;
    }
    if (store.expire(reg, beat) == null && !reg.removed()) {
      queue.schedule(reg, now + TICK_MS);
    }
  }

  /**
   * A copy of another member's instance: kept while its owner renews it (verify rounds) or while
   * its own lease is fresh; evicted, locally and silently, once neither happened for the grace
   * period ({@link #replicaGraceMs}), counted from the owner's entry into the ring at the earliest.
   * The owner's own TTL decides health; a replica never does.
   */
  private void judgeReplica(Registration reg, Instance inst, long beat, long now) {
    if (renewalPending()) {
      // the ring changed and this node has not caught up with it yet (inRingSince included)
      queue.schedule(reg, now + TICK_MS);
      return;
    }
    String owner = ownership.ownerOf(inst);
    // an owner that entered the ring since its last verify here gets a full grace period to send one
    long renewed = owner == null ? Long.MAX_VALUE
        : Math.max(ownership.lastRenewedBy(owner), inRingSince.getOrDefault(owner, 0L));
    long fresh = Math.max(beat, renewed);
    boolean held = inst.holder() != null;
    if (held && !canExpire) {
      // cut off from most members: the holder may be alive on the other side, with its clients
      queue.schedule(reg, now + TICK_MS);
      return;
    }
    long grace = held ? holderGraceMs : replicaGraceMs(inst);
    if (expireInstances && fresh != Long.MAX_VALUE && now - fresh > grace) {
      store.evict(reg, beat);
      if (!reg.removed()) {
        queue.schedule(reg, now + TICK_MS);
      }
      return;
    }
    if (held) {
      // looked at again when the grace would run out, counted from the last round seen so far
      queue.schedule(reg, Math.max(now + TICK_MS, fresh + grace + 1));
      return;
    }
    queue.schedule(reg, now + Math.max(TICK_MS, inst.beatTimeoutMs()));
  }

  /** How long a replica survives without its owner's renewal: the delete timeout plus three verify rounds. */
  private long replicaGraceMs(Instance inst) {
    return inst.deleteTimeoutMs() + 3 * replicaRenewIntervalMs;
  }

  /**
   * After an ownership change, restarts the lease of every instance this node now owns and did not
   * before, so its clients get a full timeout to find the new owner with their next beat.
   */
  private void renewNewlyOwned(Rendezvous before, Rendezvous after) {
    String self = after.members().isEmpty() ? null : selfAddress;
    if (self == null) {
      renewedRing = after;
      return;
    }
    // ordered: renewals finish in ring order, so the last one to finish is for the current ring
    vertx.executeBlocking(() -> {
      long now = store.clock().monotonicMillis();
      return Scan.count(store, r -> {
        Instance i = r.instance();
        boolean newlyOwned = self.equals(Ownership.ownerIn(after, i))
            && !self.equals(Ownership.ownerIn(before, i));
        if (newlyOwned) {
          r.renew(now);
        }
        return newlyOwned;
      });
    }, true).onComplete(ar -> {
      renewedRing = after;
      if (ar.succeeded() && ar.result() > 0) {
        LOG.info("ownership change: " + ar.result() + " instances now owned here, leases restarted");
      } else if (ar.failed()) {
        LOG.warning("ownership change: restarting leases failed: " + ar.cause());
      }
    });
  }

  /** Restarts the lease of every instance this node owns (after a time it could not judge them). */
  private void renewOwned(String why) {
    renewing = true;
    vertx.executeBlocking(() -> {
      long now = store.clock().monotonicMillis();
      return Scan.count(store, r -> {
        boolean owned = ownership.isResponsible(r.instance());
        if (owned) {
          r.renew(now);
        }
        return owned;
      });
    }, false).onComplete(ar -> {
      renewing = false;
      if (ar.succeeded()) {
        LOG.info(why + ": leases of " + ar.result() + " owned instances restarted");
      }
    });
  }

  /** When the lease must next be judged; an unhealthy instance that never expires is re-read once per timeout. */
  private long nextLook(Instance inst, long beat) {
    if (inst.holder() != null) {
      // no lease of its own: judged by its connection or its holder's rounds, looked at soon
      return 0;
    }
    if (!expireInstances) {
      return inst.healthy() ? beat + inst.beatTimeoutMs() + 1 : store.clock().monotonicMillis() + inst.beatTimeoutMs();
    }
    long delete = beat + inst.deleteTimeoutMs() + 1;
    if (inst.healthy()) {
      return Math.min(beat + inst.beatTimeoutMs() + 1, delete);
    }
    // re-read an unhealthy lease at least once per beat timeout: a beat may revive it meanwhile,
    // and its next unhealthy mark must not wait for the old delete deadline
    return Math.min(delete, store.clock().monotonicMillis() + inst.beatTimeoutMs());
  }
}

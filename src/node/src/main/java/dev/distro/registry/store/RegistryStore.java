package dev.distro.registry.store;

import dev.distro.registry.model.Clock;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.ChangeEvent.Type;
import dev.distro.registry.store.MergeRules.Facts;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The registry: the single source of truth shared by every verticle.
 *
 * <p>Reads are lock-free ({@link ConcurrentHashMap} of services, each a {@link ConcurrentHashMap} of
 * {@link Registration}s holding immutable {@link Instance}s). Every change goes through
 * {@link #commit}, under one short write lock that holds no I/O: it assigns the next node revision,
 * swaps the value and publishes one {@link ChangeEvent} to the listeners, so listeners see changes
 * exactly once and in revision order. Beats that change nothing visible only renew the lease and take
 * no lock.
 *
 * <p>Replication: every instance and every delete carries a version from {@link Versions}. A change
 * from a peer is applied only if it is newer than what this node holds, including deletes, which
 * leave a {@link Tombstone} ({@link Tombstones}) for a while so that a stale copy arriving late cannot
 * bring an instance back. Which change wins is decided by {@link MergeRules}; {@link PeerWrites}
 * carries its decisions out, under the write lock, with the write primitives at the end of this class.
 */
public final class RegistryStore {

  private static final Logger LOG = Logger.getLogger(RegistryStore.class.getName());

  private final ConcurrentHashMap<ServiceKey, ServiceEntry> services = new ConcurrentHashMap<>();
  private final Tombstones tombstones = new Tombstones();
  private final ReentrantLock writeLock = new ReentrantLock();
  /** One digest walk at a time: the marks on registrations hold one walk's number. */
  private final ReentrantLock digestWalks = new ReentrantLock();
  private long digestEpoch;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final Clock clock;
  private final Versions versions;
  private final PeerWrites peerWrites;
  /** Which holders are live gRPC connections of this node (none until the node says). */
  private volatile java.util.function.Predicate<String> liveHolder = h -> false;
  private volatile long revision;
  private volatile int instanceCount;

  public RegistryStore(Clock clock) {
    this.clock = clock;
    this.versions = new Versions(clock);
    this.peerWrites = new PeerWrites(this, versions, tombstones);
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Tells the store which holders are live gRPC connections of this node: the client of an
   * instance one of them holds is being heard now, as a beat would say, so a peer's delete or
   * unhealthy mark made before now does not win over it (the owner re-asserts the instance).
   */
  public RegistryStore liveHolders(java.util.function.Predicate<String> liveHolder) {
    this.liveHolder = liveHolder;
    return this;
  }

  /**
   * When this node last heard {@code reg}'s client (hybrid-clock ms, 0: never): now for an
   * instance held by a live connection here, else its last registration or beat.
   */
  public long clientSeen(Registration reg) {
    return heldLive(reg) ? versions.nowMillis() : reg.clientSeen();
  }

  /** Whether a live gRPC connection of this node holds {@code reg}'s instance. */
  boolean heldLive(Registration reg) {
    String holder = reg.instance.holder();
    return holder != null && liveHolder.test(holder);
  }

  public Versions versions() {
    return versions;
  }

  /** The wall-clock time (ms) of a registration's lease, for display: leases run on monotonic time. */
  public long lastBeatWallMillis(Registration reg) {
    return clock.millis() - (clock.monotonicMillis() - reg.lastBeat());
  }

  public void addListener(ChangeListener listener) {
    listeners.add(listener);
  }

  public void removeListener(ChangeListener listener) {
    listeners.remove(listener);
  }

  // ---- reads (lock-free) ----

  /** The node's change revision: the revision of the last published change. */
  public long revision() {
    return revision;
  }

  public int instanceCount() {
    return instanceCount;
  }

  public int serviceCount() {
    return services.size();
  }

  public ServiceEntry service(ServiceKey key) {
    return services.get(key);
  }

  public Collection<ServiceEntry> services() {
    return services.values();
  }

  /** The names (without group) of the services of {@code namespace} and {@code group}, sorted. O(services). */
  public List<String> serviceNames(String namespace, String group) {
    List<String> names = new java.util.ArrayList<>();
    for (ServiceEntry e : services.values()) {
      ServiceKey k = e.key();
      if (k.namespace().equals(namespace) && k.group().equals(group)) {
        names.add(k.name());
      }
    }
    names.sort(null);
    return names;
  }

  public Registration find(ServiceKey key, String localId) {
    ServiceEntry entry = services.get(key);
    return entry == null ? null : entry.instances.get(localId);
  }

  /** Deletes remembered for replication, by instance global key or {@code svc:} + service key. */
  public Map<String, Tombstone> tombstones() {
    return tombstones.view();
  }

  /**
   * Runs {@code walk} with a number no other digest walk of this store gets, one walk at a time.
   * A walk counts a registration by marking it with that number ({@link Registration#countIn});
   * a registration removed after it was counted leaves the number in its tombstone
   * ({@link Tombstone#countedIn}), so the walk's pass over the tombstones, which comes after, does
   * not count the same entry a second time. Before, an instance deleted while a walk was under way
   * (lease expiries under load, hundreds per walk) was counted twice, once live and once as a
   * recent delete, and its bucket differed from the peer's at every round.
   */
  public <T> T digestWalk(java.util.function.LongFunction<T> walk) {
    digestWalks.lock();
    try {
      return walk.apply(++digestEpoch);
    } finally {
      digestWalks.unlock();
    }
  }

  // ---- local writes ----

  /**
   * Adds or replaces an instance (a client registration). The version of {@code candidate} is
   * ignored: a new one is assigned. Registering again with the same content only renews the lease.
   *
   * @return the event published, or null when nothing visible changed
   */
  public ChangeEvent register(Instance candidate) {
    long now = clock.monotonicMillis();
    return locked(() -> putLocked(candidate, versions.next(), Reason.REGISTER, now, true, true));
  }

  /**
   * Changes an existing instance. {@code change} receives the current instance and returns the
   * desired one (its version is replaced).
   *
   * @return the event, or null when the instance does not exist or nothing changed
   */
  public ChangeEvent update(ServiceKey key, String localId, UnaryOperator<Instance> change, Reason reason) {
    return locked(() -> {
      Registration reg = find(key, localId);
      if (reg == null) {
        return null;
      }
      Instance prev = reg.instance;
      Instance desired = change.apply(prev);
      if (desired == null || desired.sameContent(prev)) {
        return null;
      }
      Instance next = desired.withVersion(versions.next());
      reg.replace(next);
      return commit(reg, Type.MODIFIED, reason, prev, next, next.version());
    });
  }

  /** Removes an instance; idempotent. */
  public ChangeEvent deregister(ServiceKey key, String localId, Reason reason) {
    long now = clock.monotonicMillis();
    return locked(() -> {
      Registration reg = find(key, localId);
      return reg == null ? null : removeLocked(reg, reason, versions.next(), now, true);
    });
  }

  /**
   * Removes an instance if {@code holder} (a gRPC connection) still holds it: a copy registered
   * since by another connection or over HTTP is not this connection's to remove.
   */
  public ChangeEvent deregisterHeld(ServiceKey key, String localId, String holder) {
    long now = clock.monotonicMillis();
    return locked(() -> {
      Registration reg = find(key, localId);
      return reg == null || !holder.equals(reg.instance.holder()) ? null
          : removeLocked(reg, Reason.DEREGISTER, versions.next(), now, true);
    });
  }

  /**
   * A heartbeat: renews the lease and, when the instance was unhealthy, makes it healthy again.
   *
   * @return the registration, or null when the instance is unknown
   */
  public Registration beat(ServiceKey key, String localId) {
    Registration reg = find(key, localId);
    return reg == null ? null : beat(reg);
  }

  /** A heartbeat for a registration looked up earlier; null when it was removed meanwhile. */
  Registration beat(Registration reg) {
    reg.heardClient(clock.monotonicMillis(), versions.nowMillis());
    if (reg.removed()) {
      // removed while this beat ran: the client must hear "not found" (20404) and register again
      return null;
    }
    if (!reg.instance.healthy()) {
      update(reg.service().key(), reg.localId(), i -> i.withHealthy(true, i.version()), Reason.BEAT);
    }
    return reg;
  }

  /**
   * Marks an instance unhealthy if it is still the one the caller looked at and its lease has not
   * been renewed since {@code seenBeat}. Used by the TTL sweep.
   */
  public ChangeEvent markUnhealthy(Registration reg, long seenBeat) {
    return locked(() -> {
      if (reg.removed() || reg.lastBeat() != seenBeat || !reg.instance.healthy()) {
        return null;
      }
      Instance prev = reg.instance;
      Instance next = prev.withHealthy(false, versions.next());
      reg.replace(next);
      return commit(reg, Type.MODIFIED, Reason.UNHEALTHY, prev, next, next.version());
    });
  }

  /** Removes an instance whose lease ran out, unless it was renewed since {@code seenBeat}. */
  public ChangeEvent expire(Registration reg, long seenBeat) {
    return removeIfIdle(reg, seenBeat, Reason.EXPIRED, true);
  }

  /**
   * Drops a replica that no owner renews any more (local only: not replicated, no tombstone),
   * unless it was renewed since {@code seenBeat}.
   */
  public ChangeEvent evict(Registration reg, long seenBeat) {
    return removeIfIdle(reg, seenBeat, Reason.EVICTED, false);
  }

  private ChangeEvent removeIfIdle(Registration reg, long seenBeat, Reason reason, boolean tombstone) {
    long now = clock.monotonicMillis();
    return locked(() -> reg.removed() || reg.lastBeat() != seenBeat
        ? null : removeLocked(reg, reason, versions.next(), now, tombstone));
  }

  /** Creates or replaces a service's settings. */
  public ChangeEvent putServiceMeta(ServiceKey key, ServiceMeta meta) {
    return locked(() -> putServiceLocked(key, new ServiceMeta(meta.protectThreshold(), meta.metadata(),
        meta.selector(), meta.explicit(), versions.next()), Reason.SERVICE));
  }

  /**
   * Removes a service that has no instances.
   *
   * @return false when it still has instances
   */
  public boolean removeService(ServiceKey key) {
    long now = clock.monotonicMillis();
    return locked(() -> {
      ServiceEntry entry = services.get(key);
      if (entry == null) {
        return true;
      }
      if (!entry.instances.isEmpty()) {
        return false;
      }
      long v = versions.next();
      services.remove(key, entry);
      tombstones.putService(key, v, now);
      commit(entry, null, Type.SERVICE_DELETED, Reason.SERVICE, null, null, v);
      return true;
    });
  }

  // ---- changes from peers ----

  /**
   * Applies an instance received from a peer (sync, snapshot or repair) if it is newer than both
   * what this node holds and any delete it remembers.
   *
   * @return the event, or null when the change was stale or changed nothing
   */
  public ChangeEvent applyRemote(Instance incoming, Reason reason) {
    return applyRemote(incoming, reason, Facts.NONE);
  }

  /**
   * Applies an instance from a peer, as {@link MergeRules#put} decides.
   *
   * @param ownedHere this node is responsible for the instance
   * @param fromOwner the sender owns the instance and this is its repair
   * @param ownerHeardClient when the owner last heard the instance's client (ms; 0: unknown)
   */
  public ChangeEvent applyRemote(Instance incoming, Reason reason, boolean ownedHere, boolean fromOwner,
      long ownerHeardClient) {
    return applyRemote(incoming, reason, new Facts(ownedHere, fromOwner, ownerHeardClient));
  }

  /** Applies an instance from a peer, as {@link MergeRules#put} decides from {@code facts}. */
  public ChangeEvent applyRemote(Instance incoming, Reason reason, Facts facts) {
    return peerWrites.put(incoming, reason, facts);
  }

  /** Applies a delete received from a peer unless this node holds a newer version. */
  public ChangeEvent applyRemoteDelete(ServiceKey key, String localId, long version, Reason reason) {
    return applyRemoteDelete(key, localId, version, reason, false);
  }

  /**
   * Applies a delete from a peer, as {@link MergeRules#delete} decides.
   *
   * @param ownedHere this node is responsible for the instance
   */
  public ChangeEvent applyRemoteDelete(ServiceKey key, String localId, long version, Reason reason,
      boolean ownedHere) {
    return peerWrites.delete(key, localId, version, reason, ownedHere);
  }

  /**
   * Removes a replica the owner no longer has (verify repair), unless this node's copy is at least
   * as new as {@code asOf}, the owner's clock when it listed its entries.
   */
  public ChangeEvent removeStale(Registration reg, long asOf) {
    return peerWrites.removeStale(reg, asOf);
  }

  /** Applies service settings received from a peer if newer. */
  public ChangeEvent applyRemoteService(ServiceKey key, ServiceMeta meta) {
    return peerWrites.putService(key, meta);
  }

  /** Applies a service delete received from a peer: the service stays if it has instances. */
  public ChangeEvent applyRemoteServiceDelete(ServiceKey key, long version) {
    return peerWrites.deleteService(key, version);
  }

  /**
   * Forgets deletes made here before {@code before} (monotonic ms, {@link Clock#monotonicMillis});
   * returns how many were dropped.
   */
  public int pruneTombstones(long before) {
    return tombstones.prune(before);
  }

  // ---- write primitives (write lock held; PeerWrites uses them too) ----

  /** Runs {@code change} under the write lock (short, no I/O: the listeners it calls must not block). */
  <T> T locked(Supplier<T> change) {
    writeLock.lock();
    try {
      return change.get();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Adds or replaces {@code candidate} at {@code version}, kept as {@link ServiceEntry#stored} makes
   * it. {@code clearTombstone} false: the caller knows no tombstone of the instance is held (it
   * removed it).
   */
  ChangeEvent putLocked(Instance candidate, long version, Reason reason, long now, boolean localWrite,
      boolean clearTombstone) {
    ServiceEntry entry = services.computeIfAbsent(candidate.service(), k -> new ServiceEntry(k, ServiceMeta.DEFAULT));
    Instance next = entry.stored(candidate, version);
    String localId = next.localId();
    Registration reg = entry.instances.get(localId);
    if (reg == null) {
      reg = new Registration(entry, localId, next, now, localWrite ? versions.nowMillis() : 0);
      entry.instances.put(localId, reg);
      instanceCount++;
      if (clearTombstone && tombstones.any()) {
        tombstones.remove(next.globalKey());
      }
      return commit(reg, Type.ADDED, reason, null, next, next.version());
    }
    Instance prev = reg.instance;
    if (localWrite) {
      reg.heardClient(now, versions.nowMillis());
      if (prev.sameContent(next)) {
        return null;
      }
    }
    reg.replace(next);
    return commit(reg, Type.MODIFIED, reason, prev, next, next.version());
  }

  ChangeEvent putServiceLocked(ServiceKey key, ServiceMeta meta, Reason reason) {
    ServiceEntry entry = services.computeIfAbsent(key, k -> new ServiceEntry(k, meta));
    entry.meta = meta;
    tombstones.removeService(key);
    return commit(entry, null, Type.SERVICE_UPDATED, reason, null, null, meta.version());
  }

  ChangeEvent removeLocked(Registration reg, Reason reason, long version, long now, boolean tombstone) {
    ServiceEntry entry = reg.service();
    entry.instances.remove(reg.localId(), reg);
    instanceCount--;
    Instance prev = reg.instance;
    long counted = reg.markRemoved();
    if (tombstone) {
      tombstones.put(prev.globalKey(), version, now, prev.version(), prev.holderNode(), counted);
    }
    ChangeEvent event = commit(reg, Type.DELETED, reason, prev, null, version);
    if (entry.instances.isEmpty() && !entry.meta.explicit()) {
      services.remove(entry.key(), entry);
    }
    return event;
  }

  /** Removes a service without instances from the map (its change is committed by the caller). */
  void removeServiceLocked(ServiceKey key, ServiceEntry entry) {
    services.remove(key, entry);
  }

  ChangeEvent commit(Registration reg, Type type, Reason reason, Instance prev, Instance next, long version) {
    return commit(reg.service(), reg, type, reason, prev, next, version);
  }

  ChangeEvent commit(ServiceEntry entry, Registration reg, Type type, Reason reason, Instance prev,
      Instance next, long version) {
    long rev = revision + 1;
    entry.modCount = rev;
    ChangeEvent event = new ChangeEvent(rev, type, reason, entry.key(), prev, next, version, clock.millis(), reg);
    revision = rev;
    for (ChangeListener l : listeners) {
      try {
        l.onChange(event);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "change listener failed on revision " + rev, e);
      }
    }
    return event;
  }
}

package dev.distro.registry.store;

import dev.distro.registry.model.Clock;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.ChangeEvent.Type;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
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
 * leave a {@link Tombstone} for a while so that a stale copy arriving late cannot bring an instance
 * back.
 */
public final class RegistryStore {

  private static final Logger LOG = Logger.getLogger(RegistryStore.class.getName());
  private static final String SERVICE_TOMBSTONE_PREFIX = "svc:";

  /**
   * The version of a delete, kept so that older copies of the deleted value are refused; {@code at}
   * is when it was made here, on the monotonic clock (for pruning).
   */
  public record Tombstone(long version, long at) { }

  private final ConcurrentHashMap<ServiceKey, ServiceEntry> services = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Tombstone> tombstones = new ConcurrentHashMap<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final Clock clock;
  private final Versions versions;
  private volatile long revision;
  private volatile int instanceCount;

  public RegistryStore(Clock clock) {
    this.clock = clock;
    this.versions = new Versions(clock);
  }

  public Clock clock() {
    return clock;
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

  public Registration find(ServiceKey key, String localId) {
    ServiceEntry entry = services.get(key);
    return entry == null ? null : entry.instances.get(localId);
  }

  /** Deletes remembered for replication, by instance global key or {@code svc:} + service key. */
  public Map<String, Tombstone> tombstones() {
    return tombstones;
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
    writeLock.lock();
    try {
      return putLocked(candidate.withVersion(versions.next()), Reason.REGISTER, now, true);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Changes an existing instance. {@code change} receives the current instance and returns the
   * desired one (its version is replaced).
   *
   * @return the event, or null when the instance does not exist or nothing changed
   */
  public ChangeEvent update(ServiceKey key, String localId, UnaryOperator<Instance> change, Reason reason) {
    writeLock.lock();
    try {
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
      reg.instance = next;
      return commit(reg, Type.MODIFIED, reason, prev, next, next.version());
    } finally {
      writeLock.unlock();
    }
  }

  /** Removes an instance; idempotent. */
  public ChangeEvent deregister(ServiceKey key, String localId, Reason reason) {
    long now = clock.monotonicMillis();
    writeLock.lock();
    try {
      Registration reg = find(key, localId);
      if (reg == null) {
        return null;
      }
      return removeLocked(reg, reason, versions.next(), now, true);
    } finally {
      writeLock.unlock();
    }
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
    if (reg.removed) {
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
    writeLock.lock();
    try {
      if (reg.removed || reg.lastBeat() != seenBeat || !reg.instance.healthy()) {
        return null;
      }
      Instance prev = reg.instance;
      Instance next = prev.withHealthy(false, versions.next());
      reg.instance = next;
      return commit(reg, Type.MODIFIED, Reason.UNHEALTHY, prev, next, next.version());
    } finally {
      writeLock.unlock();
    }
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
    writeLock.lock();
    try {
      if (reg.removed || reg.lastBeat() != seenBeat) {
        return null;
      }
      return removeLocked(reg, reason, versions.next(), now, tombstone);
    } finally {
      writeLock.unlock();
    }
  }

  /** Creates or replaces a service's settings. */
  public ChangeEvent putServiceMeta(ServiceKey key, ServiceMeta meta) {
    writeLock.lock();
    try {
      ServiceMeta stamped = new ServiceMeta(meta.protectThreshold(), meta.metadata(), meta.selector(),
          meta.explicit(), versions.next());
      return putServiceLocked(key, stamped, Reason.SERVICE);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Removes a service that has no instances.
   *
   * @return false when it still has instances
   */
  public boolean removeService(ServiceKey key) {
    long now = clock.monotonicMillis();
    writeLock.lock();
    try {
      ServiceEntry entry = services.get(key);
      if (entry == null) {
        return true;
      }
      if (!entry.instances.isEmpty()) {
        return false;
      }
      long v = versions.next();
      services.remove(key, entry);
      tombstones.put(SERVICE_TOMBSTONE_PREFIX + key, new Tombstone(v, now));
      commit(entry, null, Type.SERVICE_DELETED, Reason.SERVICE, null, null, v);
      return true;
    } finally {
      writeLock.unlock();
    }
  }

  // ---- changes from peers ----

  /**
   * Applies an instance received from a peer (sync, snapshot or repair) if it is newer than both
   * what this node holds and any delete it remembers.
   *
   * @return the event, or null when the change was stale or changed nothing
   */
  public ChangeEvent applyRemote(Instance incoming, Reason reason) {
    return applyRemote(incoming, reason, false, false, 0);
  }

  /**
   * Applies an instance from a peer.
   *
   * @param ownedHere this node is responsible for the instance: a downgrade (unhealthy) older than
   *     the client was last heard here is refused and the live instance re-asserted with a new
   *     version (a lease restarted by an ownership change does not count: the client may be gone)
   * @param fromOwner the sender owns the instance and this is its repair: its copy beats a delete
   *     remembered here if the owner heard the client after that delete
   * @param ownerHeardClient when the owner last heard the instance's client (ms; 0: unknown). A
   *     member that has just taken an instance over may not have received its delete yet; its stale
   *     copy must not undo it.
   */
  public ChangeEvent applyRemote(Instance incoming, Reason reason, boolean ownedHere, boolean fromOwner,
      long ownerHeardClient) {
    long now = clock.monotonicMillis();
    versions.observe(incoming.version());
    writeLock.lock();
    try {
      Registration reg = find(incoming.service(), incoming.localId());
      if (reg != null && reg.instance.version() >= incoming.version()) {
        return null;
      }
      if (reg != null && ownedHere && !incoming.healthy() && reg.instance.healthy()
          && reg.clientSeen() > Versions.millisOf(incoming.version())) {
        return reassertLocked(reg);
      }
      Tombstone t = tombstones.get(incoming.globalKey());
      boolean ownerVouches = t != null && fromOwner && ownerHeardClient > Versions.millisOf(t.version());
      if (t != null && !ownerVouches && (t.version() >= incoming.version() || !incoming.healthy())) {
        // An unhealthy copy newer than a delete remembered here is a TTL mark made by a node that
        // had not heard of the delete: it says nothing of the client, so it does not bring the
        // instance back (a re-registration we missed comes with the owner's repair).
        return null;
      }
      if (t != null) {
        tombstones.remove(incoming.globalKey(), t);
      }
      return putLocked(incoming, reason, now, false);
    } finally {
      writeLock.unlock();
    }
  }

  /** Applies a delete received from a peer unless this node holds a newer version. */
  public ChangeEvent applyRemoteDelete(ServiceKey key, String localId, long version, Reason reason) {
    return applyRemoteDelete(key, localId, version, reason, false);
  }

  /**
   * Applies a delete from a peer.
   *
   * @param ownedHere this node is responsible for the instance: a delete made before its client was
   *     last heard here (say, an expiry on the far side of a partition while the client kept
   *     beating here) is refused and the live instance re-asserted with a new version, which then
   *     wins everywhere. A lease restarted by an ownership change does not count: a client that
   *     deregistered through another node during a partition must stay deregistered.
   */
  public ChangeEvent applyRemoteDelete(ServiceKey key, String localId, long version, Reason reason,
      boolean ownedHere) {
    long now = clock.monotonicMillis();
    versions.observe(version);
    writeLock.lock();
    try {
      Registration reg = find(key, localId);
      String global = key.toString() + '#' + localId;
      if (reg == null) {
        tombstones.merge(global, new Tombstone(version, now), (a, b) -> a.version() >= b.version() ? a : b);
        return null;
      }
      if (reg.instance.version() > version) {
        if (reg.instance.healthy() || reg.clientSeen() > Versions.millisOf(version)) {
          return null;
        }
        // Newer only by a TTL mark (unhealthy) made without hearing the client since the delete:
        // the delete wins, under the newer version so that it also beats that mark elsewhere.
        return removeLocked(reg, reason, reg.instance.version(), now, true);
      }
      if (ownedHere && reg.clientSeen() > Versions.millisOf(version)) {
        return reassertLocked(reg);
      }
      return removeLocked(reg, reason, version, now, true);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Removes a replica the owner no longer has (verify repair), unless this node's copy is at least
   * as new as {@code asOf}, the owner's clock when it listed its entries.
   */
  public ChangeEvent removeStale(Registration reg, long asOf) {
    long now = clock.monotonicMillis();
    writeLock.lock();
    try {
      if (reg.removed || reg.instance.version() >= asOf) {
        return null;
      }
      return removeLocked(reg, Reason.REPAIR, versions.next(), now, false);
    } finally {
      writeLock.unlock();
    }
  }

  /** Applies service settings received from a peer if newer. */
  public ChangeEvent applyRemoteService(ServiceKey key, ServiceMeta meta) {
    versions.observe(meta.version());
    writeLock.lock();
    try {
      ServiceEntry entry = services.get(key);
      if (entry != null && entry.meta.version() >= meta.version()) {
        return null;
      }
      Tombstone t = tombstones.get(SERVICE_TOMBSTONE_PREFIX + key);
      if (t != null && t.version() >= meta.version()) {
        return null;
      }
      return putServiceLocked(key, meta, Reason.SYNC);
    } finally {
      writeLock.unlock();
    }
  }

  /** Applies a service delete received from a peer: the service stays if it has instances. */
  public ChangeEvent applyRemoteServiceDelete(ServiceKey key, long version) {
    long now = clock.monotonicMillis();
    versions.observe(version);
    writeLock.lock();
    try {
      tombstones.merge(SERVICE_TOMBSTONE_PREFIX + key, new Tombstone(version, now),
          (a, b) -> a.version() >= b.version() ? a : b);
      ServiceEntry entry = services.get(key);
      if (entry == null || entry.meta.version() >= version) { // equal: this delete, delivered again
        return null;
      }
      if (!entry.instances.isEmpty()) {
        entry.meta = new ServiceMeta(0f, Map.of(), ServiceMeta.NO_SELECTOR, false, version);
        return commit(entry, null, Type.SERVICE_UPDATED, Reason.SYNC, null, null, version);
      }
      services.remove(key, entry);
      return commit(entry, null, Type.SERVICE_DELETED, Reason.SYNC, null, null, version);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Forgets deletes made here before {@code before} (monotonic ms, {@link Clock#monotonicMillis});
   * returns how many were dropped.
   */
  public int pruneTombstones(long before) {
    int n = 0;
    for (var it = tombstones.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().at() < before) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  // ---- internals (write lock held) ----

  /** Publishes the current instance again under a new version (a local change, so it replicates). */
  private ChangeEvent reassertLocked(Registration reg) {
    Instance prev = reg.instance;
    Instance next = prev.withVersion(versions.next());
    reg.instance = next;
    return commit(reg, Type.MODIFIED, Reason.BEAT, prev, next, next.version());
  }

  private ChangeEvent putLocked(Instance next, Reason reason, long now, boolean localWrite) {
    ServiceEntry entry = services.computeIfAbsent(next.service(), k -> new ServiceEntry(k, ServiceMeta.DEFAULT));
    Registration reg = entry.instances.get(next.localId());
    if (reg == null) {
      reg = new Registration(entry, next, now, localWrite ? versions.nowMillis() : 0);
      entry.instances.put(reg.localId(), reg);
      instanceCount++;
      tombstones.remove(next.globalKey());
      return commit(reg, Type.ADDED, reason, null, next, next.version());
    }
    Instance prev = reg.instance;
    if (localWrite) {
      reg.heardClient(now, versions.nowMillis());
      if (prev.sameContent(next)) {
        return null;
      }
    }
    reg.instance = next;
    return commit(reg, Type.MODIFIED, reason, prev, next, next.version());
  }

  private ChangeEvent putServiceLocked(ServiceKey key, ServiceMeta meta, Reason reason) {
    ServiceEntry entry = services.computeIfAbsent(key, k -> new ServiceEntry(k, meta));
    entry.meta = meta;
    tombstones.remove(SERVICE_TOMBSTONE_PREFIX + key);
    return commit(entry, null, Type.SERVICE_UPDATED, reason, null, null, meta.version());
  }

  private ChangeEvent removeLocked(Registration reg, Reason reason, long version, long now, boolean tombstone) {
    ServiceEntry entry = reg.service();
    entry.instances.remove(reg.localId(), reg);
    reg.removed = true;
    instanceCount--;
    Instance prev = reg.instance;
    if (tombstone) {
      tombstones.put(prev.globalKey(), new Tombstone(version, now));
    }
    ChangeEvent event = commit(reg, Type.DELETED, reason, prev, null, version);
    if (entry.instances.isEmpty() && !entry.meta.explicit()) {
      services.remove(entry.key(), entry);
    }
    return event;
  }

  private ChangeEvent commit(Registration reg, Type type, Reason reason, Instance prev, Instance next,
      long version) {
    return commit(reg.service(), reg, type, reason, prev, next, version);
  }

  private ChangeEvent commit(ServiceEntry entry, Registration reg, Type type, Reason reason, Instance prev,
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

package dev.distro.registry.store;

import dev.distro.registry.model.Clock;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.ChangeEvent.Type;
import java.util.Collection;
import java.util.List;
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
 */
public final class RegistryStore {

  private static final Logger LOG = Logger.getLogger(RegistryStore.class.getName());

  private final ConcurrentHashMap<ServiceKey, ServiceEntry> services = new ConcurrentHashMap<>();
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

  // ---- writes ----

  /**
   * Adds or replaces an instance (a client registration). The version of {@code candidate} is
   * ignored: a new one is assigned. Registering again with the same content only renews the lease.
   *
   * @return the event published, or null when nothing visible changed
   */
  public ChangeEvent register(Instance candidate) {
    long now = clock.millis();
    writeLock.lock();
    try {
      ServiceEntry entry = services.computeIfAbsent(candidate.service(), k -> new ServiceEntry(k, ServiceMeta.DEFAULT));
      Registration reg = entry.instances.get(candidate.localId());
      if (reg != null && reg.instance.sameContent(candidate)) {
        reg.renew(now);
        return null;
      }
      Instance next = candidate.withVersion(versions.next());
      if (reg == null) {
        reg = new Registration(entry, next, now);
        entry.instances.put(reg.localId(), reg);
        instanceCount++;
        return commit(entry, Type.ADDED, Reason.REGISTER, null, next, now);
      }
      Instance prev = reg.instance;
      reg.instance = next;
      reg.renew(now);
      return commit(entry, Type.MODIFIED, Reason.REGISTER, prev, next, now);
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
    long now = clock.millis();
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
      return commit(reg.service(), Type.MODIFIED, reason, prev, next, now);
    } finally {
      writeLock.unlock();
    }
  }

  /** Removes an instance; idempotent. */
  public ChangeEvent deregister(ServiceKey key, String localId, Reason reason) {
    long now = clock.millis();
    writeLock.lock();
    try {
      Registration reg = find(key, localId);
      if (reg == null) {
        return null;
      }
      return removeLocked(reg, reason, now);
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
    if (reg == null) {
      return null;
    }
    reg.renew(clock.millis());
    if (!reg.instance.healthy()) {
      update(key, localId, i -> i.withHealthy(true, i.version()), Reason.BEAT);
    }
    return reg;
  }

  /**
   * Marks an instance unhealthy if it is still the one the caller looked at and its lease has not
   * been renewed since {@code seenBeat}. Used by the TTL sweep.
   */
  public ChangeEvent markUnhealthy(Registration reg, long seenBeat) {
    long now = clock.millis();
    writeLock.lock();
    try {
      if (reg.removed || reg.lastBeat != seenBeat || !reg.instance.healthy()) {
        return null;
      }
      Instance prev = reg.instance;
      Instance next = prev.withHealthy(false, versions.next());
      reg.instance = next;
      return commit(reg.service(), Type.MODIFIED, Reason.UNHEALTHY, prev, next, now);
    } finally {
      writeLock.unlock();
    }
  }

  /** Removes an instance whose lease ran out, unless it was renewed since {@code seenBeat}. */
  public ChangeEvent expire(Registration reg, long seenBeat) {
    long now = clock.millis();
    writeLock.lock();
    try {
      if (reg.removed || reg.lastBeat != seenBeat) {
        return null;
      }
      return removeLocked(reg, Reason.EXPIRED, now);
    } finally {
      writeLock.unlock();
    }
  }

  /** Creates or replaces a service's settings. */
  public ChangeEvent putServiceMeta(ServiceKey key, ServiceMeta meta) {
    long now = clock.millis();
    writeLock.lock();
    try {
      ServiceEntry entry = services.computeIfAbsent(key, k -> new ServiceEntry(k, meta));
      ServiceMeta stamped = new ServiceMeta(meta.protectThreshold(), meta.metadata(), meta.selector(),
          meta.explicit(), versions.next());
      entry.meta = stamped;
      return commit(entry, Type.SERVICE_UPDATED, Reason.SERVICE, null, null, now);
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
    long now = clock.millis();
    writeLock.lock();
    try {
      ServiceEntry entry = services.get(key);
      if (entry == null) {
        return true;
      }
      if (!entry.instances.isEmpty()) {
        return false;
      }
      services.remove(key, entry);
      commit(entry, Type.SERVICE_DELETED, Reason.SERVICE, null, null, now);
      return true;
    } finally {
      writeLock.unlock();
    }
  }

  private ChangeEvent removeLocked(Registration reg, Reason reason, long now) {
    ServiceEntry entry = reg.service();
    entry.instances.remove(reg.localId(), reg);
    reg.removed = true;
    instanceCount--;
    Instance prev = reg.instance;
    ChangeEvent event = commit(entry, Type.DELETED, reason, prev, null, now);
    if (entry.instances.isEmpty() && !entry.meta.explicit()) {
      services.remove(entry.key(), entry);
    }
    return event;
  }

  private ChangeEvent commit(ServiceEntry entry, Type type, Reason reason, Instance prev, Instance next,
      long now) {
    long rev = revision + 1;
    entry.modCount = rev;
    ChangeEvent event = new ChangeEvent(rev, type, reason, entry.key(), prev, next, now);
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

package dev.distro.registry.store;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One service in the store. Readers iterate {@link #registrations()} without locks; writers go
 * through {@link RegistryStore}, which bumps {@link #modCount()} on every change so that encoded
 * views cached in {@link #viewCache()} can tell they are stale.
 */
public final class ServiceEntry {

  private final ServiceKey key;
  final ConcurrentHashMap<String, Registration> instances = new ConcurrentHashMap<>();
  volatile ServiceMeta meta;
  volatile long modCount;
  private final AtomicReference<Object> viewCache = new AtomicReference<>();

  ServiceEntry(ServiceKey key, ServiceMeta meta) {
    this.key = key;
    this.meta = meta;
  }

  public ServiceKey key() {
    return key;
  }

  public ServiceMeta meta() {
    return meta;
  }

  public long modCount() {
    return modCount;
  }

  /**
   * {@code i} at {@code version} as it is kept in this entry: with this entry's key object and the
   * default cluster's one name string, not the copies each request or sync batch decoded. Every
   * instance of a service would otherwise hold a key and names of its own (about 250 bytes each of
   * the 550 an instance took), which the collector copies for as long as the instance lives. The
   * caller found this entry by {@code i}'s service, so the key is equal to {@code i}'s.
   */
  Instance stored(Instance i, long version) {
    String cluster = i.cluster();
    String shared = Instance.DEFAULT_CLUSTER.equals(cluster) ? Instance.DEFAULT_CLUSTER : cluster;
    if (i.service() == key && shared == cluster && i.version() == version) {
      return i;
    }
    return new Instance(key, shared, i.ip(), i.port(), i.weight(), i.healthy(), i.enabled(), i.ephemeral(),
        i.metadata(), version, i.holder());
  }

  public Registration get(String localId) {
    return instances.get(localId);
  }

  public Collection<Registration> registrations() {
    return instances.values();
  }

  public int size() {
    return instances.size();
  }

  /** A slot for a view of this entry computed by a reader (e.g. the encoded instance list). */
  public AtomicReference<Object> viewCache() {
    return viewCache;
  }
}

package dev.distro.registry.store;

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

package dev.distro.registry.store;

import dev.distro.registry.model.Instance;

/**
 * The store's slot for one instance: the current immutable {@link Instance} and its lease (the
 * time of the last beat). A beat writes {@link #lastBeat} and nothing else, so it allocates
 * nothing; a change replaces {@link #instance} under the store's write lock.
 */
public final class Registration {

  private final ServiceEntry service;
  private final String localId;
  volatile Instance instance;
  volatile long lastBeat;
  volatile boolean removed;

  Registration(ServiceEntry service, Instance instance, long now) {
    this.service = service;
    this.localId = instance.localId();
    this.instance = instance;
    this.lastBeat = now;
  }

  public ServiceEntry service() {
    return service;
  }

  public String localId() {
    return localId;
  }

  public Instance instance() {
    return instance;
  }

  public long lastBeat() {
    return lastBeat;
  }

  /** True once the instance left the store; a later registration gets a new slot. */
  public boolean removed() {
    return removed;
  }

  /** Restarts the lease, as a beat does. */
  public void renew(long now) {
    if (now > lastBeat) {
      lastBeat = now;
    }
  }
}

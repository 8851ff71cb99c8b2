package dev.distro.registry.store;

import dev.distro.registry.model.Instance;

/**
 * The store's slot for one instance: the current immutable {@link Instance}, its lease (the time
 * of the last beat, or of a lease restart) and the time its client was last heard here (a beat or
 * a registration received by this node; a lease restart is not one). A beat writes these two
 * volatile longs and nothing else, so it allocates nothing; a change replaces {@link #instance}
 * under the store's write lock.
 */
public final class Registration {

  private final ServiceEntry service;
  private final String localId;
  volatile Instance instance;
  volatile long lastBeat;
  volatile long clientSeen;
  volatile boolean removed;

  Registration(ServiceEntry service, Instance instance, long now, boolean fromClient) {
    this.service = service;
    this.localId = instance.localId();
    this.instance = instance;
    this.lastBeat = now;
    this.clientSeen = fromClient ? now : 0;
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

  /**
   * When this node last heard the instance's client (0: never, it came from a peer). Only this
   * proves the client was alive; a restarted lease does not.
   */
  public long clientSeen() {
    return clientSeen;
  }

  /** Restarts the lease (an ownership change, a reconnect): the client gets a full timeout again. */
  public void renew(long now) {
    if (now > lastBeat) {
      lastBeat = now;
    }
  }

  /** The client was heard: a beat or a registration. Restarts the lease too. */
  void heardClient(long now) {
    renew(now);
    if (now > clientSeen) {
      clientSeen = now;
    }
  }
}

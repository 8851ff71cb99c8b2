package dev.distro.registry.store;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;

/**
 * One change to the registry, stamped with the node revision it produced. Every change, whatever
 * its source, is published exactly once, in revision order.
 *
 * @param previous the instance before the change (null when added or for service changes)
 * @param current the instance after the change (null when deleted or for service changes)
 * @param timestamp wall-clock ms of the change
 * @param registration the store's slot of the instance changed (null for service changes); removed
 *     already when the change is a delete
 */
public record ChangeEvent(long revision, Type type, Reason reason, ServiceKey service,
    Instance previous, Instance current, long version, long timestamp, Registration registration) {

  /** True for changes made on this node (to be replicated), false for changes received from peers. */
  public boolean local() {
    return reason != Reason.SYNC && reason != Reason.REPAIR && reason != Reason.EVICTED;
  }

  public enum Type { ADDED, MODIFIED, DELETED, SERVICE_UPDATED, SERVICE_DELETED }

  /**
   * Why the change happened; a delete carries {@link #EXPIRED} when its lease ran out. SYNC and
   * REPAIR changes came from a peer; EVICTED removes a replica no owner renews any more.
   */
  public enum Reason { REGISTER, UPDATE, DEREGISTER, BEAT, UNHEALTHY, EXPIRED, SERVICE, SYNC, REPAIR, EVICTED }
}

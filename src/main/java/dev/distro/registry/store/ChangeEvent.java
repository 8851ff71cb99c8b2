package dev.distro.registry.store;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;

/**
 * One change to the registry, stamped with the node revision it produced. Every change, whatever
 * its source, is published exactly once, in revision order.
 *
 * @param previous the instance before the change (null when added or for service changes)
 * @param current the instance after the change (null when deleted or for service changes)
 */
public record ChangeEvent(long revision, Type type, Reason reason, ServiceKey service,
    Instance previous, Instance current, long timestamp) {

  public enum Type { ADDED, MODIFIED, DELETED, SERVICE_UPDATED, SERVICE_DELETED }

  /** Why the change happened; a delete carries {@link #EXPIRED} when its lease ran out. */
  public enum Reason { REGISTER, UPDATE, DEREGISTER, BEAT, UNHEALTHY, EXPIRED, SERVICE, SYNC, REPAIR }
}

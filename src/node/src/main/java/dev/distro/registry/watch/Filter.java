package dev.distro.registry.watch;

import dev.distro.registry.model.ServiceKey;

/**
 * What a subscription watches: a namespace, optionally narrowed to a group and then a service; a
 * null namespace means everything.
 */
record Filter(String namespace, String group, String service) {

  boolean matches(ServiceKey k) {
    return (namespace == null || namespace.equals(k.namespace()))
        && (group == null || group.equals(k.group()))
        && (service == null || service.equals(k.name()));
  }

  /** The one service this filter names, or null when it names several. */
  ServiceKey exact() {
    return namespace != null && group != null && service != null ? new ServiceKey(namespace, group, service) : null;
  }
}

package dev.distro.client;

/**
 * What a subscription covers, as the protocol's filters allow: everything, a namespace, a group of
 * a namespace, or one service. A group needs a namespace and a service a group.
 */
public record WatchFilter(String namespace, String group, String service) {

  public WatchFilter {
    if (group != null && namespace == null || service != null && group == null) {
      throw new IllegalArgumentException("a group needs a namespace and a service a group");
    }
  }

  public static WatchFilter all() {
    return new WatchFilter(null, null, null);
  }

  public static WatchFilter namespace(String namespace) {
    return new WatchFilter(namespace, null, null);
  }

  public static WatchFilter group(String namespace, String group) {
    return new WatchFilter(namespace, group, null);
  }

  public static WatchFilter service(String namespace, String group, String service) {
    return new WatchFilter(namespace, group, service);
  }

  public static WatchFilter service(ServiceKey key) {
    return new WatchFilter(key.namespace(), key.group(), key.name());
  }

  public boolean matches(ServiceKey key) {
    return (namespace == null || namespace.equals(key.namespace()))
        && (group == null || group.equals(key.group()))
        && (service == null || service.equals(key.name()));
  }
}

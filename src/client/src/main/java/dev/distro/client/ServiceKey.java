package dev.distro.client;

import java.util.Objects;

/** A service as the registry names it: namespace, group and service name. */
public record ServiceKey(String namespace, String group, String name) implements Comparable<ServiceKey> {

  public static final String DEFAULT_NAMESPACE = "public";
  public static final String DEFAULT_GROUP = "DEFAULT_GROUP";

  public ServiceKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(name, "name");
  }

  /** A service of the default group in the default namespace (as Nacos clients name it by default). */
  public static ServiceKey of(String name) {
    return new ServiceKey(DEFAULT_NAMESPACE, DEFAULT_GROUP, name);
  }

  @Override
  public int compareTo(ServiceKey o) {
    int c = namespace.compareTo(o.namespace);
    if (c == 0) {
      c = group.compareTo(o.group);
    }
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + group + "/" + name;
  }
}

package dev.distro.registry.model;

/**
 * Identifies a service: namespace, group and plain (ungrouped) name.
 * Immutable; the grouped name ({@code group@@name}) and the hash are computed once.
 */
public final class ServiceKey implements Comparable<ServiceKey> {

  public static final String DEFAULT_NAMESPACE = "public";
  public static final String DEFAULT_GROUP = "DEFAULT_GROUP";
  public static final String GROUP_SEPARATOR = "@@";

  private final String namespace;
  private final String group;
  private final String name;
  private final String groupedName;
  private final int hash;

  public ServiceKey(String namespace, String group, String name) {
    this.namespace = namespace;
    this.group = group;
    this.name = name;
    this.groupedName = group + GROUP_SEPARATOR + name;
    this.hash = 31 * namespace.hashCode() + groupedName.hashCode();
  }

  public String namespace() {
    return namespace;
  }

  public String group() {
    return group;
  }

  public String name() {
    return name;
  }

  /** {@code group@@name}, the form the Nacos 1.x client caches under. */
  public String groupedName() {
    return groupedName;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof ServiceKey k && hash == k.hash && groupedName.equals(k.groupedName)
        && namespace.equals(k.namespace);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(ServiceKey o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : groupedName.compareTo(o.groupedName);
  }

  @Override
  public String toString() {
    return namespace + "##" + groupedName;
  }
}

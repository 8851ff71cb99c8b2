package dev.distro.client;

import java.util.Comparator;
import java.util.Map;
import java.util.Objects;

/**
 * An instance as the node sends it in watch frames. Within its service it is identified by cluster,
 * ip and port; two instances are equal when every field is (a changed weight, health, metadata or
 * version makes a different instance with the same identity).
 */
public record Instance(ServiceKey service, String cluster, String ip, int port, double weight, boolean healthy,
    boolean enabled, Map<String, String> metadata, long version) {

  /** The order of a service's instance list: cluster, then ip, then port. */
  public static final Comparator<Instance> ORDER = Comparator.comparing(Instance::cluster)
      .thenComparing(Instance::ip).thenComparingInt(Instance::port);

  public Instance {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(ip, "ip");
    metadata = Map.copyOf(metadata);
  }

  /** Whether {@code o} is the same instance of the same service (cluster, ip, port), whatever its other fields. */
  public boolean sameIdentity(Instance o) {
    return port == o.port && ip.equals(o.ip) && cluster.equals(o.cluster) && service.equals(o.service);
  }

  /** {@code ip:port}. */
  public String address() {
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
  }
}

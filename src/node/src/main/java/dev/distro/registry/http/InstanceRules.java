package dev.distro.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import java.util.Map;

/**
 * The naming API's checks on names and instances, for the node's other client protocol (gRPC): the
 * same rules and the same messages as on HTTP. Every method throws {@link ApiException} (status
 * 400, a message naming the field) on bad input.
 */
public final class InstanceRules {

  private final Params params;

  public InstanceRules(NodeConfig config) {
    this.params = new Params(config);
  }

  /** A service from its parts as a 2.x client sends them; a blank namespace or group is the default. */
  public ServiceKey service(String namespace, String group, String name) {
    String ns = namespace == null || namespace.isEmpty() ? ServiceKey.DEFAULT_NAMESPACE : namespace;
    Params.checkNamespace(ns);
    String g = group == null || group.isEmpty() ? ServiceKey.DEFAULT_GROUP : group;
    Params.checkGroupName(g);
    if (name == null || name.isEmpty()) {
      throw ApiException.missing("serviceName");
    }
    Params.checkName("serviceName", name, params.maxServiceNameLength());
    return new ServiceKey(ns, g, name);
  }

  /** The namespace and group of a list call. */
  public String namespace(String namespace) {
    String ns = namespace == null || namespace.isEmpty() ? ServiceKey.DEFAULT_NAMESPACE : namespace;
    Params.checkNamespace(ns);
    return ns;
  }

  public String group(String group) {
    String g = group == null || group.isEmpty() ? ServiceKey.DEFAULT_GROUP : group;
    Params.checkGroupName(g);
    return g;
  }

  /**
   * An instance of {@code key} from a 2.x client's {@code Instance} JSON: ip, port, weight,
   * healthy, enabled, clusterName (blank: {@code DEFAULT}) and metadata, checked as on HTTP; it must
   * be ephemeral. The heartbeat timeouts, when given outside the metadata, are kept there, as Nacos
   * keeps them.
   */
  public Instance instance(ServiceKey key, JsonNode n) {
    if (n == null || !n.isObject()) {
      throw ApiException.missing("instance");
    }
    String ip = Params.ip(text(n, "ip"));
    int port = Params.port(text(n, "port"));
    double weight = Params.weight(text(n, "weight"), 1.0);
    boolean healthy = Params.bool("healthy", text(n, "healthy"), true);
    boolean enabled = Params.bool("enabled", text(n, "enabled"), true);
    if (!Params.bool("ephemeral", text(n, "ephemeral"), true)) {
      throw ApiException.illegal("ephemeral", "persistent instances are not supported: this registry keeps"
          + " ephemeral instances only.");
    }
    String clusterRaw = text(n, "clusterName");
    String cluster = clusterRaw == null || clusterRaw.isEmpty() ? Instance.DEFAULT_CLUSTER
        : Params.checkCluster("clusterName", clusterRaw);
    Map<String, String> meta = params.metadata("metadata", n.get("metadata"));
    Instance i = new Instance(key, cluster, ip, port, weight, healthy, enabled, true,
        meta == null ? Map.of() : meta, 0L);
    // Nacos's NamingUtils.checkInstanceIsLegal: the timeouts may not be shorter than the interval
    if (i.beatTimeoutMs() < i.beatIntervalMs() || i.deleteTimeoutMs() < i.beatIntervalMs()) {
      throw ApiException.illegal("metadata", "instance 'heart beat timeout' and 'ip delete timeout' must"
          + " not be less than 'heart beat interval'.");
    }
    return i;
  }

  /** A comma-joined cluster filter: null (all) when blank; at most 64 names. */
  public java.util.Set<String> clusters(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String cl : raw.split(",")) {
      String t = cl.trim();
      if (!t.isEmpty()) {
        out.add(Params.checkCluster("cluster", t));
      }
      if (out.size() > 64) {
        throw ApiException.illegal("cluster", "at most 64 clusters may be listed.");
      }
    }
    return out.isEmpty() ? null : out;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}

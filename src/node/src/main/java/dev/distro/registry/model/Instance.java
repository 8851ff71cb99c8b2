package dev.distro.registry.model;

import java.util.Map;

/**
 * One registered instance, immutable. A change produces a new {@code Instance} with a higher
 * {@link #version()}; the liveness of an instance (its last beat) is kept apart, in the store's
 * registration, so that a heartbeat never allocates a new instance.
 *
 * @param version orders writes to the same instance across nodes (a hybrid logical clock value)
 * @param holder for an instance registered over a gRPC connection (a Nacos 2.x/3.x client), the
 *     connection that holds it, as {@code <member address>/<connection id>}: that member is
 *     responsible for it, whatever its {@code ip:port} hashes to, and it lives as long as the
 *     connection. Null for an instance kept alive by heartbeats (1.x clients, HTTP).
 */
public record Instance(
    ServiceKey service,
    String cluster,
    String ip,
    int port,
    double weight,
    boolean healthy,
    boolean enabled,
    boolean ephemeral,
    Map<String, String> metadata,
    long version,
    String holder) {

  public static final String DEFAULT_CLUSTER = "DEFAULT";

  public static final String META_BEAT_INTERVAL = "preserved.heart.beat.interval";
  public static final String META_BEAT_TIMEOUT = "preserved.heart.beat.timeout";
  public static final String META_DELETE_TIMEOUT = "preserved.ip.delete.timeout";
  public static final String META_ID_GENERATOR = "preserved.instance.id.generator";

  public static final long DEFAULT_BEAT_INTERVAL_MS = 5_000;
  public static final long DEFAULT_BEAT_TIMEOUT_MS = 15_000;
  public static final long DEFAULT_DELETE_TIMEOUT_MS = 30_000;
  /** The longest preserved interval or timeout (about 24.8 days). */
  public static final long MAX_PRESERVED_MS = Integer.MAX_VALUE;

  /** The longest holder string a peer may send. */
  public static final int MAX_HOLDER = 400;

  public Instance {
    metadata = Map.copyOf(metadata);
  }

  /** An instance kept alive by heartbeats (no holder). */
  public Instance(ServiceKey service, String cluster, String ip, int port, double weight, boolean healthy,
      boolean enabled, boolean ephemeral, Map<String, String> metadata, long version) {
    this(service, cluster, ip, port, weight, healthy, enabled, ephemeral, metadata, version, null);
  }

  /** The holder string of a connection held by member {@code node}. */
  public static String holder(String node, String connectionId) {
    return node + '/' + connectionId;
  }

  /** The member whose connection holds this instance, or null when heartbeats keep it. */
  public String holderNode() {
    if (holder == null) {
      return null;
    }
    int slash = holder.indexOf('/');
    return slash < 0 ? holder : holder.substring(0, slash);
  }

  /** A copy of this instance held by {@code newHolder} (null: kept by heartbeats). */
  public Instance withHolder(String newHolder) {
    return new Instance(service, cluster, ip, port, weight, healthy, enabled, ephemeral, metadata, version, newHolder);
  }

  /** The key of this instance inside its service: {@code ip#port#cluster}. */
  public String localId() {
    return localId(ip, port, cluster);
  }

  public static String localId(String ip, int port, String cluster) {
    return ip + '#' + port + '#' + cluster;
  }

  /** The key of this instance across the registry: {@code namespace##group@@service#ip#port#cluster}. */
  public String globalKey() {
    return service.toString() + '#' + localId();
  }

  /** Nacos's instance id: {@code ip#port#cluster#group@@service}. */
  public String instanceId() {
    return ip + '#' + port + '#' + cluster + '#' + service.groupedName();
  }

  public long beatIntervalMs() {
    return metaMillis(META_BEAT_INTERVAL, DEFAULT_BEAT_INTERVAL_MS);
  }

  public long beatTimeoutMs() {
    return metaMillis(META_BEAT_TIMEOUT, DEFAULT_BEAT_TIMEOUT_MS);
  }

  public long deleteTimeoutMs() {
    return metaMillis(META_DELETE_TIMEOUT, DEFAULT_DELETE_TIMEOUT_MS);
  }

  /** The {@code instanceIdGenerator} field of the list JSON; null when Nacos omits it. */
  public String idGenerator() {
    String g = metadata.get(META_ID_GENERATOR);
    if (g != null) {
      return g;
    }
    return metadata.isEmpty() ? "simple" : null;
  }

  private long metaMillis(String key, long dflt) {
    if (metadata.isEmpty()) {
      return dflt;
    }
    String v = metadata.get(key);
    return v == null ? dflt : parseMillis(v, dflt);
  }

  /**
   * Parses a preserved timing value; validation at the API edge keeps it from 1 to
   * {@link #MAX_PRESERVED_MS}, and a larger one (from a peer) is capped so that lease arithmetic
   * cannot overflow.
   */
  static long parseMillis(String v, long dflt) {
    try {
      long ms = Long.parseLong(v.trim());
      return ms > 0 ? Math.min(ms, MAX_PRESERVED_MS) : dflt;
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  public Instance withHealthy(boolean h, long newVersion) {
    return new Instance(service, cluster, ip, port, weight, h, enabled, ephemeral, metadata, newVersion, holder);
  }

  public Instance withVersion(long newVersion) {
    return new Instance(service, cluster, ip, port, weight, healthy, enabled, ephemeral, metadata, newVersion,
        holder);
  }

  /**
   * True when the two agree in everything a reader can see and in who holds them (the version
   * aside): a move to another connection is a change to replicate, though lists look the same.
   */
  public boolean sameContent(Instance o) {
    return o != null && port == o.port && Double.compare(weight, o.weight) == 0 && healthy == o.healthy
        && enabled == o.enabled && ephemeral == o.ephemeral && ip.equals(o.ip) && cluster.equals(o.cluster)
        && service.equals(o.service) && metadata.equals(o.metadata) && java.util.Objects.equals(holder, o.holder);
  }
}

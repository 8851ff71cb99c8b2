package dev.distro.registry.view;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Renders a service's instances as Nacos's {@code ServiceInfo} JSON. The {@code hosts} array of
 * the common query (all clusters) is encoded once per service change and cached on the service
 * entry; only the envelope fields ({@code clusters} echo, {@code lastRefTime}) are written per call.
 */
public final class ServiceView {

  private static final Comparator<Instance> ORDER =
      Comparator.comparing(Instance::ip).thenComparingInt(Instance::port).thenComparing(Instance::cluster);

  /** Hosts of one service for the all-clusters view, for healthyOnly false and true. */
  private record Cached(long modCount, Hosts all, Hosts healthyOnly) { }

  /**
   * An encoded hosts array (text and UTF-8 bytes, both made once; its deflated form made once when
   * first asked for) and whether the protection threshold was reached. The bytes are kept once:
   * answers copy them into their own buffer.
   */
  public static final class Hosts {
    private final String json;
    private final byte[] utf8;
    private final boolean protectionReached;
    private final int count;
    private volatile byte[] deflated;

    Hosts(String json, boolean protectionReached, int count) {
      this.json = json;
      this.utf8 = json.getBytes(StandardCharsets.UTF_8);
      this.protectionReached = protectionReached;
      this.count = count;
    }

    public String json() {
      return json;
    }

    public boolean protectionReached() {
      return protectionReached;
    }

    public int count() {
      return count;
    }

    /** The UTF-8 bytes as raw deflate blocks ({@link Gzip#segment}), compressed once. */
    byte[] deflated() {
      byte[] d = deflated;
      if (d == null) {
        // racing callers compress the same bytes to the same result; one of them is kept
        d = Gzip.segment(utf8);
        deflated = d;
      }
      return d;
    }
  }

  private static final Hosts EMPTY = new Hosts("[]", false, 0);

  private ServiceView() { }

  public static Hosts hosts(ServiceEntry entry, Set<String> clusters, boolean healthyOnly) {
    if (entry == null) {
      return EMPTY;
    }
    if (clusters != null) {
      return encode(entry, clusters, healthyOnly);
    }
    long mod = entry.modCount();
    Object c = entry.viewCache().get();
    Cached cached = c instanceof Cached k && k.modCount == mod ? k : new Cached(mod, null, null);
    Hosts h = healthyOnly ? cached.healthyOnly : cached.all;
    if (h == null) {
      // each variant is encoded when first asked for after a change, not both every time
      h = encode(entry, null, healthyOnly);
      entry.viewCache().set(healthyOnly ? new Cached(mod, cached.all, h) : new Cached(mod, h, cached.healthyOnly));
    }
    return h;
  }

  private static Hosts encode(ServiceEntry entry, Set<String> clusters, boolean healthyOnly) {
    List<Instance> selected = new ArrayList<>(entry.size());
    int healthy = 0;
    for (Registration reg : entry.registrations()) {
      Instance inst = reg.instance();
      if (!inst.enabled() || clusters != null && !clusters.contains(inst.cluster())
          || healthyOnly && !inst.healthy()) {
        continue;
      }
      selected.add(inst);
      if (inst.healthy()) {
        healthy++;
      }
    }
    selected.sort(ORDER);
    float threshold = entry.meta().protectThreshold();
    boolean protect = threshold > 0 && !selected.isEmpty() && (float) healthy / selected.size() <= threshold;
    JsonWriter w = new JsonWriter(new StringBuilder(64 + selected.size() * 400)).beginArray();
    for (Instance inst : selected) {
      writeHost(w, inst, protect || inst.healthy());
    }
    return new Hosts(w.endArray().toString(), protect, selected.size());
  }

  public static void writeHost(JsonWriter w, Instance inst, boolean healthy) {
    w.beginObject()
        .field("instanceId", inst.instanceId())
        .field("ip", inst.ip())
        .field("port", inst.port())
        .field("weight", inst.weight())
        .field("healthy", healthy)
        .field("enabled", inst.enabled())
        .field("ephemeral", inst.ephemeral())
        .field("clusterName", inst.cluster())
        .field("serviceName", inst.service().groupedName())
        .field("metadata", inst.metadata())
        .field("instanceHeartBeatInterval", inst.beatIntervalMs())
        .field("instanceHeartBeatTimeOut", inst.beatTimeoutMs())
        .field("ipDeleteTimeout", inst.deleteTimeoutMs());
    String gen = inst.idGenerator();
    if (gen != null) {
      w.field("instanceIdGenerator", gen);
    }
    w.endObject();
  }

  /**
   * The ServiceInfo of {@code /instance/list} as bytes: the per-call fields around the cached hosts
   * bytes, with one copy of the hosts array per response.
   */
  public static Buffer serviceInfoBytes(ServiceKey key, String clustersEcho, Hosts hosts, long cacheMillis, long now) {
    StringBuilder head = head(key, clustersEcho, cacheMillis);
    StringBuilder tail = tail(hosts, now);
    Buffer out = Buffer.buffer(head.length() + hosts.utf8.length + tail.length() + 16);
    return out.appendString(head.toString()).appendBytes(hosts.utf8).appendString(tail.toString());
  }

  /**
   * The same ServiceInfo as {@link #serviceInfoBytes}, gzipped: the hosts array was compressed once
   * per change of the service; only the few envelope bytes around it are new per call.
   */
  public static Buffer serviceInfoGzip(ServiceKey key, String clustersEcho, Hosts hosts, long cacheMillis, long now) {
    byte[] head = head(key, clustersEcho, cacheMillis).toString().getBytes(StandardCharsets.UTF_8);
    byte[] tail = tail(hosts, now).toString().getBytes(StandardCharsets.UTF_8);
    return Gzip.body(head, hosts.utf8, hosts.deflated(), tail);
  }

  private static StringBuilder head(ServiceKey key, String clustersEcho, long cacheMillis) {
    StringBuilder head = new StringBuilder(128);
    new JsonWriter(head).beginObject()
        .field("name", key.groupedName())
        .field("groupName", key.group())
        .field("clusters", clustersEcho)
        .field("cacheMillis", cacheMillis)
        .name("hosts");
    return head;
  }

  private static StringBuilder tail(Hosts hosts, long now) {
    StringBuilder tail = new StringBuilder(160);
    new JsonWriter(tail).beginObject()
        .field("lastRefTime", now)
        .field("checksum", "")
        .field("allIPs", false)
        .field("reachProtectionThreshold", hosts.protectionReached())
        .field("valid", true)
        .endObject();
    tail.setCharAt(0, ',');
    return tail;
  }

  /** The full ServiceInfo object of {@code /instance/list}. */
  public static String serviceInfo(ServiceKey key, String clustersEcho, Hosts hosts, long cacheMillis, long now) {
    JsonWriter w = new JsonWriter(new StringBuilder(hosts.json().length() + 256));
    writeServiceInfo(w, key.groupedName(), key.group(), clustersEcho, hosts, cacheMillis, now);
    return w.toString();
  }

  /**
   * A ServiceInfo object: {@code name} as the caller's protocol has it (grouped for the HTTP lists,
   * plain for gRPC), the hosts array as cached.
   */
  public static void writeServiceInfo(JsonWriter w, String name, String group, String clustersEcho, Hosts hosts,
      long cacheMillis, long now) {
    w.beginObject()
        .field("name", name)
        .field("groupName", group)
        .field("clusters", clustersEcho)
        .field("cacheMillis", cacheMillis)
        .name("hosts").raw(hosts.json())
        .field("lastRefTime", now)
        .field("checksum", "")
        .field("allIPs", false)
        .field("reachProtectionThreshold", hosts.protectionReached())
        .field("valid", true)
        .endObject();
  }
}

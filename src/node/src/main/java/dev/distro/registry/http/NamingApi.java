package dev.distro.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.distro.ImmediateReplication;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.IpLiteral;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.view.Gzip;
import dev.distro.registry.view.ServiceView;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Nacos naming API handlers (instances and services), shared by v1 and v2: the same
 * parameters, defaults and checks; {@link Call} renders the reply for the version asked.
 */
final class NamingApi {

  static final int CODE_OK = 10200;
  static final int CODE_NOT_FOUND = 20404;

  private final HttpParts node;
  private final Passes passes;
  private final RegistryStore store;
  private final Params params;
  private final ImmediateReplication replication;

  /** {@code replication}: sends a change to the peers now; a deregistration is acknowledged after it. */
  NamingApi(HttpParts node, ImmediateReplication replication, Passes passes) {
    this.replication = replication;
    this.passes = passes;
    this.node = node;
    this.store = node.store;
    this.params = new Params(node.config);
  }

  // ---- instances ----

  void register(Call c) {
    Instance inst = instanceFromParams(c, null);
    store.register(inst);
    c.ok();
  }

  void deregister(Call c) {
    ServiceKey key = params.service(c);
    String ip = Params.ip(c.param("ip"));
    int port = Params.port(c.param("port"));
    String cluster = params.cluster(c);
    ChangeEvent removed = store.deregister(key, Instance.localId(ip, port, cluster), Reason.DEREGISTER);
    if (removed == null) {
      c.ok();
      return;
    }
    replication.replicate(removed).onComplete(ar -> c.ok());
  }

  /** PUT/PATCH: changes an existing instance; parameters not given keep their current values. */
  void update(Call c) {
    ServiceKey key = params.service(c);
    String ip = Params.ip(c.param("ip"));
    int port = Params.port(c.param("port"));
    String cluster = params.cluster(c);
    String id = Instance.localId(ip, port, cluster);
    Registration reg = store.find(key, id);
    if (reg == null) {
      throw store.service(key) == null ? serviceNotFound(key)
          : ApiException.notFound("instance not found: " + ip + ":" + port + " in cluster " + cluster);
    }
    Instance desired = instanceFromParams(c, reg.instance());
    store.update(key, id, current -> new Instance(key, cluster, ip, port, desired.weight(), desired.healthy(),
        desired.enabled(), true, desired.metadata(), current.version()), Reason.UPDATE);
    c.ok();
  }

  void detail(Call c) {
    ServiceKey key = params.service(c);
    String ip = Params.ip(c.param("ip"));
    int port = Params.port(c.param("port"));
    String cluster = params.cluster(c);
    if (store.service(key) == null) {
      throw ApiException.notFound("no service " + key.groupedName() + " found!");
    }
    Registration reg = store.find(key, Instance.localId(ip, port, cluster));
    if (reg == null) {
      throw ApiException.notFound("no matched ip found!");
    }
    Instance i = reg.instance();
    JsonWriter w = new JsonWriter().beginObject()
        .field("service", key.groupedName())
        .field("ip", i.ip())
        .field("port", i.port())
        .field("clusterName", i.cluster())
        .field("weight", i.weight())
        .field("healthy", i.healthy())
        .field("enabled", i.enabled())
        .field("ephemeral", i.ephemeral())
        .field("instanceId", i.instanceId())
        .field("metadata", i.metadata())
        .field("lastBeat", store.lastBeatWallMillis(reg));
    c.json(w.endObject().toString());
  }

  /**
   * The heartbeat. A {@code beat} JSON (query or form) describes the instance and, when it is
   * unknown, registers it again; without one an unknown instance answers code 20404 so that the
   * client re-registers.
   */
  void beat(Call c) {
    ServiceKey key = params.service(c);
    String beatRaw = c.optional("beat");
    JsonNode beat = beatRaw == null ? null : Params.json("beat", beatRaw);
    String ip;
    String portRaw;
    String cluster;
    if (beat != null) {
      ip = text(beat, "ip", c.param("ip"));
      JsonNode p = beat.get("port");
      portRaw = p != null && !p.isNull() ? p.asText() : c.param("port");
      String cl = text(beat, "cluster", null);
      cluster = cl == null || cl.isEmpty() ? params.cluster(c) : Params.checkCluster("cluster", cl);
    } else {
      ip = c.param("ip");
      portRaw = c.param("port");
      cluster = params.cluster(c);
    }
    ip = Params.ip(ip);
    int port = Params.port(portRaw);
    node.metrics.beats.increment();
    Registration reg = store.beat(key, Instance.localId(ip, port, cluster));
    int code = CODE_OK;
    Instance inst = reg == null ? null : reg.instance();
    if (reg == null) {
      if (beat != null) {
        JsonNode w = beat.get("weight");
        Map<String, String> meta = params.metadata("beat", beat.get("metadata"));
        inst = new Instance(key, cluster, ip, port, Params.weight(w == null || w.isNull() ? null : w.asText(), 1.0),
            true, true, true, meta == null ? Map.of() : meta, 0L);
        store.register(inst);
      } else {
        code = CODE_NOT_FOUND;
      }
    }
    long interval = inst != null && inst.metadata().containsKey(Instance.META_BEAT_INTERVAL)
        ? inst.beatIntervalMs() : node.switches.clientBeatInterval();
    JsonWriter out = new JsonWriter().beginObject()
        .field("clientBeatInterval", interval)
        .field("code", code)
        .field("lightBeatEnabled", node.switches.lightBeatEnabled());
    c.json(out.endObject().toString());
  }

  void list(Call c) {
    ServiceKey key = params.service(c);
    String clustersRaw = c.param("clusters");
    if (clustersRaw == null && c.v2) {
      clustersRaw = c.param("clusterName");
    }
    Set<String> clusters = params.clusters(c, clustersRaw);
    boolean healthyOnly = Params.bool("healthyOnly", c.param("healthyOnly"), false);
    int udpPort = Params.intParam("udpPort", c.param("udpPort"), 0, 0, 65535);
    if (udpPort > 0) {
      String clientIp = c.optional("clientIP");
      if (clientIp != null && !IpLiteral.isValid(clientIp)) {
        throw ApiException.illegal("clientIP",
            "it should be an IPv4 or IPv6 address (push goes to address literals only).");
      }
      node.push.subscribe(key, clientIp != null ? clientIp : c.req.remoteAddress().hostAddress(), udpPort,
          clustersRaw == null ? "" : clustersRaw);
    }
    ServiceView.Hosts hosts = ServiceView.hosts(store.service(key), clusters, healthyOnly);
    String echo = clustersRaw == null ? "" : clustersRaw;
    if (!c.v2 && Gzip.accepted(c.req.getHeader(HttpHeaders.ACCEPT_ENCODING))) {
      // Nacos 1.x clients ask for gzip: the hosts array was compressed once per change
      c.gzippedJson(ServiceView.serviceInfoGzip(key, echo, hosts, node.switches.defaultCacheMillis(),
          store.clock().millis()));
      return;
    }
    c.json(ServiceView.serviceInfoBytes(key, echo, hosts, node.switches.defaultCacheMillis(), store.clock().millis()));
  }

  // ---- services ----

  void serviceCreate(Call c) {
    ServiceKey key = params.service(c);
    ServiceEntry existing = store.service(key);
    if (existing != null && existing.meta().explicit()) {
      throw ApiException.badRequest("specified service already exists, serviceName : " + key.groupedName());
    }
    Map<String, String> meta = params.metadata("metadata", c.param("metadata"));
    store.putServiceMeta(key, new ServiceMeta(Params.protectThreshold(c.param("protectThreshold"), 0f),
        meta == null ? Map.of() : meta, Params.selector(c.param("selector"), ServiceMeta.NO_SELECTOR), true, 0L));
    c.ok();
  }

  void serviceUpdate(Call c) {
    ServiceKey key = params.service(c);
    ServiceEntry existing = store.service(key);
    if (existing == null) {
      throw serviceNotFound(key);
    }
    ServiceMeta cur = existing.meta();
    Map<String, String> meta = params.metadata("metadata", c.param("metadata"));
    store.putServiceMeta(key, new ServiceMeta(Params.protectThreshold(c.param("protectThreshold"),
        cur.protectThreshold()), meta == null ? cur.metadata() : meta,
        Params.selector(c.param("selector"), cur.selector()), true, 0L));
    c.ok();
  }

  void serviceDelete(Call c) {
    ServiceKey key = params.service(c);
    if (store.service(key) == null) {
      throw serviceNotFound(key);
    }
    if (!store.removeService(key)) {
      throw ApiException.badRequest("service " + key.groupedName()
          + " is not empty, can't be delete. Please unregister instance first");
    }
    c.ok();
  }

  void serviceDetail(Call c) {
    ServiceKey key = params.service(c);
    ServiceEntry entry = store.service(key);
    if (entry == null) {
      throw serviceNotFound(key);
    }
    ServiceMeta meta = entry.meta();
    Set<String> clusterNames = new java.util.TreeSet<>();
    for (Registration r : entry.registrations()) {
      clusterNames.add(r.instance().cluster());
    }
    JsonWriter w = new JsonWriter().beginObject()
        .field("namespaceId", key.namespace())
        .field("groupName", key.group())
        .field(c.v2 ? "serviceName" : "name", key.name())
        .field("protectThreshold", (double) meta.protectThreshold())
        .field("metadata", meta.metadata())
        .name("selector").raw(meta.selector())
        .field("ephemeral", true);
    w.name(c.v2 ? "clusterMap" : "clusters");
    if (c.v2) {
      w.beginObject();
      for (String cl : clusterNames) {
        w.name(cl).beginObject().field("clusterName", cl).name("healthChecker").raw("{\"type\":\"TCP\"}")
            .field("metadata", Map.of()).endObject();
      }
      w.endObject();
    } else {
      w.beginArray();
      for (String cl : clusterNames) {
        w.beginObject().field("name", cl).name("healthChecker").raw("{\"type\":\"TCP\"}")
            .field("metadata", Map.of()).endObject();
      }
      w.endArray();
    }
    c.json(w.endObject().toString());
  }

  /** v1: {@code {"count":N,"doms":[names]}}; v2: {@code {"count":N,"services":[names]}}. */
  void serviceList(Call c) {
    String ns = params.namespace(c);
    String group = params.group(c);
    int pageNo = Params.intParam("pageNo", c.param("pageNo"), 1, 1, Integer.MAX_VALUE);
    int pageSize = Params.intParam("pageSize", c.param("pageSize"), c.v2 ? 20 : 10, 1, c.v2 ? 500 : 1000);
    boolean v2 = c.v2;
    passes.answer(c, () -> {
      List<String> names = store.serviceNames(ns, group);
      JsonWriter w = new JsonWriter().beginObject().field("count", names.size()).name(v2 ? "services" : "doms")
          .beginArray();
      long from = (long) (pageNo - 1) * pageSize;
      for (long i = from; i < Math.min(names.size(), from + pageSize); i++) {
        w.value(names.get((int) i));
      }
      return w.endArray().endObject().toString();
    }, c::json);
  }

  /**
   * The console's catalog: services of a namespace matching optional name and group substrings,
   * with counts ({@code withInstances=false}) or with their instances (the default, as in Nacos).
   */
  void catalog(Call c) {
    String ns = params.namespace(c);
    int pageNo = Params.intParam("pageNo", c.param("pageNo"), 1, 1, Integer.MAX_VALUE);
    int pageSize = Params.intParam("pageSize", c.param("pageSize"), 10, 1, 1000);
    String nameLike = c.optional("serviceNameParam");
    String groupLike = c.optional("groupNameParam");
    boolean hasIpCount = Params.bool("hasIpCount", c.param("hasIpCount"), false);
    boolean withInstances = Params.bool("withInstances", c.param("withInstances"), true);
    passes.answer(c, () -> {
      List<ServiceEntry> matched = new ArrayList<>();
      for (ServiceEntry e : store.services()) {
        ServiceKey k = e.key();
        if (k.namespace().equals(ns) && (nameLike == null || k.name().contains(nameLike))
            && (groupLike == null || k.group().contains(groupLike)) && (!hasIpCount || e.size() > 0)) {
          matched.add(e);
        }
      }
      matched.sort((a, b) -> a.key().compareTo(b.key()));
      long from = (long) (pageNo - 1) * pageSize;
      List<ServiceEntry> page = from >= matched.size() ? List.of()
          : matched.subList((int) from, (int) Math.min(matched.size(), from + pageSize));
      JsonWriter w = new JsonWriter();
      if (withInstances) {
        w.beginArray();
        for (ServiceEntry e : page) {
          w.beginObject().field("serviceName", e.key().name()).field("groupName", e.key().group())
              .field("metadata", e.meta().metadata()).field("protectThreshold", (double) e.meta().protectThreshold())
              .name("hosts").beginArray();
          for (Registration r : e.registrations()) {
            ServiceView.writeHost(w, r.instance(), r.instance().healthy());
          }
          w.endArray().endObject();
        }
        w.endArray();
      } else {
        w.beginObject().field("count", matched.size()).name("serviceList").beginArray();
        for (ServiceEntry e : page) {
          int healthy = 0;
          Set<String> clusters = new java.util.HashSet<>();
          for (Registration r : e.registrations()) {
            if (r.instance().healthy()) {
              healthy++;
            }
            clusters.add(r.instance().cluster());
          }
          w.beginObject().field("name", e.key().name()).field("groupName", e.key().group())
              .field("clusterCount", clusters.size()).field("ipCount", e.size())
              .field("healthyInstanceCount", healthy).field("triggerFlag", String.valueOf(
                  e.meta().protectThreshold() > 0 && e.size() > 0
                      && (float) healthy / e.size() <= e.meta().protectThreshold()))
              .endObject();
        }
        w.endArray().endObject();
      }
      return w.toString();
    }, c::json);
  }

  // ---- helpers ----

  /** Builds an instance from register/update parameters; absent ones default to {@code base} or Nacos's defaults. */
  private Instance instanceFromParams(Call c, Instance base) {
    ServiceKey key = params.service(c);
    String ip = Params.ip(c.param("ip"));
    int port = Params.port(c.param("port"));
    String cluster = params.cluster(c);
    double weight = Params.weight(c.param("weight"), base == null ? 1.0 : base.weight());
    boolean healthy = Params.bool("healthy", c.param("healthy"), base == null || base.healthy());
    String enabledRaw = c.optional("enabled");
    boolean enabled = enabledRaw != null ? Params.bool("enabled", enabledRaw, true)
        : Params.bool("enable", c.param("enable"), base == null || base.enabled());
    if (!Params.bool("ephemeral", c.param("ephemeral"), true)) {
      throw ApiException.illegal("ephemeral", "persistent instances are not supported: this registry keeps"
          + " ephemeral instances only.");
    }
    Map<String, String> meta = params.metadata("metadata", c.param("metadata"));
    if (meta == null) {
      meta = base == null ? Map.of() : base.metadata();
    }
    return new Instance(key, cluster, ip, port, weight, healthy, enabled, true, meta, 0L);
  }

  private static ApiException serviceNotFound(ServiceKey key) {
    return ApiException.notFound("service not found: " + key.groupedName() + " in namespace " + key.namespace());
  }

  private static String text(JsonNode node, String field, String dflt) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? dflt : v.asText();
  }
}

package dev.distro.registry.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.http.ApiException;
import dev.distro.registry.http.InstanceRules;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.view.ServiceView;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The naming requests of Nacos 2.x/3.x clients, answered as a Nacos server answers them
 * ({@code nacos-grpc.md} section 3): register and deregister ({@code InstanceRequest}), batch
 * register ({@code BatchInstanceRequest}), query, subscribe and unsubscribe, and the service list.
 *
 * <p>An instance registered here is held by its connection ({@link Instance#holder}): this node is
 * responsible for it whatever its {@code ip:port} hashes to, nothing forwards it, and it lives as
 * long as the connection. Each connection has one publication per service (a second registration
 * of the same service replaces the first, a batch replaces the whole set, a deregistration removes
 * it), as in Nacos; closing the connection removes what it still holds, unless this node asked the
 * client to move ({@link SdkConnections#resetAll}).
 *
 * <p>Every handler runs on the connection's event loop; bad input gets an {@code ErrorResponse}
 * with code 400 and the same message as on HTTP, and changes nothing.
 */
public final class NamingHandlers {

  /** Services one connection may subscribe to. */
  public static final int MAX_SUBSCRIPTIONS = 10_000;
  /** Instances one batch may carry. */
  public static final int MAX_BATCH = 10_000;
  private static final int MAX_PAGE_SIZE = 10_000;

  private final RegistryStore store;
  private final InstanceRules rules;
  private final AccessControl access;
  private final Pushes pushes;

  public NamingHandlers(RegistryStore store, InstanceRules rules, AccessControl access, Pushes pushes,
      SdkConnections connections) {
    this.store = store;
    this.rules = rules;
    this.access = access;
    this.pushes = pushes;
    connections.onClose(this::closed);
  }

  /** The handler table for {@link GrpcServerVerticle}. */
  public Map<String, GrpcServerVerticle.Handler> table() {
    Map<String, GrpcServerVerticle.Handler> t = new HashMap<>();
    t.put("InstanceRequest", (c, p) -> guarded(c, p, TokenTable.Access.WRITE, this::instance));
    t.put("BatchInstanceRequest", (c, p) -> guarded(c, p, TokenTable.Access.WRITE, this::batch));
    t.put("ServiceQueryRequest", (c, p) -> guarded(c, p, TokenTable.Access.READ, this::query));
    t.put("SubscribeServiceRequest", (c, p) -> guarded(c, p, TokenTable.Access.READ, this::subscribe));
    // a pass over every service: on a worker, as the HTTP service list runs on its pass pool
    t.put("ServiceListRequest", (c, p) -> c.context().executeBlocking(
        () -> guarded(c, p, TokenTable.Access.READ, this::serviceList).result(), false));
    return t;
  }

  @FunctionalInterface
  private interface Naming {
    Payload answer(SdkConnection c, JsonNode request);
  }

  /** Parses, checks the token when auth is on, runs the handler; client errors become in-band answers. */
  private Future<Payload> guarded(SdkConnection c, Payload p, TokenTable.Access need, Naming handler) {
    if (!c.module().isEmpty() && !"naming".equals(c.module())) {
      return Future.succeededFuture(Messages.error(Messages.NO_HANDLER,
          "this node serves the naming module only, not " + c.module()));
    }
    JsonNode n;
    try {
      n = Json.parse(p.json());
    } catch (Exception e) {
      return Future.succeededFuture(Messages.error(Messages.INVALID_PARAM, "the request body is not JSON"));
    }
    if (!n.isObject()) {
      return Future.succeededFuture(Messages.error(Messages.INVALID_PARAM, "the request body is not a JSON object"));
    }
    try {
      if (access.enabled()) {
        String refusal = refusal(p, n, need);
        if (refusal != null) {
          return Future.succeededFuture(Messages.error(Messages.NO_RIGHT, refusal));
        }
      }
      return Future.succeededFuture(handler.answer(c, n));
    } catch (ApiException e) {
      return Future.succeededFuture(Messages.error(Messages.INVALID_PARAM, e.getMessage()));
    }
  }

  /** Why the request's token may not do {@code need} in its namespace; null when it may. */
  private String refusal(Payload p, JsonNode n, TokenTable.Access need) {
    String token = p.headers().get(AccessControl.TOKEN_PARAM);
    TokenTable.Entry entry = token == null || token.isEmpty() ? null : access.authenticate(token);
    if (entry == null) {
      return token == null || token.isEmpty() ? "no accessToken: log in first" : "unknown or expired accessToken";
    }
    String ns = rules.namespace(n.path("namespace").asText(""));
    return entry.may(need, ns) ? null
        : "'" + entry.name() + "' may not " + (need == TokenTable.Access.WRITE ? "write" : "read") + " namespace " + ns;
  }

  private ServiceKey service(JsonNode n) {
    return rules.service(n.path("namespace").asText(""), n.path("groupName").asText(""),
        n.path("serviceName").asText(""));
  }

  // ---- InstanceRequest ----

  private Payload instance(SdkConnection c, JsonNode n) {
    ServiceKey key = service(n);
    String type = n.path("type").asText("");
    switch (type) {
      case "registerInstance" -> publish(c, key, List.of(rules.instance(key, n.get("instance"))));
      case "deregisterInstance" -> publish(c, key, List.of());
      default -> throw new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR,
          "unsupported InstanceRequest type '" + type + "': registerInstance or deregisterInstance");
    }
    return typed("InstanceResponse", type);
  }

  // ---- BatchInstanceRequest ----

  private Payload batch(SdkConnection c, JsonNode n) {
    ServiceKey key = service(n);
    String type = n.path("type").asText("");
    if (!"batchRegisterInstance".equals(type)) {
      throw new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR,
          "unsupported BatchInstanceRequest type '" + type + "': batchRegisterInstance");
    }
    JsonNode list = n.get("instances");
    if (list != null && !list.isNull() && !list.isArray()) {
      throw new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, "instances must be a list");
    }
    List<Instance> instances = new ArrayList<>();
    if (list != null) {
      if (list.size() > MAX_BATCH) {
        throw new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR,
            "a batch carries at most " + MAX_BATCH + " instances");
      }
      for (JsonNode i : list) {
        instances.add(rules.instance(key, i)); // every one checked before anything changes
      }
    }
    publish(c, key, instances);
    return typed("BatchInstanceResponse", type);
  }

  /**
   * Makes {@code instances} the connection's whole publication for {@code key}: each is registered
   * as held by the connection, and what it published before and no longer lists is removed.
   */
  private void publish(SdkConnection c, ServiceKey key, List<Instance> instances) {
    List<String> before = c.publications.getOrDefault(key, List.of());
    List<String> now = new ArrayList<>(instances.size());
    for (Instance i : instances) {
      store.register(i.withHolder(c.holder()));
      now.add(i.localId());
    }
    Set<String> kept = new HashSet<>(now);
    for (String id : before) {
      if (!kept.contains(id)) {
        store.deregisterHeld(key, id, c.holder());
      }
    }
    if (now.isEmpty()) {
      c.publications.remove(key);
    } else {
      c.publications.put(key, List.copyOf(now));
    }
  }

  /** A closed connection's instances go with it, unless this node asked its client to move. */
  private void closed(SdkConnection c) {
    pushes.closed(c);
    if (!c.resetByServer()) {
      c.publications.forEach((key, ids) -> ids.forEach(id -> store.deregisterHeld(key, id, c.holder())));
    }
    c.publications.clear();
  }

  // ---- ServiceQueryRequest, SubscribeServiceRequest ----

  private Payload query(SdkConnection c, JsonNode n) {
    ServiceKey key = service(n);
    String clusters = n.path("cluster").asText("");
    ServiceView.Hosts hosts = ServiceView.hosts(store.service(key), rules.clusters(clusters),
        n.path("healthyOnly").asBoolean(false));
    return ServiceInfos.withServiceInfo("QueryServiceResponse", key, clusters, hosts, store.clock().millis());
  }

  private Payload subscribe(SdkConnection c, JsonNode n) {
    ServiceKey key = service(n);
    if (n.path("subscribe").asBoolean(true)) {
      if (!c.subscriptions.contains(key) && c.subscriptions.size() >= MAX_SUBSCRIPTIONS) {
        throw new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR,
            "a connection may subscribe to at most " + MAX_SUBSCRIPTIONS + " services");
      }
      if (pushes.subscribe(c, key)) {
        // as Nacos: a first subscription is followed by a push of the service, which closes the
        // race between this answer and a change made while it travels
        pushes.mark(c, key);
      }
    } else {
      pushes.unsubscribe(c, key);
    }
    ServiceView.Hosts hosts = ServiceView.hosts(store.service(key), null, false);
    return ServiceInfos.withServiceInfo("SubscribeServiceResponse", key, "", hosts, store.clock().millis());
  }

  // ---- ServiceListRequest ----

  private Payload serviceList(SdkConnection c, JsonNode n) {
    String ns = rules.namespace(n.path("namespace").asText(""));
    String group = rules.group(n.path("groupName").asText(""));
    int pageNo = Math.max(1, n.path("pageNo").asInt(1));
    int pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, n.path("pageSize").asInt(10)));
    List<String> names = store.serviceNames(ns, group);
    long from = (long) (pageNo - 1) * pageSize;
    List<String> page = from >= names.size() ? List.of()
        : names.subList((int) from, (int) Math.min(names.size(), from + pageSize));
    return ServiceInfos.serviceList(names.size(), page);
  }

  private static Payload typed(String responseType, String type) {
    return Messages.payload(responseType, new dev.distro.registry.support.JsonWriter().beginObject()
        .field("resultCode", 200).field("errorCode", 0).field("type", type).field("success", true).endObject());
  }
}

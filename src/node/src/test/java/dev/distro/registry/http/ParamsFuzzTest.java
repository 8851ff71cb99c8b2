package dev.distro.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.testing.FakeClock;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Fuzzes the client request parameters as they arrive: the input is a query string, decoded the
 * way the node decodes one ({@code ;} an ordinary character), read through {@link Params} the way
 * register, update and list calls read it. Every parameter either parses or fails with a 4xx
 * {@link ApiException} naming it, never anything else (that would be a 500); and an instance the
 * client API accepts is one every peer accepts: encoded as a sync entry, decoded and applied on a
 * fresh store, it is applied, not rejected, and comes out equal.
 *
 * <p>Seeds: {@code src/test/resources/dev/distro/registry/http/ParamsFuzzTestInputs/params/}.
 * Without {@code JAZZER_FUZZ} only the seeds (and past findings) run; see the README (Testing).
 */
class ParamsFuzzTest {

  /** The defaults, and the widest limits a node accepts: the rule must hold under any valid configuration. */
  static final List<Params> PARAMS = List.of(new Params(NodeConfig.defaults()), new Params(widest()));

  static NodeConfig widest() {
    try {
      return NodeConfig.of(Map.of("max-service-name-length", "4096", "max-metadata-bytes", String.valueOf(1024 * 1024),
          "max-metadata-entries", "10000"));
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "5s")
  void params(byte[] input) throws IOException {
    MultiMap query = MultiMap.caseInsensitiveMultiMap();
    try {
      QueryStringDecoder d = new QueryStringDecoder(new String(input, StandardCharsets.ISO_8859_1),
          StandardCharsets.UTF_8, false, 1024, true);
      d.parameters().forEach(query::add);
    } catch (IllegalArgumentException e) {
      return; // bad percent-encoding: the HTTP layer answers 400 before any parameter is read
    }
    for (Params params : PARAMS) {
      check(params, new Call(request(query), false, null));
    }
  }

  static void check(Params params, Call c) throws IOException {
    ServiceKey key = parse("serviceName", () -> params.service(c));
    String ip = parse("ip", () -> Params.ip(c.param("ip")));
    Integer port = parse("port", () -> Params.port(c.param("port")));
    String cluster = parse("clusterName", () -> params.cluster(c));
    Double weight = parse("weight", () -> Params.weight(c.param("weight"), 1.0));
    Boolean healthy = parse("healthy", () -> Params.bool("healthy", c.param("healthy"), true));
    Boolean enabled = parse("enabled", () -> Params.bool("enabled", c.param("enabled"), true));
    Map<String, String> meta = parse("metadata", () -> params.metadata("metadata", c.param("metadata")));
    parse("groupName", () -> params.group(c));
    parse("namespaceId", () -> params.namespace(c));
    parse("clusters", () -> params.clusters(c, c.param("clusters")));
    parse("selector", () -> Params.selector(c.param("selector"), "{\"type\":\"none\"}"));
    parse("protectThreshold", () -> Params.protectThreshold(c.param("protectThreshold"), 0f));
    parse("pageSize", () -> Params.intParam("pageSize", c.param("pageSize"), 10, 1, 500));
    if (c.param("beat") != null) {
      parse("beat", () -> Params.json("beat", c.param("beat")));
    }
    if (key == null || ip == null || port == null || cluster == null || weight == null || healthy == null
        || enabled == null || meta == null && c.param("metadata") != null && !c.param("metadata").isBlank()) {
      return;
    }
    Instance accepted = new Instance(key, cluster, ip, port, weight, healthy, enabled, true,
        meta == null ? Map.of() : meta, 0L);
    replicates(accepted);
  }

  /** What the client API accepted, a peer accepts: the sync entry decodes, applies, and equals it. */
  static void replicates(Instance accepted) throws IOException {
    FakeClock clock = new FakeClock();
    RegistryStore peer = new RegistryStore(clock);
    Instance stamped = accepted.withVersion(peer.versions().next());
    StringBuilder sb = new StringBuilder();
    SyncCodec.writePut(new JsonWriter(sb), stamped);
    SyncCodec.Tally out = new SyncCodec.Tally();
    SyncCodec.apply(peer, Json.parse(sb.toString().getBytes(StandardCharsets.UTF_8)), Reason.SYNC, out);
    assertEquals(1, out.applied, () -> "a peer refused what a client may register: " + sb);
    Instance copy = peer.find(stamped.service(), stamped.localId()).instance();
    assertTrue(copy.sameContent(stamped), () -> "changed on the way: " + stamped + " became " + copy);
  }

  /** The value, or null after a 4xx naming {@code param}; anything else fails the fuzz test. */
  static <T> T parse(String param, Supplier<T> read) {
    try {
      return read.get();
    } catch (ApiException e) {
      assertTrue(e.status() >= 400 && e.status() < 500, () -> param + ": status " + e.status());
      String said = e.getMessage();
      assertTrue(said != null && said.contains("'" + param + "'") || param.equals("serviceName")
          && (said.contains("'namespaceId'") || said.contains("'groupName'")), () -> param + ": " + said);
      return null;
    }
  }

  /** A request that answers only what {@link Call#param} reads: its decoded query. */
  static HttpServerRequest request(MultiMap query) {
    return (HttpServerRequest) Proxy.newProxyInstance(ParamsFuzzTest.class.getClassLoader(),
        new Class<?>[] {HttpServerRequest.class}, (proxy, method, args) -> {
          if (method.getName().equals("params")) {
            return query;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}

package dev.distro.registry.http;

import dev.distro.registry.testing.Wait;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every client endpoint over real HTTP on loopback, against the shapes Nacos 2.5.1 answers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamingApiTest {

  static final String V1 = "/nacos/v1/ns";
  static final String V2 = "/nacos/v2/ns";

  Vertx vertx;
  Node node;
  Api api;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    node = TestNodes.standalone(vertx, Map.of());
    api = new Api(vertx, node.config().port);
  }

  @AfterEach
  void stop() {
    api.close();
    Wait.on(node.stop());
  }

  @Test
  void register_list_exactNacosShape() {
    HttpResponse<Buffer> r = api.post(V1 + "/instance", "serviceName", "s1", "ip", "10.0.0.1", "port", "80");
    assertEquals(200, r.statusCode());
    assertEquals("ok", r.bodyAsString());
    assertEquals("text/plain;charset=UTF-8", r.getHeader("Content-Type"));

    HttpResponse<Buffer> list = api.get(V1 + "/instance/list", "serviceName", "s1");
    assertEquals("application/json", list.getHeader("Content-Type"));
    String body = list.bodyAsString().replaceAll("\"lastRefTime\":\\d+", "\"lastRefTime\":0");
    assertEquals("{\"name\":\"DEFAULT_GROUP@@s1\",\"groupName\":\"DEFAULT_GROUP\",\"clusters\":\"\",\"cacheMillis\":10000,"
        + "\"hosts\":[{\"instanceId\":\"10.0.0.1#80#DEFAULT#DEFAULT_GROUP@@s1\",\"ip\":\"10.0.0.1\",\"port\":80,"
        + "\"weight\":1.0,\"healthy\":true,\"enabled\":true,\"ephemeral\":true,\"clusterName\":\"DEFAULT\","
        + "\"serviceName\":\"DEFAULT_GROUP@@s1\",\"metadata\":{},\"instanceHeartBeatInterval\":5000,"
        + "\"instanceHeartBeatTimeOut\":15000,\"ipDeleteTimeout\":30000,\"instanceIdGenerator\":\"simple\"}],"
        + "\"lastRefTime\":0,\"checksum\":\"\",\"allIPs\":false,\"reachProtectionThreshold\":false,\"valid\":true}",
        body);
  }

  @Test
  void register_withGroupClusterMetadata_listEchoesAndFilters() {
    api.post(V1 + "/instance", "serviceName", "s2", "groupName", "G1", "ip", "10.0.0.2", "port", "8080",
        "weight", "2.5", "clusterName", "c1", "metadata", "{\"k\":\"v\"}", "enabled", "true", "healthy", "true");
    api.post(V1 + "/instance", "serviceName", "G1@@s2", "ip", "10.0.0.3", "port", "8080", "clusterName", "c2");

    JsonObject c1 = api.list("s2", "groupName", "G1", "clusters", "c1");
    assertEquals("G1@@s2", c1.getString("name"));
    assertEquals("G1", c1.getString("groupName"));
    assertEquals("c1", c1.getString("clusters"));
    JsonArray hosts = c1.getJsonArray("hosts");
    assertEquals(1, hosts.size());
    JsonObject h = hosts.getJsonObject(0);
    assertEquals("10.0.0.2#8080#c1#G1@@s2", h.getString("instanceId"));
    assertEquals(2.5, h.getDouble("weight"));
    assertEquals("v", h.getJsonObject("metadata").getString("k"));
    assertFalse(h.containsKey("instanceIdGenerator"), "omitted when metadata is non-empty");

    JsonObject all = api.list("G1@@s2");
    assertEquals("", all.getString("clusters"));
    assertEquals(2, all.getJsonArray("hosts").size());
    assertEquals(2, api.list("s2", "groupName", "G1", "clusters", "c1,c2").getJsonArray("hosts").size());
  }

  @Test
  void register_formBody_sameAsQuery() {
    HttpResponse<Buffer> r = api.form(HttpMethod.POST, V1 + "/instance", "serviceName", "s3", "ip", "10.0.0.3",
        "port", "81", "metadata", "a=1,b=2");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject h = api.list("s3").getJsonArray("hosts").getJsonObject(0);
    assertEquals(81, h.getInteger("port"));
    assertEquals("1", h.getJsonObject("metadata").getString("a"));
    assertEquals("2", h.getJsonObject("metadata").getString("b"));
  }

  @Test
  void list_unknownService_isEmptyNotError() {
    JsonObject r = api.list("nosuch");
    assertEquals("DEFAULT_GROUP@@nosuch", r.getString("name"));
    assertEquals(0, r.getJsonArray("hosts").size());
    assertTrue(r.getBoolean("valid"));
  }

  @Test
  void list_healthyOnly_and_disabledHidden() {
    api.post(V1 + "/instance", "serviceName", "h", "ip", "10.0.0.1", "port", "1");
    api.post(V1 + "/instance", "serviceName", "h", "ip", "10.0.0.2", "port", "1", "healthy", "false");
    api.post(V1 + "/instance", "serviceName", "h", "ip", "10.0.0.3", "port", "1", "enabled", "false");
    assertEquals(2, api.list("h").getJsonArray("hosts").size());
    JsonArray healthy = api.list("h", "healthyOnly", "true").getJsonArray("hosts");
    assertEquals(1, healthy.size());
    assertEquals("10.0.0.1", healthy.getJsonObject(0).getString("ip"));
  }

  @Test
  void list_protectionThreshold_returnsAllAsHealthy() {
    api.post(V1 + "/service", "serviceName", "p", "protectThreshold", "0.6");
    api.post(V1 + "/instance", "serviceName", "p", "ip", "10.0.0.1", "port", "1");
    api.post(V1 + "/instance", "serviceName", "p", "ip", "10.0.0.2", "port", "1", "healthy", "false");
    JsonObject r = api.list("p");
    assertTrue(r.getBoolean("reachProtectionThreshold"));
    for (Object o : r.getJsonArray("hosts")) {
      assertTrue(((JsonObject) o).getBoolean("healthy"));
    }
    api.put(V1 + "/service", "serviceName", "p", "protectThreshold", "0.4");
    JsonObject below = api.list("p");
    assertFalse(below.getBoolean("reachProtectionThreshold"));
    assertEquals(1, below.getJsonArray("hosts").stream().filter(o -> !((JsonObject) o).getBoolean("healthy")).count());
  }

  @Test
  void list_defaultThreshold_showsUnhealthyAsUnhealthy() {
    api.post(V1 + "/instance", "serviceName", "u", "ip", "10.0.0.1", "port", "1", "healthy", "false");
    JsonObject r = api.list("u");
    assertFalse(r.getBoolean("reachProtectionThreshold"));
    assertFalse(r.getJsonArray("hosts").getJsonObject(0).getBoolean("healthy"));
  }

  @Test
  void list_seesChangesImmediately_despiteCache() {
    api.post(V1 + "/instance", "serviceName", "c", "ip", "10.0.0.1", "port", "1");
    assertEquals(1, api.list("c").getJsonArray("hosts").size());
    api.post(V1 + "/instance", "serviceName", "c", "ip", "10.0.0.2", "port", "1");
    assertEquals(2, api.list("c").getJsonArray("hosts").size());
    api.delete(V1 + "/instance", "serviceName", "c", "ip", "10.0.0.1", "port", "1");
    assertEquals(1, api.list("c").getJsonArray("hosts").size());
  }

  @Test
  void beat_lightKnown_10200_unknown_20404() {
    api.post(V1 + "/instance", "serviceName", "s1", "ip", "10.0.0.1", "port", "80");
    assertEquals(new JsonObject("{\"clientBeatInterval\":5000,\"code\":10200,\"lightBeatEnabled\":true}"),
        api.json(HttpMethod.PUT, V1 + "/instance/beat", "serviceName", "s1", "ip", "10.0.0.1", "port", "80"));
    assertEquals(new JsonObject("{\"clientBeatInterval\":5000,\"code\":20404,\"lightBeatEnabled\":true}"),
        api.json(HttpMethod.PUT, V1 + "/instance/beat", "serviceName", "s1", "ip", "10.9.9.9", "port", "1"));
    assertEquals(1, node.store().instanceCount(), "a light beat never registers");
  }

  @Test
  void beat_withBody_registersUnknownInstance() {
    String beat = "{\"cluster\":\"c1\",\"ip\":\"10.0.0.9\",\"metadata\":{\"preserved.heart.beat.interval\":\"2000\"},"
        + "\"period\":5000,\"port\":9090,\"scheduled\":false,\"serviceName\":\"DEFAULT_GROUP@@s1\",\"stopped\":false,"
        + "\"weight\":3.0}";
    HttpResponse<Buffer> r = api.form(HttpMethod.PUT, V1 + "/instance/beat?serviceName=DEFAULT_GROUP%40%40s1",
        "beat", beat);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(10200, body.getInteger("code"));
    assertEquals(2000, body.getLong("clientBeatInterval"), "the instance's own interval");
    JsonObject h = api.list("s1").getJsonArray("hosts").getJsonObject(0);
    assertEquals("10.0.0.9", h.getString("ip"));
    assertEquals("c1", h.getString("clusterName"));
    assertEquals(3.0, h.getDouble("weight"));
  }

  @Test
  void beat_revivesUnhealthyInstance() {
    api.post(V1 + "/instance", "serviceName", "r", "ip", "10.0.0.1", "port", "1", "healthy", "false");
    api.put(V1 + "/instance/beat", "serviceName", "r", "ip", "10.0.0.1", "port", "1");
    assertTrue(api.list("r").getJsonArray("hosts").getJsonObject(0).getBoolean("healthy"));
  }

  @Test
  void beat_switches_lightBeatAndInterval() {
    api.put(V1 + "/operator/switches", "entry", "lightBeatEnabled", "value", "false");
    api.put(V1 + "/operator/switches", "entry", "clientBeatInterval", "value", "7000");
    JsonObject r = api.json(HttpMethod.PUT, V1 + "/instance/beat", "serviceName", "x", "ip", "10.0.0.1", "port", "1");
    assertFalse(r.getBoolean("lightBeatEnabled"));
    assertEquals(7000, r.getLong("clientBeatInterval"));
  }

  @Test
  void detail_knownAndUnknown() {
    api.post(V1 + "/instance", "serviceName", "s1", "ip", "10.0.0.1", "port", "80");
    JsonObject d = api.json(HttpMethod.GET, V1 + "/instance", "serviceName", "s1", "ip", "10.0.0.1", "port", "80");
    assertEquals("DEFAULT_GROUP@@s1", d.getString("service"));
    assertEquals("10.0.0.1#80#DEFAULT#DEFAULT_GROUP@@s1", d.getString("instanceId"));
    HttpResponse<Buffer> miss = api.get(V1 + "/instance", "serviceName", "s1", "ip", "10.7.7.7", "port", "7");
    assertEquals(404, miss.statusCode());
    assertEquals("no matched ip found!", miss.bodyAsString());
  }

  @Test
  void deregister_isIdempotent_andRemoves() {
    api.post(V1 + "/instance", "serviceName", "d", "ip", "10.0.0.1", "port", "80");
    assertEquals("ok", api.delete(V1 + "/instance", "serviceName", "d", "ip", "10.0.0.1", "port", "80").bodyAsString());
    assertEquals("ok", api.delete(V1 + "/instance", "serviceName", "d", "ip", "10.0.0.1", "port", "80").bodyAsString());
    assertEquals(0, api.list("d").getJsonArray("hosts").size());
    assertEquals(0, node.store().serviceCount(), "an implicit service leaves with its last instance");
  }

  @Test
  void update_changesGivenFields_keepsOthers() {
    api.post(V1 + "/instance", "serviceName", "u", "ip", "10.0.0.1", "port", "80", "weight", "2",
        "metadata", "{\"a\":\"1\"}");
    assertEquals(200, api.put(V1 + "/instance", "serviceName", "u", "ip", "10.0.0.1", "port", "80",
        "enabled", "false").statusCode());
    JsonObject d = api.json(HttpMethod.GET, V1 + "/instance", "serviceName", "u", "ip", "10.0.0.1", "port", "80");
    assertFalse(d.getBoolean("enabled"));
    assertEquals(2.0, d.getDouble("weight"));
    assertEquals("1", d.getJsonObject("metadata").getString("a"));
    HttpResponse<Buffer> miss = api.put(V1 + "/instance", "serviceName", "u", "ip", "10.0.0.9", "port", "80");
    assertEquals(404, miss.statusCode());
  }

  @Test
  void service_crud() {
    assertEquals("ok", api.post(V1 + "/service", "serviceName", "svc", "groupName", "G", "protectThreshold", "0.5",
        "metadata", "{\"owner\":\"team\"}").bodyAsString());
    HttpResponse<Buffer> dup = api.post(V1 + "/service", "serviceName", "svc", "groupName", "G");
    assertEquals(400, dup.statusCode());
    assertTrue(dup.bodyAsString().contains("already exists"), dup.bodyAsString());

    JsonObject d = api.json(HttpMethod.GET, V1 + "/service", "serviceName", "svc", "groupName", "G");
    assertEquals("svc", d.getString("name"));
    assertEquals("G", d.getString("groupName"));
    assertEquals("public", d.getString("namespaceId"));
    assertEquals(0.5, d.getDouble("protectThreshold"));
    assertEquals("team", d.getJsonObject("metadata").getString("owner"));
    assertEquals("none", d.getJsonObject("selector").getString("type"));

    api.put(V1 + "/service", "serviceName", "svc", "groupName", "G", "metadata", "owner=other");
    assertEquals("other", api.json(HttpMethod.GET, V1 + "/service", "serviceName", "svc", "groupName", "G")
        .getJsonObject("metadata").getString("owner"));

    api.post(V1 + "/instance", "serviceName", "svc", "groupName", "G", "ip", "10.0.0.1", "port", "1");
    HttpResponse<Buffer> notEmpty = api.delete(V1 + "/service", "serviceName", "svc", "groupName", "G");
    assertEquals(400, notEmpty.statusCode());
    api.delete(V1 + "/instance", "serviceName", "svc", "groupName", "G", "ip", "10.0.0.1", "port", "1");
    assertEquals(200, api.get(V1 + "/service", "serviceName", "svc", "groupName", "G").statusCode(),
        "an explicit service outlives its last instance");
    assertEquals("ok", api.delete(V1 + "/service", "serviceName", "svc", "groupName", "G").bodyAsString());
    assertEquals(404, api.get(V1 + "/service", "serviceName", "svc", "groupName", "G").statusCode());
  }

  @Test
  void serviceList_paginatesPerGroupAndNamespace() {
    for (int i = 0; i < 12; i++) {
      api.post(V1 + "/instance", "serviceName", String.format("svc%02d", i), "ip", "10.0.0.1", "port", "1");
    }
    api.post(V1 + "/instance", "serviceName", "other", "groupName", "G2", "ip", "10.0.0.1", "port", "1");
    api.post(V1 + "/instance", "serviceName", "nsvc", "namespaceId", "dev", "ip", "10.0.0.1", "port", "1");
    JsonObject p1 = api.json(HttpMethod.GET, V1 + "/service/list", "pageNo", "1", "pageSize", "10");
    assertEquals(12, p1.getInteger("count"));
    assertEquals(10, p1.getJsonArray("doms").size());
    assertEquals("svc00", p1.getJsonArray("doms").getString(0));
    JsonObject p2 = api.json(HttpMethod.GET, V1 + "/service/list", "pageNo", "2", "pageSize", "10");
    assertEquals(2, p2.getJsonArray("doms").size());
    JsonObject g2 = api.json(HttpMethod.GET, V1 + "/service/list", "pageNo", "1", "pageSize", "10", "groupName", "G2");
    assertEquals(new JsonArray().add("other"), g2.getJsonArray("doms"));
    JsonObject dev = api.json(HttpMethod.GET, V1 + "/service/list", "namespaceId", "dev");
    assertEquals(new JsonArray().add("nsvc"), dev.getJsonArray("doms"));
    assertEquals(0, api.list("nsvc").getJsonArray("hosts").size(), "namespaces are separate");
  }

  @Test
  void catalog_countsAndInstances() {
    api.post(V1 + "/instance", "serviceName", "cat", "ip", "10.0.0.1", "port", "1");
    api.post(V1 + "/instance", "serviceName", "cat", "ip", "10.0.0.2", "port", "1", "healthy", "false");
    JsonObject counts = api.json(HttpMethod.GET, V1 + "/catalog/services", "withInstances", "false",
        "serviceNameParam", "ca");
    assertEquals(1, counts.getInteger("count"));
    JsonObject s = counts.getJsonArray("serviceList").getJsonObject(0);
    assertEquals(2, s.getInteger("ipCount"));
    assertEquals(1, s.getInteger("healthyInstanceCount"));
    HttpResponse<Buffer> detail = api.get(V1 + "/catalog/services");
    JsonArray arr = detail.bodyAsJsonArray();
    assertEquals(2, arr.getJsonObject(0).getJsonArray("hosts").size());
  }

  @Test
  void operator_metrics_servers_switches_nodes() {
    assertEquals(new JsonObject().put("status", "UP"), api.json(HttpMethod.GET, V1 + "/operator/metrics"));
    api.post(V1 + "/instance", "serviceName", "m", "ip", "10.0.0.1", "port", "1");
    JsonObject full = api.json(HttpMethod.GET, V1 + "/operator/metrics", "onlyStatus", "false");
    assertEquals(1, full.getInteger("instanceCount"));
    assertEquals(1, full.getInteger("serviceCount"));
    assertEquals(1, full.getLong("registrations"));

    JsonObject servers = api.json(HttpMethod.GET, V1 + "/operator/servers");
    JsonObject self = servers.getJsonArray("servers").getJsonObject(0);
    assertEquals("127.0.0.1:" + api.port(), self.getString("address"));
    assertEquals("UP", self.getString("state"));
    JsonObject nodes = api.json(HttpMethod.GET, "/nacos/v1/core/cluster/nodes");
    assertEquals(200, nodes.getInteger("code"));
    assertEquals(1, nodes.getJsonArray("data").size());

    JsonObject sw = api.json(HttpMethod.GET, V1 + "/operator/switches");
    assertTrue(sw.getBoolean("lightBeatEnabled"));
    HttpResponse<Buffer> bad = api.put(V1 + "/operator/switches", "entry", "nosuch", "value", "1");
    assertEquals(400, bad.statusCode());
    assertEquals("update entry not found: nosuch", bad.bodyAsString());
    assertEquals(400, api.put(V1 + "/operator/switches", "entry", "lightBeatEnabled", "value", "maybe").statusCode());
  }

  @Test
  void overriddenServerStatus_gatesClientApi_notOperator() {
    api.put(V1 + "/operator/switches", "entry", "overriddenServerStatus", "value", "DOWN");
    HttpResponse<Buffer> r = api.post(V1 + "/instance", "serviceName", "g", "ip", "10.0.0.1", "port", "1");
    assertEquals(503, r.statusCode());
    assertEquals("server is DOWN now, please try again later!", r.bodyAsString());
    assertEquals("DOWN", api.json(HttpMethod.GET, V1 + "/operator/metrics").getString("status"));
    api.put(V1 + "/operator/switches", "entry", "overriddenServerStatus", "value", "READ_ONLY");
    assertEquals(503, api.post(V1 + "/instance", "serviceName", "g", "ip", "10.0.0.1", "port", "1").statusCode());
    assertEquals(200, api.get(V1 + "/instance/list", "serviceName", "g").statusCode());
    api.put(V1 + "/operator/switches", "entry", "overriddenServerStatus", "value", "null");
    assertEquals(200, api.post(V1 + "/instance", "serviceName", "g", "ip", "10.0.0.1", "port", "1").statusCode());
  }

  @Test
  void v2_envelope_successAndErrors() {
    JsonObject reg = api.json(HttpMethod.POST, V2 + "/instance", "serviceName", "v", "groupName", "G", "ip",
        "10.0.0.1", "port", "1");
    assertEquals(new JsonObject("{\"code\":0,\"message\":\"success\",\"data\":\"ok\"}"), reg);
    JsonObject list = api.json(HttpMethod.GET, V2 + "/instance/list", "serviceName", "v", "groupName", "G");
    assertEquals(0, list.getInteger("code"));
    assertEquals("G@@v", list.getJsonObject("data").getString("name"));
    assertEquals(1, list.getJsonObject("data").getJsonArray("hosts").size());

    HttpResponse<Buffer> missing = api.post(V2 + "/instance", "serviceName", "v", "port", "1");
    assertEquals(400, missing.statusCode());
    JsonObject err = missing.bodyAsJsonObject();
    assertEquals(10000, err.getInteger("code"));
    assertEquals("Param 'ip' is required.", err.getString("data"));

    JsonObject beat = api.json(HttpMethod.PUT, V2 + "/instance/beat", "serviceName", "v", "groupName", "G",
        "ip", "10.0.0.1", "port", "1");
    assertEquals(10200, beat.getJsonObject("data").getInteger("code"));

    JsonObject services = api.json(HttpMethod.GET, V2 + "/service/list", "groupName", "G");
    assertEquals(1, services.getJsonObject("data").getInteger("count"));
    assertEquals("v", services.getJsonObject("data").getJsonArray("services").getString(0));
    JsonObject svc = api.json(HttpMethod.GET, V2 + "/service", "serviceName", "v", "groupName", "G");
    assertEquals("v", svc.getJsonObject("data").getString("serviceName"));
    assertEquals(404, api.get(V2 + "/service", "serviceName", "none").statusCode());
    assertEquals(20004, api.get(V2 + "/service", "serviceName", "none").bodyAsJsonObject().getInteger("code"));
  }

  @Test
  void unknownApi_andWrongMethod_501() {
    HttpResponse<Buffer> r = api.get(V1 + "/nosuch");
    assertEquals(501, r.statusCode());
    assertEquals("no such api:GET:/nacos/v1/ns/nosuch", r.bodyAsJsonObject().getString("message"));
    HttpResponse<Buffer> m = api.get(V1 + "/instance/beat", "serviceName", "s1");
    assertEquals(501, m.statusCode());
    assertEquals("no such api:GET:/nacos/v1/ns/instance/beat", m.bodyAsJsonObject().getString("message"));
    assertEquals(404, api.get("/elsewhere").statusCode());
  }

  @Test
  void liveness_failsWhileAnEventLoopIsBlocked() {
    assertEquals(200, api.get("/health/live").statusCode());
    Vertx other = Vertx.vertx();
    io.vertx.core.Context blocked = other.getOrCreateContext();
    node.liveness().watch("test-loop", blocked);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    blocked.runOnContext(v -> {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      dev.distro.registry.testing.Poll.until(java.time.Duration.ofSeconds(10), "liveness fails",
          () -> api.get("/health/live").statusCode() == 503);
      assertTrue(api.get("/health/live").bodyAsJsonObject().getString("reason").contains("test-loop"));
    } finally {
      release.countDown();
    }
    dev.distro.registry.testing.Poll.until(java.time.Duration.ofSeconds(5), "liveness recovers",
        () -> api.get("/health/live").statusCode() == 200);
    dev.distro.registry.testing.Wait.on(other.close());
  }

  @Test
  void probes() {
    JsonObject live = api.json(HttpMethod.GET, "/health/live");
    assertEquals("UP", live.getString("status"));
    assertEquals("UP", api.json(HttpMethod.GET, "/health/ready").getString("status"));
    assertEquals("UP", api.json(HttpMethod.GET, "/nacos/v1/console/health/readiness").getString("status"));
    node.status().markNotReady("loading snapshot");
    HttpResponse<Buffer> notReady = api.get("/health/ready");
    assertEquals(503, notReady.statusCode());
    assertEquals("loading snapshot", notReady.bodyAsJsonObject().getString("reason"));
    assertNull(live.getString("reason"));
  }

  @Test
  void ipLiterals_v4AndV6_accepted_asInstanceIpAndPushClientIp() {
    for (String ip : new String[] {"10.0.0.7", "2001:db8::7", "::ffff:10.0.0.7", "fe80::7%eth0", "1:2:3:4:5:6:7:8"}) {
      assertEquals(200, api.post(V1 + "/instance", "serviceName", "lit", "ip", ip, "port", "80").statusCode(), ip);
    }
    assertEquals(5, api.list("lit").getJsonArray("hosts").size());
    for (String clientIp : new String[] {"127.0.0.1", "::1"}) {
      assertEquals(200, api.get(V1 + "/instance/list", "serviceName", "lit", "udpPort", "9", "clientIP", clientIp)
          .statusCode(), clientIp);
    }
    assertEquals(2, ((dev.distro.registry.push.UdpPushVerticle) node.push()).targets());
  }
}

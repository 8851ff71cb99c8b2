package dev.distro.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The naming requests on a real node's gRPC port, by hand: what the Nacos client never sends but a
 * peer on the network may (bad JSON, unknown types, another module, a batch of the wrong kind, no
 * token), each answered in-band with its code and changing nothing; and the holder of what a
 * connection registers. The real clients' flows are in src/compat.
 */
class NamingHandlersTest {

  static final ServiceKey ORDERS = new ServiceKey("public", "DEFAULT_GROUP", "orders");
  Vertx vertx;
  Node node;
  HttpClient client;

  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (vertx != null) {
      Wait.on(vertx.close());
    }
  }

  void start(Map<String, String> settings) {
    vertx = Vertx.vertx();
    Map<String, String> s = new java.util.HashMap<>(settings);
    s.put("grpc-port", String.valueOf(TestNodes.freePort()));
    node = TestNodes.standalone(vertx, s);
    client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(node.config().grpcPort));
  }

  /** Sets up this client's connection as {@code module}'s, and waits until the node has it. */
  void setUp(String module) {
    RawGrpc.setUp(client, true, module);
    Poll.until(Duration.ofSeconds(5), "the connection set up", () -> node.grpcConnections().size() == 1
        && node.grpcConnections().all().iterator().next().registered());
  }

  JsonNode call(String type, String json, Map<String, String> headers) throws Exception {
    RawGrpc.Answer a = RawGrpc.unary(client, RawGrpc.request(type, json, headers));
    assertEquals(0, a.status(), "application errors travel in-band");
    return a.json();
  }

  JsonNode call(String type, String json) throws Exception {
    return call(type, json, Map.of("app", "test"));
  }

  static String register(String service, String ip, int port) {
    return "{\"namespace\":\"public\",\"serviceName\":\"" + service + "\",\"groupName\":\"DEFAULT_GROUP\","
        + "\"type\":\"registerInstance\",\"instance\":{\"ip\":\"" + ip + "\",\"port\":" + port + ",\"weight\":1.0,"
        + "\"healthy\":true,\"enabled\":true,\"ephemeral\":true,\"clusterName\":\"DEFAULT\",\"metadata\":{}}}";
  }

  @Test
  void aRegistration_isHeldByItsConnection_andOnePublicationPerServiceReplacesTheLast() throws Exception {
    start(Map.of());
    setUp("naming");
    JsonNode ok = call("InstanceRequest", register("orders", "10.0.0.1", 80));
    assertEquals(200, ok.path("resultCode").asInt());
    assertEquals("registerInstance", ok.path("type").asText());
    SdkConnection c = node.grpcConnections().all().iterator().next();
    Instance held = node.store().find(ORDERS, "10.0.0.1#80#DEFAULT").instance();
    assertEquals(node.cluster().self() + "/" + c.id(), held.holder());
    // a second registration of the same service on the same connection replaces the first (Nacos)
    call("InstanceRequest", register("orders", "10.0.0.2", 80));
    assertNull(node.store().find(ORDERS, "10.0.0.1#80#DEFAULT"));
    assertNotNull(node.store().find(ORDERS, "10.0.0.2#80#DEFAULT"));
    // a deregistration removes the connection's publication, whatever address it names
    call("InstanceRequest", register("orders", "10.9.9.9", 1).replace("registerInstance", "deregisterInstance"));
    assertNull(node.store().service(ORDERS));
  }

  @Test
  void badRequests_getTheirCode_andChangeNothing() throws Exception {
    start(Map.of());
    setUp("naming");
    long revision = node.store().revision();
    assertEquals(400, call("InstanceRequest", "{not json").path("errorCode").asInt());
    assertEquals(400, call("InstanceRequest", "[1,2]").path("errorCode").asInt());
    JsonNode type = call("InstanceRequest", register("orders", "10.0.0.1", 80).replace("registerInstance", "update"));
    assertEquals(400, type.path("errorCode").asInt());
    assertTrue(type.path("message").asText().contains("update"), type.toString());
    JsonNode port = call("InstanceRequest", register("orders", "10.0.0.1", 70000));
    assertEquals(500, port.path("resultCode").asInt());
    assertEquals(400, port.path("errorCode").asInt());
    assertTrue(port.path("message").asText().contains("port"), port.toString());
    assertEquals(400, call("InstanceRequest", register("a b", "10.0.0.1", 80)).path("errorCode").asInt());
    assertEquals(400, call("InstanceRequest", register("orders", "not an ip!", 80)).path("errorCode").asInt());
    String persistent = register("orders", "10.0.0.1", 80).replace("\"ephemeral\":true", "\"ephemeral\":false");
    assertEquals(400, call("InstanceRequest", persistent).path("errorCode").asInt());
    String timeouts = register("orders", "10.0.0.1", 80).replace("\"metadata\":{}",
        "\"metadata\":{\"preserved.heart.beat.interval\":\"9000\",\"preserved.heart.beat.timeout\":\"3000\"}");
    assertEquals(400, call("InstanceRequest", timeouts).path("errorCode").asInt(), "timeout below the interval");
    String batch = "{\"namespace\":\"public\",\"serviceName\":\"orders\",\"groupName\":\"DEFAULT_GROUP\","
        + "\"type\":\"batchDeregisterInstance\",\"instances\":[]}";
    assertEquals(400, call("BatchInstanceRequest", batch).path("errorCode").asInt(), "not a batch type Nacos has");
    // one bad instance in a batch: none of the batch is registered
    String mixed = "{\"namespace\":\"public\",\"serviceName\":\"orders\",\"groupName\":\"DEFAULT_GROUP\","
        + "\"type\":\"batchRegisterInstance\",\"instances\":[{\"ip\":\"10.0.0.1\",\"port\":1},"
        + "{\"ip\":\"10.0.0.2\",\"port\":0}]}";
    assertEquals(400, call("BatchInstanceRequest", mixed).path("errorCode").asInt());
    assertEquals(revision, node.store().revision(), "nothing changed");
    assertEquals(302, call("ConfigQueryRequest", "{\"dataId\":\"x\"}").path("errorCode").asInt(), "no handler");
  }

  @Test
  void aConfigClient_isRefusedNamingRequests_cleanly() throws Exception {
    start(Map.of());
    setUp("config");
    JsonNode refused = call("InstanceRequest", register("orders", "10.0.0.1", 80));
    assertEquals(302, refused.path("errorCode").asInt());
    assertTrue(refused.path("message").asText().contains("naming"), refused.toString());
    assertNull(node.store().service(ORDERS));
    assertEquals(200, call("HealthCheckRequest", "{}").path("resultCode").asInt(), "its connection stays healthy");
  }

  @Test
  void queryAndList_answerTheirResponseTypes_withNamesWithoutTheGroup() throws Exception {
    start(Map.of());
    setUp("naming");
    call("InstanceRequest", register("orders", "10.0.0.1", 80));
    RawGrpc.Answer q = RawGrpc.unary(client, RawGrpc.request("ServiceQueryRequest", "{\"namespace\":\"\","
        + "\"serviceName\":\"orders\",\"groupName\":\"DEFAULT_GROUP\",\"cluster\":\"\",\"healthyOnly\":false}"));
    assertEquals("QueryServiceResponse", q.payload().type());
    JsonNode info = q.json().path("serviceInfo");
    assertEquals("orders", info.path("name").asText());
    assertEquals("DEFAULT_GROUP", info.path("groupName").asText());
    assertEquals("DEFAULT_GROUP@@orders", info.path("hosts").get(0).path("serviceName").asText());
    RawGrpc.Answer none = RawGrpc.unary(client, RawGrpc.request("ServiceQueryRequest",
        "{\"serviceName\":\"nothing\",\"groupName\":\"DEFAULT_GROUP\"}"));
    assertEquals(0, none.json().path("serviceInfo").path("hosts").size(), "an unknown service: empty hosts");
    RawGrpc.Answer list = RawGrpc.unary(client, RawGrpc.request("ServiceListRequest",
        "{\"namespace\":\"public\",\"groupName\":\"DEFAULT_GROUP\",\"pageNo\":1,\"pageSize\":10}"));
    assertEquals("ServiceListResponse", list.payload().type());
    assertEquals(1, list.json().path("count").asInt());
    assertEquals("orders", list.json().path("serviceNames").get(0).asText());
  }

  @Test
  void withAuthOn_aRequestWithoutAToken_orWithAReadToken_isRefused403() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "app writer-token-0123456789abcdef public:rw\nviewer reader-token-0123456789abcdef public:r\n");
    start(Map.of("auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    setUp("naming");
    assertEquals(403, call("InstanceRequest", register("orders", "10.0.0.1", 80)).path("errorCode").asInt());
    assertEquals(403, call("InstanceRequest", register("orders", "10.0.0.1", 80),
        Map.of("accessToken", "reader-token-0123456789abcdef")).path("errorCode").asInt());
    assertEquals(403, call("InstanceRequest", register("orders", "10.0.0.1", 80),
        Map.of("accessToken", "unknown-token-0123456789abcdef")).path("errorCode").asInt());
    assertNull(node.store().service(ORDERS));
    assertEquals(200, call("InstanceRequest", register("orders", "10.0.0.1", 80),
        Map.of("accessToken", "writer-token-0123456789abcdef")).path("resultCode").asInt());
    assertEquals(List.of("10.0.0.1#80#DEFAULT"), node.store().service(ORDERS).registrations().stream()
        .map(r -> r.localId()).toList());
  }

  @Test
  void aLoneChange_isPushedAtOnce_andOnlyChangesWithinTheMergeWindowOfAPushWait() throws Exception {
    start(Map.of("grpc-push-merge-ms", "3000"));
    List<Payload> pushed = RawGrpc.setUp(client, true, "naming", true);
    Poll.until(Duration.ofSeconds(5), "set up", () -> node.grpcConnections().size() == 1
        && node.grpcConnections().all().iterator().next().registered());
    SdkConnection c = node.grpcConnections().all().iterator().next();
    var conns = node.grpcConnections();
    call("SubscribeServiceRequest", "{\"namespace\":\"public\",\"serviceName\":\"orders\","
        + "\"groupName\":\"DEFAULT_GROUP\",\"subscribe\":true,\"clusters\":\"\"}");
    Poll.until(Duration.ofSeconds(5), "the subscription's own push, acknowledged", () -> conns.pushesAcked.sum() == 1);
    long flushed = c.lastFlushNanos;
    // a change inside the window of that push waits for the window's end, merged with the next
    node.store().register(new Instance(ORDERS, "DEFAULT", "10.4.0.1", 80, 1.0, true, true, true, Map.of(), 0));
    node.store().register(new Instance(ORDERS, "DEFAULT", "10.4.0.2", 80, 1.0, true, true, true, Map.of(), 0));
    Poll.until(Duration.ofSeconds(10), "the merged push", () -> conns.pushesAcked.sum() == 2);
    assertTrue(c.lastFlushNanos - flushed >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(3000),
        "merged at the window's end");
    assertTrue(notified(pushed).get(1).contains("10.4.0.1") && notified(pushed).get(1).contains("10.4.0.2"),
        "both changes in one push: " + notified(pushed));
    // once the window has passed, a lone change goes out at once: well before another window ends
    long last = c.lastFlushNanos;
    Poll.until(Duration.ofSeconds(10), "the window passed", () -> System.nanoTime() - last
        > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(3100));
    node.store().register(new Instance(ORDERS, "DEFAULT", "10.4.0.3", 80, 1.0, true, true, true, Map.of(), 0));
    Poll.until(Duration.ofMillis(2000), "the lone change pushed without waiting for a window",
        () -> notified(pushed).size() == 3 && notified(pushed).get(2).contains("10.4.0.3"));
    assertEquals(3, conns.pushesSent.sum());
  }

  static List<String> notified(List<Payload> received) {
    return received.stream().filter(p -> p.type().equals("NotifySubscriberRequest"))
        .map(p -> new String(p.json(), java.nio.charset.StandardCharsets.UTF_8)).toList();
  }

  @Test
  void aSubscriberThatNeverAcks_holdsOnePushPerService_retriedAfterTheTimeout_andOthersAreServed()
      throws Exception {
    start(Map.of());
    List<Payload> pushed = RawGrpc.setUp(client, true, "naming"); // answers nothing it is sent
    Poll.until(Duration.ofSeconds(5), "set up", () -> node.grpcConnections().size() == 1
        && node.grpcConnections().all().iterator().next().registered());
    call("SubscribeServiceRequest", "{\"namespace\":\"public\",\"serviceName\":\"orders\","
        + "\"groupName\":\"DEFAULT_GROUP\",\"subscribe\":true,\"clusters\":\"\"}");
    for (int i = 1; i <= 200; i++) {
      node.store().register(new Instance(ORDERS, "DEFAULT", "10.3.0." + (i % 250 + 1), i, 1.0, true, true, true,
          Map.of(), 0));
    }
    var conns = node.grpcConnections();
    Poll.until(Duration.ofSeconds(15), "the unanswered push timed out and was sent again",
        () -> conns.pushesFailed.sum() >= 1 && conns.pushesSent.sum() >= 2);
    Poll.until(Duration.ofSeconds(5), "the pushes reached the client", () -> pushed.stream()
        .filter(p -> p.type().equals("NotifySubscriberRequest")).count() >= 2);
    assertTrue(conns.pushesSent.sum() <= 3, "200 changes, one service: pushes sent " + conns.pushesSent.sum());
    // the node keeps serving: another client's query is answered at once
    HttpClient other = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(node.config().grpcPort));
    RawGrpc.Answer q = RawGrpc.unary(other, RawGrpc.request("ServerCheckRequest", "{}"));
    assertEquals("ServerCheckResponse", q.payload().type());
    other.close();
  }
}

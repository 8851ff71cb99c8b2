package dev.distro.registry.http;

import dev.distro.registry.testing.Wait;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed request gets the documented 4xx and message, and leaves the registry exactly as
 * it was (same revision, same counts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {

  static final String I = "/nacos/v1/ns/instance";
  static final String LONG_NAME = "s".repeat(513);

  Vertx vertx;
  Node node;
  Api api;
  HttpClient raw;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    node = TestNodes.standalone(vertx, Map.of("max-body-bytes", "4096", "max-metadata-bytes", "512"));
    api = new Api(vertx, node.config().port);
    raw = vertx.createHttpClient();
    api.post(I, "serviceName", "base", "ip", "10.0.0.1", "port", "80");
  }

  @AfterAll
  void stop() {
    api.close();
    raw.close();
    Wait.on(vertx.close());
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        c("missing serviceName", "POST", I, 400, "Param 'serviceName' is required.", "ip", "10.0.0.1", "port", "80"),
        c("missing ip", "POST", I, 400, "Param 'ip' is required.", "serviceName", "s", "port", "80"),
        c("missing port", "POST", I, 400, "Param 'port' is required.", "serviceName", "s", "ip", "10.0.0.1"),
        c("port not a number", "POST", I, 400, "Param 'port' is illegal, the value should be between 1 and 65535.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "abc"),
        c("port 0", "POST", I, 400, "Param 'port' is illegal, the value should be between 1 and 65535.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "0"),
        c("port 70000", "POST", I, 400, "Param 'port' is illegal, the value should be between 1 and 65535.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "70000"),
        c("ip garbage", "POST", I, 400, "Param 'ip' is illegal, it should be an IPv4 or IPv6 address or a host name.",
            "serviceName", "s", "ip", "10.0.0.1;rm", "port", "80"),
        c("ip 999", "POST", I, 400, "Param 'ip' is illegal, it should be an IPv4 or IPv6 address or a host name.",
            "serviceName", "s", "ip", "10.0.0.999", "port", "80"),
        c("ip v6 with an octal-looking v4 tail", "POST", I, 400,
            "Param 'ip' is illegal, it should be an IPv4 or IPv6 address or a host name.",
            "serviceName", "s", "ip", "::ffff:010.0.0.1", "port", "80"),
        c("ip v6 with two ::", "POST", I, 400,
            "Param 'ip' is illegal, it should be an IPv4 or IPv6 address or a host name.",
            "serviceName", "s", "ip", "1::2::3", "port", "80"),
        c("push clientIP host name", "GET", I + "/list", 400,
            "Param 'clientIP' is illegal, it should be an IPv4 or IPv6 address (push goes to address literals only).",
            "serviceName", "base", "udpPort", "9", "clientIP", "victim.example.com"),
        c("push clientIP malformed", "GET", I + "/list", 400,
            "Param 'clientIP' is illegal, it should be an IPv4 or IPv6 address (push goes to address literals only).",
            "serviceName", "base", "udpPort", "9", "clientIP", "10.0.0.256"),
        c("weight abc", "POST", I, 400, "Param 'weight' is illegal, the value should be a number from 0 to 10000.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "weight", "abc"),
        c("weight negative", "POST", I, 400, "Param 'weight' is illegal, the value should be a number from 0 to 10000.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "weight", "-1"),
        c("weight NaN", "POST", I, 400, "Param 'weight' is illegal, the value should be a number from 0 to 10000.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "weight", "NaN"),
        c("healthy maybe", "POST", I, 400, "Param 'healthy' is illegal, the value should be true or false.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "healthy", "maybe"),
        c("persistent", "POST", I, 400, "Param 'ephemeral' is illegal, persistent instances are not supported: this"
            + " registry keeps ephemeral instances only.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "ephemeral", "false"),
        c("metadata bad json", "POST", I, 400, "Param 'metadata' is illegal, it is not a valid JSON object:",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "metadata", "{\"a\":"),
        c("metadata not pairs", "POST", I, 400, "Param 'metadata' is illegal, expected a JSON object or k1=v1,k2=v2",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "metadata", "novalue"),
        c("metadata too big", "POST", I, 400, "Param 'metadata' is illegal, the metadata should not exceed 512 bytes.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "metadata", "{\"a\":\"" + "x".repeat(600) + "\"}"),
        c("metadata bad timeout", "POST", I, 400,
            "Param 'metadata' is illegal, 'preserved.heart.beat.timeout' should be a number of milliseconds from 1 to"
                + " 2147483647.",
            "serviceName", "s", "ip", "10.0.0.1", "port", "80", "metadata", "{\"preserved.heart.beat.timeout\":\"-5\"}"),
        c("empty group in name", "POST", I, 400, "Param 'serviceName' is illegal, groupName can't be empty",
            "serviceName", "@@s1", "ip", "10.0.0.1", "port", "80"),
        c("empty name after group", "POST", I, 400, "Param 'serviceName' is illegal, serviceName can't be empty",
            "serviceName", "G@@", "ip", "10.0.0.1", "port", "80"),
        c("control char in name", "POST", I, 400,
            "Param 'serviceName' is illegal, illegal characters should not appear in the param.",
            "serviceName", "a\u0001b", "ip", "10.0.0.1", "port", "80"),
        c("newline in name", "POST", I, 400,
            "Param 'serviceName' is illegal, illegal characters should not appear in the param.",
            "serviceName", "a\nb", "ip", "10.0.0.1", "port", "80"),
        c("name too long", "POST", I, 400, "Param 'serviceName' is illegal, the param length should not exceed 512.",
            "serviceName", LONG_NAME, "ip", "10.0.0.1", "port", "80"),
        c("bad group chars", "POST", I, 400,
            "Param 'groupName' is illegal, illegal characters should not appear in the param.",
            "serviceName", "s", "groupName", "g/../x", "ip", "10.0.0.1", "port", "80"),
        c("bad namespace", "POST", I, 400,
            "Param 'namespaceId' is illegal, illegal characters should not appear in the param.",
            "serviceName", "s", "namespaceId", "a b", "ip", "10.0.0.1", "port", "80"),
        c("bad cluster", "POST", I, 400,
            "Param 'clusterName' is illegal, illegal characters should not appear in the param.",
            "serviceName", "s", "clusterName", "c#1", "ip", "10.0.0.1", "port", "80"),
        c("beat not json", "PUT", I + "/beat", 400, "Param 'beat' is illegal, it is not valid JSON:",
            "serviceName", "s", "beat", "notjson"),
        c("beat json array", "PUT", I + "/beat", 400, "Param 'beat' is illegal, it should be a JSON object.",
            "serviceName", "s", "beat", "[1]"),
        c("beat bad port", "PUT", I + "/beat", 400, "Param 'port' is illegal, the value should be between 1 and 65535.",
            "serviceName", "s", "beat", "{\"ip\":\"10.0.0.1\",\"port\":99999}"),
        c("beat metadata too big", "PUT", I + "/beat", 400,
            "Param 'beat' is illegal, the metadata should not exceed 512 bytes.", "serviceName", "s", "beat",
            "{\"ip\":\"10.0.0.1\",\"port\":1,\"metadata\":{\"a\":\"" + "x".repeat(600) + "\"}}"),
        c("beat no ip", "PUT", I + "/beat", 400, "Param 'ip' is required.", "serviceName", "s", "port", "1"),
        c("list bad healthyOnly", "GET", I + "/list", 400,
            "Param 'healthyOnly' is illegal, the value should be true or false.", "serviceName", "s",
            "healthyOnly", "yes"),
        c("list bad clusters", "GET", I + "/list", 400,
            "Param 'clusters' is illegal, illegal characters should not appear in the param.", "serviceName", "s",
            "clusters", "a,b c"),
        c("service threshold", "POST", "/nacos/v1/ns/service", 400,
            "Param 'protectThreshold' is illegal, the value should be a number from 0 to 1.", "serviceName", "s",
            "protectThreshold", "2"),
        c("service selector", "POST", "/nacos/v1/ns/service", 400,
            "Param 'selector' is illegal, it should be a JSON object with a 'type'.", "serviceName", "s",
            "selector", "{\"x\":1}"),
        c("service list pageSize", "GET", "/nacos/v1/ns/service/list", 400,
            "Param 'pageSize' is illegal, the value should be an integer from 1 to ", "pageSize", "100000"),
        c("update unknown", "PUT", I, 404, "service not found: DEFAULT_GROUP@@nosuch in namespace public",
            "serviceName", "nosuch", "ip", "10.0.0.1", "port", "1"),
        c("delete unknown service", "DELETE", "/nacos/v1/ns/service", 404,
            "service not found: DEFAULT_GROUP@@nosuch in namespace public", "serviceName", "nosuch"),
        c("delete non-empty service", "DELETE", "/nacos/v1/ns/service", 400,
            "service DEFAULT_GROUP@@base is not empty, can't be delete. Please unregister instance first",
            "serviceName", "base"),
        c("switch bad value", "PUT", "/nacos/v1/ns/operator/switches", 400,
            "illegal value for clientBeatInterval: -1 (expected milliseconds from 500 to 3600000)",
            "entry", "clientBeatInterval", "value", "-1"));
  }

  private static Arguments c(String name, String method, String path, int status, String message, String... params) {
    return Arguments.of(name, method, path, status, message, params);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rejected_withMessage_andNothingChanges(String name, String method, String path, int status, String message,
      String[] params) {
    RegistryStore store = node.store();
    long revision = store.revision();
    int instances = store.instanceCount();
    int services = store.serviceCount();

    HttpResponse<Buffer> r = api.call(HttpMethod.valueOf(method), path, params);
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertTrue(r.bodyAsString().startsWith(message), "message was: " + r.bodyAsString());
    assertEquals("text/plain;charset=UTF-8", r.getHeader("Content-Type"));

    HttpResponse<Buffer> v2 = api.call(HttpMethod.valueOf(method), path.replace("/v1/", "/v2/"), params);
    if (v2.statusCode() != 501) {
      assertEquals(status, v2.statusCode(), v2.bodyAsString());
      assertTrue(v2.bodyAsJsonObject().getString("data").startsWith(message), v2.bodyAsString());
      assertTrue(v2.bodyAsJsonObject().getInteger("code") >= 10000);
    }

    assertEquals(revision, store.revision(), "revision moved");
    assertEquals(instances, store.instanceCount());
    assertEquals(services, store.serviceCount());
  }

  @Test
  void oversizedBody_413_andNothingChanges() {
    long revision = node.store().revision();
    HttpResponse<Buffer> r = api.form(HttpMethod.POST, I, "serviceName", "big", "ip", "10.0.0.1", "port", "80",
        "metadata", "{\"a\":\"" + "x".repeat(10_000) + "\"}");
    assertEquals(413, r.statusCode(), r.bodyAsString());
    assertEquals("request body too large: the limit is 4096 bytes.", r.bodyAsString());
    assertEquals(revision, node.store().revision());
  }

  @Test
  void oversizedChunkedForm_rejected_andNothingChanges() {
    long revision = node.store().revision();
    HttpClientResponse resp = Wait.on(raw.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setHost("127.0.0.1").setPort(api.port()).setURI(I))
        .compose(req -> {
          req.setChunked(true);
          req.putHeader("Content-Type", "application/x-www-form-urlencoded");
          req.write("serviceName=big&ip=10.0.0.1&port=80&metadata=");
          return req.send(Buffer.buffer("y".repeat(20_000)));
        }));
    assertEquals(413, resp.statusCode());
    assertEquals(revision, node.store().revision());
    assertEquals(200, api.get("/health/live").statusCode(), "the node still answers");
  }

  @Test
  void oversizedHeaders_431() {
    HttpClientResponse resp = Wait.on(raw.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setHost("127.0.0.1").setPort(api.port()).setURI("/health/live")
            .putHeader("X-Big", "z".repeat(20_000)))
        .compose(req -> req.send()));
    assertEquals(431, resp.statusCode());
  }
}

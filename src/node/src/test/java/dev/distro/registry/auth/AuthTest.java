package dev.distro.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import dev.distro.registry.testing.WatchClient;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Client authentication on one standalone node: tokens, permissions per namespace, the watch endpoint. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthTest {

  static final String I = "/nacos/v1/ns/instance";
  static final String ADMIN = "admin-token-0123456789";
  static final String WRITER = "writer-token-0123456789";
  static final String READER = "reader-token-0123456789";
  static final String TOKENS = "# name token grants\n"
      + "admin  " + ADMIN + "  *:rw\n"
      + "writer " + WRITER + " public:rw\n"
      + "\n"
      + "reader " + READER + " public:r dev:r\n";

  @TempDir
  Path dir;
  Path tokenFile;
  Vertx vertx;
  Node node;
  Api api;
  WebClient web;
  WebSocketClient wsClient;
  final List<WatchClient> watchers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    tokenFile = dir.resolve("tokens");
    Files.writeString(tokenFile, TOKENS);
    vertx = Vertx.vertx();
    node = TestNodes.standalone(vertx, Map.of("auth-enabled", "true", "auth-tokens-file", tokenFile.toString(),
        "auth-reload-ms", "100"));
    api = new Api(vertx, node.config().port);
    web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.config().port));
    wsClient = vertx.createWebSocketClient();
  }

  @AfterEach
  void stop() {
    watchers.forEach(WatchClient::close);
    api.close();
    web.close();
    Wait.on(wsClient.close());
    Wait.on(vertx.close());
  }

  long revision() {
    return node.store().revision();
  }

  @Test
  void noToken_is401WithAJsonMessage_andChangesNothing() {
    long before = revision();
    HttpResponse<Buffer> r = api.post(I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80");
    assertEquals(401, r.statusCode());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(401, body.getInteger("status"));
    assertTrue(body.getString("message").contains("no access token"), body.encode());
    assertEquals("Bearer", r.getHeader("WWW-Authenticate"));
    assertEquals(401, api.get(I + "/list", "serviceName", "svc").statusCode());
    assertEquals(401, api.get("/nacos/v2/ns/instance/list", "serviceName", "svc").statusCode());
    assertEquals(401, api.put(I + "/beat", "serviceName", "svc", "ip", "10.0.0.1", "port", "80").statusCode());
    assertEquals(401, api.get("/nacos/v1/ns/service/list").statusCode());
    assertEquals(401, api.get("/nacos/v1/ns/catalog/services").statusCode());
    assertEquals(401, api.get("/nacos/v1/ns/operator/metrics").statusCode());
    assertEquals(before, revision(), "a refused write changes nothing");
  }

  @Test
  void unknownToken_is401() {
    long before = revision();
    HttpResponse<Buffer> r = api.post(I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80",
        "accessToken", "not-a-token-0123456789");
    assertEquals(401, r.statusCode());
    assertEquals("unknown access token", r.bodyAsJsonObject().getString("message"));
    HttpResponse<Buffer> bearer = Wait.on(web.get(I + "/list").addQueryParam("serviceName", "svc")
        .putHeader("Authorization", "Bearer " + WRITER + "x").send());
    assertEquals(401, bearer.statusCode());
    assertEquals(before, revision());
  }

  @Test
  void readOnlyToken_cannotWrite_403() {
    long before = revision();
    for (HttpMethod m : new HttpMethod[] {HttpMethod.POST, HttpMethod.DELETE, HttpMethod.PUT}) {
      HttpResponse<Buffer> r = api.call(m, I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80",
          "accessToken", READER);
      assertEquals(403, r.statusCode(), m.name());
      assertEquals("authorization failed: token 'reader' may not write namespace 'public'",
          r.bodyAsJsonObject().getString("message"));
    }
    assertEquals(403, api.put(I + "/beat", "serviceName", "svc", "ip", "10.0.0.1", "port", "80",
        "accessToken", READER).statusCode());
    assertEquals(403, api.post("/nacos/v1/ns/service", "serviceName", "s2", "accessToken", READER).statusCode());
    assertEquals(403, api.put("/nacos/v1/ns/operator/switches", "entry", "lightBeatEnabled", "value", "false",
        "accessToken", WRITER).statusCode(), "switches need write on *");
    assertEquals(before, revision(), "refused writes change nothing");
  }

  @Test
  void anotherNamespace_is403() {
    long before = revision();
    HttpResponse<Buffer> w = api.post(I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80",
        "namespaceId", "dev", "accessToken", WRITER);
    assertEquals(403, w.statusCode());
    assertEquals("authorization failed: token 'writer' may not write namespace 'dev'",
        w.bodyAsJsonObject().getString("message"));
    assertEquals(403, api.get(I + "/list", "serviceName", "svc", "namespaceId", "prod", "accessToken", READER)
        .statusCode());
    assertEquals(before, revision());
  }

  @Test
  void rightToken_passes_asParameter_formField_orBearerHeader() {
    assertEquals(200, api.post(I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80", "accessToken", WRITER)
        .statusCode());
    assertEquals(200, api.form(HttpMethod.POST, I, "serviceName", "svc", "ip", "10.0.0.2", "port", "80",
        "accessToken", WRITER).statusCode());
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("serviceName", "svc").add("ip", "10.0.0.3")
        .add("port", "80");
    assertEquals(200, Wait.on(web.post(I).putHeader("Authorization", "Bearer " + ADMIN).sendForm(form))
        .statusCode());
    assertEquals(200, api.post(I, "serviceName", "svc", "ip", "10.0.0.4", "port", "80", "namespaceId", "dev",
        "accessToken", ADMIN).statusCode(), "* grants every namespace");
    HttpResponse<Buffer> list = api.get(I + "/list", "serviceName", "svc", "accessToken", READER);
    assertEquals(200, list.statusCode());
    assertEquals(3, list.bodyAsJsonObject().getJsonArray("hosts").size());
    assertEquals(200, api.get(I + "/list", "serviceName", "svc", "namespaceId", "dev", "accessToken", READER)
        .statusCode());
    assertEquals(200, api.put(I + "/beat", "serviceName", "svc", "ip", "10.0.0.1", "port", "80",
        "accessToken", WRITER).statusCode());
    assertEquals(200, api.get("/nacos/v2/ns/instance/list", "serviceName", "svc", "accessToken", READER)
        .statusCode());
    assertEquals(200, api.get("/nacos/v1/ns/operator/metrics", "accessToken", READER).statusCode(),
        "operator reads need any valid token");
    assertEquals(200, api.put("/nacos/v1/ns/operator/switches", "entry", "lightBeatEnabled", "value", "true",
        "accessToken", ADMIN).statusCode());
  }

  @Test
  void nacosLogin_handsBackTheToken_forItsName() {
    HttpResponse<Buffer> ok = api.form(HttpMethod.POST, "/nacos/v1/auth/users/login", "username", "reader",
        "password", READER);
    assertEquals(200, ok.statusCode());
    assertEquals(READER, ok.bodyAsJsonObject().getString("accessToken"));
    assertEquals(403, api.form(HttpMethod.POST, "/nacos/v1/auth/users/login", "username", "writer",
        "password", READER).statusCode(), "the name must match the token");
    assertEquals(403, api.form(HttpMethod.POST, "/nacos/v1/auth/users/login", "username", "reader",
        "password", "wrong-token-0123456789").statusCode());
  }

  @Test
  void probesAndMetrics_stayOpen() {
    assertEquals(200, api.get("/health/live").statusCode());
    assertEquals(200, api.get("/health/ready").statusCode());
    assertEquals(200, api.get("/nacos/v1/console/health/readiness").statusCode());
    assertEquals(200, api.get("/metrics").statusCode());
  }

  @Test
  void watch_withoutOrWithAWrongToken_isRefusedAt401() {
    for (String uri : new String[] {"/nacos/v1/ns/watch", "/nacos/v1/ns/watch?accessToken=wrong-token-0123456789"}) {
      Throwable t = assertThrows(Throwable.class, () -> Wait.on(wsClient.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(node.config().port).setURI(uri))));
      UpgradeRejectedException e = assertInstanceOf(UpgradeRejectedException.class, rootOf(t));
      assertEquals(401, e.getStatus(), uri);
    }
  }

  @Test
  void watch_tokenLimitedToNamespaces_subscribesOnlyThere() {
    api.post(I, "serviceName", "svc", "ip", "10.0.0.1", "port", "80", "accessToken", WRITER);
    WatchClient w = watch(new WebSocketConnectOptions().setURI("/nacos/v1/ns/watch?accessToken=" + READER));
    w.send(new JsonObject().put("op", "subscribe").put("id", "pub").put("namespace", "public"));
    JsonObject snap = w.await(Duration.ofSeconds(10), "snapshot of public",
        f -> "snapshot".equals(f.getString("type")) && "pub".equals(f.getString("id")));
    assertEquals(1, snap.getJsonArray("instances").size());
    w.send(new JsonObject().put("op", "subscribe").put("id", "all"));
    JsonObject all = w.await(Duration.ofSeconds(10), "refusal of an unfiltered subscription",
        f -> "error".equals(f.getString("type")) && "all".equals(f.getString("id")));
    assertEquals("forbidden", all.getString("code"));
    w.send(new JsonObject().put("op", "subscribe").put("id", "prod").put("namespace", "prod"));
    assertEquals("forbidden", w.await(Duration.ofSeconds(10), "refusal of namespace prod",
        f -> "error".equals(f.getString("type")) && "prod".equals(f.getString("id"))).getString("code"));
    api.post(I, "serviceName", "svc", "ip", "10.0.0.2", "port", "80", "accessToken", WRITER);
    w.await(Duration.ofSeconds(10), "event on public", f -> "event".equals(f.getString("type")));
    assertTrue(w.ofType("snapshot").stream().noneMatch(f -> !"pub".equals(f.getString("id"))),
        "refused subscriptions get no snapshot");

    WatchClient admin = watch(new WebSocketConnectOptions().setURI("/nacos/v1/ns/watch")
        .addHeader("Authorization", "Bearer " + ADMIN));
    admin.send(new JsonObject().put("op", "subscribe").put("id", "all"));
    assertEquals(2, admin.await(Duration.ofSeconds(10), "unfiltered snapshot with *:r",
        f -> "snapshot".equals(f.getString("type"))).getJsonArray("instances").size());
  }

  @Test
  void tokenFile_isReloadedWhenItChanges() throws Exception {
    String added = "late-token-0123456789abc";
    assertEquals(401, api.get(I + "/list", "serviceName", "svc", "accessToken", added).statusCode());
    Files.writeString(tokenFile, TOKENS + "late " + added + " public:r\n");
    Poll.until(Duration.ofSeconds(10), "the new token works", () ->
        api.get(I + "/list", "serviceName", "svc", "accessToken", added).statusCode() == 200);
    Files.writeString(tokenFile, "this line is not a token entry\n");
    Files.writeString(tokenFile, TOKENS.replace("reader", "# reader"));
    Poll.until(Duration.ofSeconds(10), "a removed token stops working", () ->
        api.get(I + "/list", "serviceName", "svc", "accessToken", READER).statusCode() == 401);
    assertEquals(200, api.get(I + "/list", "serviceName", "svc", "accessToken", WRITER).statusCode());
  }

  @Test
  void tokenTable_parsesGrants_andRejectsBadLinesWithoutShowingTokens() {
    TokenTable t = TokenTable.parse(TOKENS, "tokens");
    assertEquals(3, t.size());
    assertTrue(t.find(READER).may(TokenTable.Access.READ, "dev"));
    assertFalse(t.find(READER).may(TokenTable.Access.WRITE, "public"));
    assertFalse(t.find(READER).may(TokenTable.Access.READ, null));
    assertTrue(t.find(ADMIN).may(TokenTable.Access.WRITE, null));
    assertEquals(null, t.find("nope"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenTable.parse("a short-token public:r\n", "f"));
    assertEquals("token 'a' at f line 1 is too short: it needs at least 16 characters", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenTable.parse("a secret-value-0123456789 public:x\n", "f"));
    assertFalse(e.getMessage().contains("secret-value"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TokenTable.parse("a " + ADMIN + " *:r\nb " + ADMIN
        + " *:r\n", "f"));
  }

  WatchClient watch(WebSocketConnectOptions o) {
    WatchClient w = new WatchClient(vertx, o.setHost("127.0.0.1").setPort(node.config().port));
    watchers.add(w);
    return w;
  }

  static Throwable rootOf(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c && !(c instanceof UpgradeRejectedException)) {
      c = c.getCause();
    }
    return c;
  }
}

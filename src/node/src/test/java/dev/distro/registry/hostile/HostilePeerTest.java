package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * The peer port of a two-node cluster against everything that is not the cluster secret in its
 * header: no secret, a wrong one, the Nacos server User-Agent, a Nacos client's credentials
 * (accessToken, Authorization, username/password), a forwarded-for loopback, the secret in the
 * query string or a form, near-misses of the secret, on every peer path and method and with path
 * tricks: always 401, and neither node's registry changes. {@code DistroClusterTest} has the
 * plain no/wrong/empty-secret cases on sync, repair, verify and snapshot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostilePeerTest {

  static final String UNAUTHORIZED = "{\"error\":\"unauthorized\"}";

  TestCluster cluster;
  int peerPort;
  String from;

  @BeforeAll
  void start() {
    cluster = TestCluster.started(2, Map.of());
    String a = cluster.address(0);
    from = cluster.address(1);
    peerPort = cluster.node(a).config().peerPort;
    Api api = cluster.api(a);
    api.post("/nacos/v1/ns/instance", "serviceName", "peer", "ip", "10.6.0.1", "port", "80", "metadata",
        "{\"preserved.heart.beat.timeout\":\"3600000\",\"preserved.ip.delete.timeout\":\"3600000\"}");
    Poll.until(Duration.ofSeconds(10), "on both nodes", () -> cluster.running().stream()
        .allMatch(n -> cluster.node(n).store().instanceCount() == 1));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  String body(String path) {
    long v = (System.currentTimeMillis() + 1_000) << 16;
    String put = "{\"o\":\"put\",\"ns\":\"public\",\"g\":\"DEFAULT_GROUP\",\"s\":\"evil\",\"c\":\"DEFAULT\","
        + "\"ip\":\"6.6.6.6\",\"p\":1,\"v\":" + v + "}";
    String del = "{\"o\":\"del\",\"ns\":\"public\",\"g\":\"DEFAULT_GROUP\",\"s\":\"peer\",\"c\":\"DEFAULT\","
        + "\"ip\":\"10.6.0.1\",\"p\":80,\"v\":" + v + "}";
    if (path.contains("verify")) {
      return "{\"from\":\"" + from + "\",\"buckets\":[" + "0,".repeat(255) + "0]}";
    }
    return "{\"from\":\"" + from + "\",\"asOf\":" + v + ",\"buckets\":[0],\"entries\":[" + put + "," + del + "]}";
  }

  static Stream<Arguments> credentials() {
    String s = TestCluster.SECRET;
    List<Arguments> l = new ArrayList<>();
    l.add(Arguments.of("no secret", "", ""));
    l.add(Arguments.of("wrong secret", "X-Distro-Secret: wrong-secret-0123456789\r\n", ""));
    l.add(Arguments.of("empty secret", "X-Distro-Secret: \r\n", ""));
    l.add(Arguments.of("User-Agent Nacos-Server", "User-Agent: Nacos-Server:2.5.1\r\n", ""));
    l.add(Arguments.of("Nacos identity pair", "serverIdentity: security\r\nUser-Agent: Nacos-Server\r\n", ""));
    l.add(Arguments.of("client accessToken", "", "accessToken=eyJhbGciOiJIUzI1NiJ9.e30.x&username=nacos"));
    l.add(Arguments.of("Authorization bearer", "Authorization: Bearer " + s + "\r\n", ""));
    l.add(Arguments.of("Authorization basic", "Authorization: Basic bmFjb3M6bmFjb3M=\r\n", ""));
    l.add(Arguments.of("username and password", "", "username=nacos&password=nacos"));
    l.add(Arguments.of("X-Forwarded-For loopback", "X-Forwarded-For: 127.0.0.1\r\nX-Real-IP: 127.0.0.1\r\n", ""));
    l.add(Arguments.of("secret in the query", "", "X-Distro-Secret=" + s + "&secret=" + s));
    l.add(Arguments.of("secret as another header", "X-Distro-Secrets: " + s + "\r\nSecret: " + s + "\r\n", ""));
    l.add(Arguments.of("secret with trailing space", "X-Distro-Secret: " + s + " x\r\n", ""));
    l.add(Arguments.of("secret prefix", "X-Distro-Secret: " + s.substring(0, s.length() - 1) + "\r\n", ""));
    l.add(Arguments.of("secret twice concatenated", "X-Distro-Secret: " + s + s + "\r\n", ""));
    l.add(Arguments.of("secret upper-cased", "X-Distro-Secret: " + s.toUpperCase(java.util.Locale.ROOT) + "\r\n", ""));
    l.add(Arguments.of("wrong secret first, right one second", "X-Distro-Secret: nope\r\nX-Distro-Secret: " + s
        + "\r\n", ""));
    return l.stream();
  }

  static final String[][] PATHS = {
      {"GET", "/distro/ping"}, {"GET", "/distro/digest"}, {"GET", "/distro/faults"}, {"POST", "/distro/faults"},
      {"GET", "/distro/snapshot"}, {"POST", "/distro/sync"}, {"POST", "/distro/verify"},
      {"POST", "/distro/repair"}, {"PUT", "/distro/sync"}, {"DELETE", "/distro/snapshot"}, {"GET", "/"},
      {"POST", "/distro/sync/"}, {"POST", "//distro/sync"}, {"POST", "/distro/%73ync"}, {"POST", "/distro/x/../sync"},
      {"POST", "/distro/x/%2e%2e/sync"}, {"POST", "/DISTRO/SYNC"}, {"POST", "/nacos/v1/ns/instance"}};

  @ParameterizedTest(name = "{0}")
  @MethodSource("credentials")
  void everyPeerPath_withoutTheSecret_401_andNothingChanges(String name, String headers, String query) {
    RegistryState before = RegistryState.of(cluster);
    for (String[] p : PATHS) {
      String target = p[1] + (query.isEmpty() ? "" : "?" + query);
      String b = p[0].equals("GET") ? null : body(p[1]);
      String req = HostileHttpTest.req(p[0], target, headers + (b == null ? "" : "Content-Type: application/json\r\n"),
          b);
      RawHttp.Response r = RawHttp.exchange(peerPort, req);
      assertEquals(401, r.status(), name + " " + p[0] + " " + p[1] + ": " + r.body());
      assertEquals(UNAUTHORIZED, r.body(), name + " " + p[1]);
    }
    before.assertUnchanged(cluster, name);
  }

  @Test
  void secretInAFormBody_401_andNothingChanges() {
    RegistryState before = RegistryState.of(cluster);
    RawHttp.Response r = RawHttp.exchange(peerPort, HostileHttpTest.form("POST", "/distro/sync", "",
        "X-Distro-Secret=" + TestCluster.SECRET + "&from=" + from));
    assertEquals(401, r.status(), r.body());
    before.assertUnchanged(cluster, "secret in a form body");
  }

  static Stream<Arguments> authenticatedHostile() {
    long now = (System.currentTimeMillis()) << 16;
    String key = "\"ns\":\"public\",\"g\":\"DEFAULT_GROUP\",\"s\":\"evil\",\"c\":\"DEFAULT\"";
    List<Arguments> l = new ArrayList<>();
    l.add(Arguments.of("path trick with the secret", "POST", "/distro/x/../sync", "{}", 404, "{\"error\":\"no such peer api"));
    l.add(Arguments.of("sync: not JSON", "POST", "/distro/sync", "not json", 400, ""));
    l.add(Arguments.of("sync: entries not an array", "POST", "/distro/sync", "{\"entries\":{}}", 400,
        "{\"error\":\"entries missing\"}"));
    l.add(Arguments.of("verify: 255 buckets", "POST", "/distro/verify", "{\"from\":\"x\",\"buckets\":[0]}", 400,
        "{\"error\":\"bad verify request\"}"));
    for (String[] e : new String[][] {
        {"version Long.MAX_VALUE", "clock_ahead", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":9223372036854775807}"},
        {"version 1e30", "bad_version", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":1e30}"},
        {"version a year ahead", "clock_ahead", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":"
            + (now + (365L * 24 * 3600 * 1000 << 16)) + "}"},
        {"version negative", "bad_version", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":-5}"},
        {"port 2^32+1", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":4294967297,\"v\":" + now + "}"},
        {"port 1.5", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1.5,\"v\":" + now + "}"},
        {"port as text", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":\"1\",\"v\":" + now + "}"},
        {"weight 1e999", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"w\":1e999,\"v\":" + now + "}"},
        {"weight negative", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"w\":-1,\"v\":" + now + "}"},
        {"unknown op", "unknown_op", "{\"o\":\"drop\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":" + now + "}"},
        // longer than any member may accept from a client (NodeConfig.MAX_SERVICE_NAME_LENGTH)
        {"service name 5k", "bad_field", "{\"o\":\"put\",\"ns\":\"public\",\"g\":\"G\",\"s\":\""
            + "s".repeat(dev.distro.registry.config.NodeConfig.MAX_SERVICE_NAME_LENGTH + 1)
            + "\",\"c\":\"DEFAULT\",\"ip\":\"6.6.6.6\",\"p\":1,\"v\":" + now + "}"},
        {"metadata not an object", "bad_field", "{\"o\":\"put\"," + key + ",\"ip\":\"6.6.6.6\",\"p\":1,\"m\":[1],\"v\":" + now + "}"}}) {
      // refused, and the answer names why
      l.add(Arguments.of("sync entry: " + e[0], "POST", "/distro/sync", "{\"from\":\"FROM\",\"entries\":[" + e[2] + "]}",
          200, "{\"applied\":0,\"stale\":0,\"rejected\":1,\"reasons\":{\"" + e[1] + "\":1}"));
    }
    return l.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("authenticatedHostile")
  void withTheSecret_malformedAndOutOfRange_refusedOrRejected_andNothingChanges(String name, String method, String path,
      String body, int status, String answer) {
    RegistryState before = RegistryState.of(cluster);
    RawHttp.Response r = RawHttp.exchange(peerPort, HostileHttpTest.req(method, path, "X-Distro-Secret: "
        + TestCluster.SECRET + "\r\nContent-Type: application/json\r\n", body.replace("FROM", from)));
    assertEquals(status, r.status(), name + ": " + r.body());
    assertTrue(r.body().startsWith(answer), name + ": " + r.body());
    before.assertUnchanged(cluster, name);
  }
}

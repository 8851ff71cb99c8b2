package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What Vert.x Web's router would do differently from the node's exact routing, on both ports of
 * a two-node cluster: it matches the normalized path and ignores a trailing slash (here an odd
 * spelling of a path reaches no handler, the console's included), and it refuses an HTTP/1.1
 * request without a valid Host header with a bare 400 of its own (here the API's own 400, in the
 * route's rendering). Every case gets its exact status and body start, and neither registry changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RouterEdgesTest {

  static final String I = "/nacos/v1/ns/instance";
  static final String Q = "serviceName=edge&ip=10.7.0.1&port=80";
  static final String NO_HOST = "missing or invalid Host header: HTTP/1.1 requires one.";
  static final String SECRET = "X-Distro-Secret: " + TestCluster.SECRET + "\r\n";

  TestCluster cluster;
  Api api;
  int port;
  int peerPort;

  @BeforeAll
  void start() {
    cluster = TestCluster.started(2, Map.of());
    String a = cluster.address(0);
    api = cluster.api(a);
    port = api.port();
    peerPort = cluster.node(a).config().peerPort;
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  /** A request with exactly the given head lines (no Host unless given). */
  static String raw(String requestLine, String headers) {
    return requestLine + "\r\nConnection: close\r\n" + headers + "\r\n";
  }

  static Arguments r(String name, boolean peer, String request, int status, String body) {
    return Arguments.of(name, peer, request, status, body);
  }

  static Stream<Arguments> cases() {
    String host = "Host: 127.0.0.1\r\n";
    List<Arguments> l = new ArrayList<>();
    // Host
    l.add(r("v1 write without Host", false, raw("POST " + I + "?" + Q + " HTTP/1.1", ""), 400, NO_HOST));
    l.add(r("v1 write with an invalid Host", false, raw("POST " + I + "?" + Q + " HTTP/1.1", "Host: a b\r\n"), 400,
        NO_HOST));
    l.add(r("v2 write without Host", false, raw("POST /nacos/v2/ns/instance?" + Q + " HTTP/1.1", ""), 400,
        "{\"code\":10001,\"message\":\"parameter validate error\",\"data\":\"" + NO_HOST + "\"}"));
    l.add(r("probe without Host", false, raw("GET /health/live HTTP/1.1", ""), 400, NO_HOST));
    l.add(r("HTTP/1.0 needs no Host", false, raw("GET /health/live HTTP/1.0", ""), 200, "{\"status\":\"UP\""));
    // exact paths outside the naming API (HostileHttpTest has the naming API's)
    for (String p : new String[] {"/health/live/", "/health/./live", "/health/%6cive", "/metrics/", "//metrics",
        "/console/%69ndex.html", "/console/../console/index.html", "/console//index.html", "/console/nosuch.js",
        "/console/index.html/"}) {
      l.add(r("GET " + p, false, raw("GET " + p + " HTTP/1.1", host), 404, "{\"timestamp\""));
    }
    l.add(r("GET /nacos/../console/index.html", false, raw("GET /nacos/../console/index.html HTTP/1.1", host), 501,
        "{\"timestamp\""));
    l.add(r("POST /console/", false, raw("POST /console/ HTTP/1.1", host), 404, "{\"timestamp\""));
    l.add(r("OPTIONS *", false, raw("OPTIONS * HTTP/1.1", host), 404, "{\"timestamp\""));
    // the peer port: the secret first, then Host, then exact paths
    l.add(r("peer: no secret, no Host", true, raw("GET /distro/ping HTTP/1.1", ""), 401, "{\"error\":\"unauthorized\"}"));
    l.add(r("peer: no Host", true, raw("GET /distro/ping HTTP/1.1", SECRET), 400,
        "{\"error\":\"missing or invalid Host header\"}"));
    for (String p : new String[] {"GET /distro/ping/", "GET /distro/%70ing", "GET //distro/ping", "GET /distro/./ping",
        "PUT /distro/ping", "GET /distro/sync", "GET /distro/faults"}) {
      l.add(r("peer: " + p, true, raw(p + " HTTP/1.1", host + SECRET), 404, "{\"error\":\"no such peer api: " + p));
    }
    l.add(r("peer: ping", true, raw("GET /distro/ping HTTP/1.1", host + SECRET), 200, "{"));
    return l.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void routedExactly_andNothingChanges(String name, boolean peer, String request, int status, String body) {
    RegistryState before = RegistryState.of(cluster);
    RawHttp.Response resp = RawHttp.exchange(peer ? peerPort : port, request);
    assertEquals(status, resp.status(), name + ": " + resp.body());
    assertTrue(resp.body().startsWith(body), name + ": body was: " + resp.body());
    before.assertUnchanged(cluster, name);
  }
}

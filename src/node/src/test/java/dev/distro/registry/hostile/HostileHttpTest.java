package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Hostile input on the client port of a two-node cluster: out-of-range and non-finite values,
 * names with control, format and invalid characters, malformed and oversized bodies and headers,
 * path and query-string tricks. Every case gets its exact 4xx and message, and neither node's
 * registry changes (revision, counts, digests over every instance, switches).
 * {@code BadInputTest} has the plain missing/illegal parameter cases; these go further.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileHttpTest {

  static final String NS = "/nacos/v1/ns";
  static final String I = NS + "/instance";
  static final String S = NS + "/service";
  static final String LONG_TIMEOUTS = "{\"preserved.heart.beat.timeout\":\"3600000\","
      + "\"preserved.ip.delete.timeout\":\"3600000\"}";

  static final String PORT = "Param 'port' is illegal, the value should be between 1 and 65535.";
  static final String WEIGHT = "Param 'weight' is illegal, the value should be a number from 0 to 10000.";
  static final String THRESHOLD = "Param 'protectThreshold' is illegal, the value should be a number from 0 to 1.";
  static final String IP = "Param 'ip' is illegal, it should be an IPv4 or IPv6 address or a host name.";
  static final String NAME_CHARS = "Param 'serviceName' is illegal, illegal characters should not appear in the param.";

  TestCluster cluster;
  String a;
  Api api;
  HttpClient raw;
  int port;

  @BeforeAll
  void start() {
    cluster = TestCluster.started(2, Map.of());
    a = cluster.address(0);
    api = cluster.api(a);
    port = api.port();
    raw = cluster.node(a).vertx().createHttpClient();
    for (int i = 1; i <= 4; i++) {
      assertEquals("ok", api.post(I, "serviceName", "seed", "ip", "10.1.0." + i, "port", "80",
          "metadata", LONG_TIMEOUTS).bodyAsString());
    }
    assertEquals("ok", api.post(S, "serviceName", "explicit", "groupName", "G", "namespaceId", "ns1")
        .bodyAsString());
    Poll.until(Duration.ofSeconds(10), "both nodes hold the seed", () -> {
      RegistryState s = RegistryState.of(cluster);
      var x = s.nodes().get(0);
      var y = s.nodes().get(1);
      return x.instances() == 4 && y.instances() == 4 && x.services() == y.services()
          && Arrays.equals(x.digests(), y.digests());
    });
  }

  @AfterAll
  void stop() {
    raw.close();
    cluster.close();
  }

  /** {@code "PUT form"} sends the parameters as a form body, else in the query string. */
  private HttpResponse<Buffer> send(String method, String path, String[] params) {
    return method.endsWith(" form") ? api.form(HttpMethod.valueOf(method.substring(0, method.length() - 5)), path, params)
        : api.call(HttpMethod.valueOf(method), path, params);
  }

  // ---- values, names and characters: v1 and the v2 mirror ----

  static Stream<Arguments> values() {
    String ns65 = "n".repeat(65);
    String g129 = "g".repeat(129);
    String c65 = "c".repeat(65);
    List<Arguments> l = new ArrayList<>();
    // ports
    for (String p : new String[] {"-1", "65536", "2147483648", "-2147483649", "99999999999999999999999", "8e1",
        "0x50", "NaN", "Infinity", " ", "80 80", "٨٠٠٠٠"}) {
      l.add(c("register port " + p, "POST", I, 400, PORT, "serviceName", "v", "ip", "10.2.0.1", "port", p));
    }
    l.add(c("deregister port 4294967376", "DELETE", I, 400, PORT, "serviceName", "seed", "ip", "10.1.0.1",
        "port", "4294967376"));
    l.add(c("update port -80", "PUT", I, 400, PORT, "serviceName", "seed", "ip", "10.1.0.1", "port", "-80"));
    l.add(c("detail port 1e5", "GET", I, 400, PORT, "serviceName", "seed", "ip", "10.1.0.1", "port", "1e5"));
    l.add(c("beat port 65536", "PUT", I + "/beat", 400, PORT, "serviceName", "seed", "ip", "10.1.0.1",
        "port", "65536"));
    // weights
    for (String w : new String[] {"Infinity", "-Infinity", "1e309", "-1e-300", "10000.0001", "0x1p99", "1,5", ""
        + "NaN"}) {
      l.add(c("register weight " + w, "POST", I, 400, WEIGHT, "serviceName", "v", "ip", "10.2.0.1", "port", "1",
          "weight", w));
    }
    l.add(c("update weight Infinity", "PUT", I, 400, WEIGHT, "serviceName", "seed", "ip", "10.1.0.1",
        "port", "80", "weight", "Infinity"));
    l.add(c("patch weight NaN", "PATCH", I, 400, WEIGHT, "serviceName", "seed", "ip", "10.1.0.1",
        "port", "80", "weight", "NaN"));
    // beat bodies with hostile numbers
    l.add(c("beat json port 1e10", "PUT", I + "/beat", 400, PORT, "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":1e10}"));
    l.add(c("beat json port 2^32+80", "PUT", I + "/beat", 400, PORT, "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":4294967376}"));
    l.add(c("beat json port -1", "PUT", I + "/beat", 400, PORT, "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":-1}"));
    l.add(c("beat json weight 1e999", "PUT", I + "/beat", 400, WEIGHT, "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":1,\"weight\":1e999}"));
    l.add(c("beat json weight -0.5", "PUT", I + "/beat", 400, WEIGHT, "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":1,\"weight\":-0.5}"));
    l.add(c("beat json nested 5000 deep (form body)", "PUT form", I + "/beat", 400, "Param 'beat' is illegal, it is not valid JSON:",
        "serviceName", "v", "beat", "[".repeat(5000) + "]".repeat(5000)));
    l.add(c("beat json NaN", "PUT", I + "/beat", 400, "Param 'beat' is illegal, it is not valid JSON:",
        "serviceName", "v", "beat", "{\"ip\":\"10.2.0.1\",\"port\":1,\"weight\":NaN}"));
    // timeouts in metadata
    for (String t : new String[] {"0", "-1", "1e3", "NaN", "99999999999999999999", "9223372036854775807"}) {
      l.add(c("metadata beat timeout " + t, "POST", I, 400,
          "Param 'metadata' is illegal, 'preserved.heart.beat.timeout' should be",
          "serviceName", "v", "ip", "10.2.0.1", "port", "1",
          "metadata", "{\"preserved.heart.beat.timeout\":\"" + t + "\"}"));
    }
    l.add(c("metadata delete timeout overflow", "POST", I, 400,
        "Param 'metadata' is illegal, 'preserved.ip.delete.timeout' should be",
        "serviceName", "v", "ip", "10.2.0.1", "port", "1", "metadata", "preserved.ip.delete.timeout=9223372036854775807"));
    l.add(c("metadata interval overflow", "POST", I, 400,
        "Param 'metadata' is illegal, 'preserved.heart.beat.interval' should be",
        "serviceName", "v", "ip", "10.2.0.1", "port", "1", "metadata", "preserved.heart.beat.interval=9223372036854775807"));
    // thresholds, pages, udp ports
    for (String t : new String[] {"NaN", "Infinity", "-0.01", "1.0000001", "1e39"}) {
      l.add(c("service threshold " + t, "POST", S, 400, THRESHOLD, "serviceName", "v", "protectThreshold", t));
    }
    l.add(c("service update threshold -Infinity", "PUT", S, 400, THRESHOLD, "serviceName", "explicit",
        "groupName", "G", "namespaceId", "ns1", "protectThreshold", "-Infinity"));
    for (String p : new String[] {"0", "-1", "2147483648", "1e2"}) {
      l.add(c("service list pageNo " + p, "GET", S + "/list", 400,
          "Param 'pageNo' is illegal, the value should be an integer from 1 to 2147483647.", "pageNo", p));
    }
    l.add(c("service list pageSize -5", "GET", S + "/list", 400,
        "Param 'pageSize' is illegal, the value should be an integer from 1 to ", "pageSize", "-5"));
    l.add(c("catalog pageNo huge", "GET", NS + "/catalog/services", 400,
        "Param 'pageNo' is illegal, the value should be an integer from 1 to 2147483647.", "pageNo",
        "9223372036854775808"));
    l.add(c("catalog pageSize 0", "GET", NS + "/catalog/services", 400,
        "Param 'pageSize' is illegal, the value should be an integer from 1 to 1000.", "pageSize", "0"));
    for (String u : new String[] {"-1", "65536", "1e3"}) {
      l.add(c("list udpPort " + u, "GET", I + "/list", 400,
          "Param 'udpPort' is illegal, the value should be an integer from 0 to 65535.", "serviceName", "seed",
          "udpPort", u));
    }
    l.add(c("switch interval overflow", "PUT", NS + "/operator/switches", 400,
        "illegal value for clientBeatInterval: 9223372036854775808", "entry", "clientBeatInterval",
        "value", "9223372036854775808"));
    l.add(c("switch interval NaN", "PUT", NS + "/operator/switches", 400,
        "illegal value for defaultCacheMillis: NaN", "entry", "defaultCacheMillis", "value", "NaN"));
    // name lengths on every kind of endpoint
    l.add(c("namespace 65", "POST", I, 400, "Param 'namespaceId' is illegal, the param length should not exceed 64.",
        "serviceName", "v", "namespaceId", ns65, "ip", "10.2.0.1", "port", "1"));
    l.add(c("namespace 65 on list", "GET", I + "/list", 400,
        "Param 'namespaceId' is illegal, the param length should not exceed 64.", "serviceName", "seed",
        "namespaceId", ns65));
    l.add(c("namespace 65 on service list", "GET", S + "/list", 400,
        "Param 'namespaceId' is illegal, the param length should not exceed 64.", "namespaceId", ns65));
    l.add(c("group 129", "POST", S, 400, "Param 'groupName' is illegal, the param length should not exceed 128.",
        "serviceName", "v", "groupName", g129));
    l.add(c("group 129 grouped name", "PUT", I + "/beat", 400,
        "Param 'groupName' is illegal, the param length should not exceed 128.", "serviceName", g129 + "@@v",
        "ip", "10.2.0.1", "port", "1"));
    l.add(c("group 129 on service list", "GET", S + "/list", 400,
        "Param 'groupName' is illegal, the param length should not exceed 128.", "groupName", g129));
    l.add(c("cluster 65", "POST", I, 400, "Param 'clusterName' is illegal, the param length should not exceed 64.",
        "serviceName", "v", "ip", "10.2.0.1", "port", "1", "clusterName", c65));
    l.add(c("beat json cluster 65", "PUT", I + "/beat", 400,
        "Param 'cluster' is illegal, the param length should not exceed 64.", "serviceName", "v",
        "beat", "{\"ip\":\"10.2.0.1\",\"port\":1,\"cluster\":\"" + c65 + "\"}"));
    l.add(c("65 clusters", "GET", I + "/list", 400, "Param 'clusters' is illegal, at most 64 clusters may be listed.",
        "serviceName", "seed", "clusters", clusters(65)));
    l.add(c("service name 4000 on detail", "GET", S, 400,
        "Param 'serviceName' is illegal, the param length should not exceed 512.", "serviceName", "x".repeat(4000)));
    l.add(c("ip hostname 254", "POST", I, 400, IP, "serviceName", "v", "ip", "a".repeat(63) + "." + "b".repeat(63)
        + "." + "c".repeat(63) + "." + "d".repeat(62), "port", "1"));
    l.add(c("ip label 64", "POST", I, 400, IP, "serviceName", "v", "ip", "x".repeat(64) + ".example", "port", "1"));
    for (String ip : new String[] {":::", "1:2", "::ffff:999.1.1.1", "1::2::3", "12345::1", "::1%", "",
        "10.0.0.1%eth0", "10.0.0.1:80", "[::1]", "-host", "host_name", "1.2.3.4.5", "0x7f.1.1.1", "a.b.999",
        "1:2:3:4:5:6:7:8:9"}) {
      if (!ip.isEmpty()) {
        l.add(c("ip " + ip, "POST", I, 400, IP, "serviceName", "v", "ip", ip, "port", "1"));
      }
    }
    // characters in names
    String[][] bad = {
        {"NUL", "a\u0000b"}, {"CR LF header injection", "a\r\nX-Evil: 1"}, {"tab", "a\tb"}, {"DEL", "a\u007fb"},
        {"C1 control", "a\u0085b"}, {"RTL override", "evil\u202Egnp.exe"}, {"RTL mark", "a\u200Fb"},
        {"zero-width space", "a\u200Bb"}, {"zero-width joiner", "a\u200Db"}, {"BOM", "\uFEFFa"},
        {"line separator", "a\u2028b"}, {"no-break space", "a\u00A0b"}, {"replacement char", "a\uFFFDb"},
        {"noncharacter", "a\uFFFFb"}, {"backslash", "a\\..\\b"},
        {"slash dotdot", "../../etc/passwd"}, {"hash", "a#b"}};
    for (String[] b : bad) {
      l.add(c("serviceName " + b[0], "POST", I, 400, NAME_CHARS, "serviceName", b[1], "ip", "10.2.0.1", "port", "1"));
    }
    l.add(c("serviceName NUL on list", "GET", I + "/list", 400, NAME_CHARS, "serviceName", "seed\u0000"));
    l.add(c("serviceName RTL on service create", "POST", S, 400, NAME_CHARS, "serviceName", "\u202Eseed"));
    l.add(c("serviceName CRLF on beat", "PUT", I + "/beat", 400, NAME_CHARS, "serviceName", "seed\r\n",
        "ip", "10.1.0.1", "port", "80"));
    l.add(c("serviceName NUL on deregister", "DELETE", I, 400, NAME_CHARS, "serviceName", "seed\u0000",
        "ip", "10.1.0.1", "port", "80"));
    l.add(c("groupName emoji", "POST", I, 400,
        "Param 'groupName' is illegal, illegal characters should not appear in the param.", "serviceName", "v",
        "groupName", "G\uD83D\uDE00", "ip", "10.2.0.1", "port", "1"));
    l.add(c("namespace Cyrillic", "POST", I, 400,
        "Param 'namespaceId' is illegal, illegal characters should not appear in the param.", "serviceName", "v",
        "namespaceId", "\u0440ublic", "ip", "10.2.0.1", "port", "1"));
    l.add(c("namespace NUL", "GET", S + "/list", 400,
        "Param 'namespaceId' is illegal, illegal characters should not appear in the param.", "namespaceId", "ns\u0000"));
    l.add(c("cluster CRLF", "POST", I, 400,
        "Param 'clusterName' is illegal, illegal characters should not appear in the param.", "serviceName", "v",
        "ip", "10.2.0.1", "port", "1", "clusterName", "A\r\nB"));
    l.add(c("metadata key NUL", "POST", I, 400, "Param 'metadata' is illegal, control characters are not allowed.",
        "serviceName", "v", "ip", "10.2.0.1", "port", "1", "metadata", "{\"a\\u0000\":\"b\"}"));
    l.add(c("metadata duplicate keys over the entry cap", "POST", I, 400,
        "Param 'metadata' is illegal, at most 64 entries are allowed.", "serviceName", "v", "ip", "10.2.0.1",
        "port", "1", "metadata", manyKeys(65)));
    return l.stream();
  }

  private static String clusters(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append('c').append(i);
    }
    return sb.toString();
  }

  private static String manyKeys(int n) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    return sb.append('}').toString();
  }

  private static Arguments c(String name, String method, String path, int status, String message, String... params) {
    return Arguments.of(name, method, path, status, message, params);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void hostileValue_rejectedWithMessage_andNothingChanges(String name, String method, String path, int status,
      String message, String[] params) {
    RegistryState before = RegistryState.of(cluster);
    HttpResponse<Buffer> r = send(method, path, params);
    assertEquals(status, r.statusCode(), name + ": " + r.bodyAsString());
    assertTrue(r.bodyAsString().startsWith(message), name + ": message was: " + r.bodyAsString());
    HttpResponse<Buffer> v2 = send(method, path.replace("/v1/", "/v2/"), params);
    if (!path.contains("/catalog/")) {
      assertEquals(status, v2.statusCode(), name + " (v2): " + v2.bodyAsString());
      JsonObject env = v2.bodyAsJsonObject();
      assertTrue(env.getString("data").startsWith(message), name + " (v2): " + v2.bodyAsString());
      assertTrue(env.getInteger("code") >= 10000, v2.bodyAsString());
    }
    before.assertUnchanged(cluster, name);
  }

  // ---- exact bytes: paths, encodings, framing, sizes ----

  static final String Q = "serviceName=raw&ip=10.3.0.1&port=80";

  static String req(String method, String target, String headers, String body) {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
        + (body == null ? "" : "Content-Length: " + body.length() + "\r\n") + "\r\n" + (body == null ? "" : body);
  }

  static String form(String method, String target, String headers, String body) {
    return req(method, target, "Content-Type: application/x-www-form-urlencoded\r\n" + headers, body);
  }

  static Arguments r(String name, String request, int status, String message) {
    return Arguments.of(name, request, status, message);
  }

  static Stream<Arguments> raws() {
    List<Arguments> l = new ArrayList<>();
    // paths: only the exact route reaches a handler
    for (String path : new String[] {I + "/", NS + "//instance", NS + "/./instance", NS + "/x/../instance",
        NS + "/x/%2e%2e/instance", NS + "/x/%2E%2E/instance", NS + "/%69nstance", NS + "%2Finstance",
        I + "%2F", I + ";jsessionid=1", I + "/.", I + "%00", I + "%20", NS + "/INSTANCE", I + "/beat/..",
        "/nacos/v1/ns/instance/..;/instance", "/nacos/v2/ns/../v1/ns/instance"}) {
      l.add(r("POST " + path, req("POST", path + "?" + Q, "", null), 501, "{\"timestamp\""));
    }
    l.add(r("POST //nacos", req("POST", "/" + I + "?" + Q, "", null), 404, "{\"timestamp\""));
    l.add(r("POST /NACOS", req("POST", I.toUpperCase(java.util.Locale.ROOT) + "?" + Q, "", null), 404,
        "{\"timestamp\""));
    l.add(r("unknown method", req("FOO", I + "?" + Q, "", null), 501, "{\"timestamp\""));
    // query-string tricks
    l.add(r("repeated port, first bad", req("POST", I + "?serviceName=raw&ip=10.3.0.1&port=abc&port=80", "", null),
        400, PORT));
    l.add(r("repeated serviceName, first empty", req("POST", I + "?serviceName=&serviceName=raw&ip=10.3.0.1&port=80",
        "", null), 400, "Param 'serviceName' is required."));
    l.add(r("empty parameter names", req("POST", I + "?=raw&=10.3.0.1&&&=80", "", null), 400,
        "Param 'serviceName' is required."));
    l.add(r("names without values", req("POST", I + "?serviceName&ip&port", "", null), 400,
        "Param 'serviceName' is required."));
    l.add(r("encoded '=' in a name", req("POST", I + "?serviceName%3Draw&ip=10.3.0.1&port=80", "", null), 400,
        "Param 'serviceName' is required."));
    l.add(r("query and form disagree: query wins", form("POST", I + "?serviceName=raw&ip=10.3.0.1&port=0", "",
        "port=80"), 400, PORT));
    l.add(r("semicolon is not a separator", req("POST", I + "?serviceName=raw&ip=10.3.0.1&port=80;port=1", "",
        null), 400, PORT));
    // encodings in the query
    l.add(r("invalid UTF-8 %C3%28", req("POST", I + "?serviceName=a%C3%28&ip=10.3.0.1&port=80", "", null), 400,
        NAME_CHARS));
    l.add(r("lone surrogate %ED%A0%80", req("POST", I + "?serviceName=a%ED%A0%80&ip=10.3.0.1&port=80", "", null),
        400, NAME_CHARS));
    l.add(r("overlong slash %C0%AF", req("POST", I + "?serviceName=a%C0%AF..%C0%AFb&ip=10.3.0.1&port=80", "", null),
        400, NAME_CHARS));
    l.add(r("lone %FF", req("POST", I + "?serviceName=%FF&ip=10.3.0.1&port=80", "", null), 400, NAME_CHARS));
    l.add(r("encoded NUL", req("POST", I + "?serviceName=a%00&ip=10.3.0.1&port=80", "", null), 400, NAME_CHARS));
    l.add(r("encoded CRLF", req("POST", I + "?serviceName=a%0D%0ASet-Cookie:x&ip=10.3.0.1&port=80", "", null), 400,
        NAME_CHARS));
    l.add(r("encoded slash", req("POST", I + "?serviceName=a%2Fb&ip=10.3.0.1&port=80", "", null), 400, NAME_CHARS));
    l.add(r("bad percent %zz", req("POST", I + "?serviceName=a%zz&ip=10.3.0.1&port=80", "", null), 400,
        "malformed query string: invalid percent-encoding."));
    l.add(r("truncated percent", req("POST", I + "?serviceName=raw&ip=10.3.0.1&port=80%", "", null), 400,
        "malformed query string: invalid percent-encoding."));
    for (String bytes : new String[] {"\u00c3\u00a9", "\u00c3\u0028", "\u00ff", "\u0000", "\u007f"}) {
      l.add(r("unencoded bytes " + Arrays.toString(bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
          req("POST", I + "?serviceName=a" + bytes + "&ip=10.3.0.1&port=80", "", null), 400,
          "malformed request target: bytes outside printable ASCII must be percent-encoded."));
    }
    // form bodies
    l.add(r("form: invalid UTF-8", form("POST", I, "", "serviceName=a%C3%28&ip=10.3.0.1&port=80"), 400, NAME_CHARS));
    l.add(r("form: bad percent", form("POST", I, "", "serviceName=a%zz&ip=10.3.0.1&port=80"), 400,
        "malformed form body: invalid encoding."));
    // the decoder's message quotes the client's bytes: a word in them must not turn a 400 into a 413
    l.add(r("form: bad percent after 'exceed'", form("POST", I, "", "serviceName=exceed%zz&ip=10.3.0.1&port=80"), 400,
        "malformed form body: invalid encoding."));
    l.add(r("form: bad percent after 'too long'", form("POST", I, "", "serviceName=too+long%zz&ip=10.3.0.1&port=80"),
        400, "malformed form body: invalid encoding."));
    l.add(r("form: JSON instead", form("POST", I, "", "{\"serviceName\":\"raw\",\"ip\":\"10.3.0.1\",\"port\":80}"),
        400, "Param 'serviceName' is required."));
    l.add(r("JSON content type", req("POST", I, "Content-Type: application/json\r\n",
        "{\"serviceName\":\"raw\",\"ip\":\"10.3.0.1\",\"port\":80}"), 400, "Param 'serviceName' is required."));
    l.add(r("multipart content type", req("POST", I, "Content-Type: multipart/form-data; boundary=X\r\n",
        "--X\r\nContent-Disposition: form-data; name=\"serviceName\"\r\n\r\nraw\r\n--X--\r\n"), 400,
        "Param 'serviceName' is required."));
    l.add(r("form: 300 fields", form("POST", I, "", "a=1&".repeat(300) + Q), 400,
        "malformed form body: too many fields (the limit is 256)."));
    // framing
    l.add(r("Content-Length negative", req("POST", I + "?" + Q, "Content-Length: -1\r\n", null), 400, ""));
    l.add(r("Content-Length not a number", req("POST", I + "?" + Q, "Content-Length: 1x\r\n", null), 400, ""));
    l.add(r("two Content-Lengths", req("POST", I + "?" + Q, "Content-Length: 3\r\nContent-Length: 5\r\n", null)
        + "abcde", 400, ""));
    l.add(r("chunked and Content-Length", form("POST", I, "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
        null) + "5\r\nport=\r\n0\r\n\r\n", 400, ""));
    l.add(r("bad chunk size", form("POST", I + "?" + Q, "Transfer-Encoding: chunked\r\n", null)
        + "zz\r\nport=80\r\n0\r\n\r\n", 400, ""));
    l.add(r("unknown transfer coding", form("POST", I + "?" + Q, "Transfer-Encoding: gzip\r\n", null), 400,
        "unsupported Transfer-Encoding: only chunked is accepted."));
    l.add(r("chunked, then gzip", form("POST", I + "?" + Q, "Transfer-Encoding: chunked, gzip\r\n", null), 400,
        "invalid request: 400"));
    l.add(r("header with NUL", req("POST", I + "?" + Q, "X-A: a\u0000b\r\n", null), 400, ""));
    l.add(r("header without colon", req("POST", I + "?" + Q, "NoColonHere\r\n", null), 400, ""));
    l.add(r("space before colon", req("POST", I + "?" + Q, "Content-Length : 0\r\n", null), 400, ""));
    l.add(r("garbage request line", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n", 400, ""));
    // sizes
    l.add(r("URI of 100 KB", req("GET", I + "/list?serviceName=" + "x".repeat(100_000), "", null), 414,
        "invalid request: 414"));
    l.add(r("URI of 9 KB path", req("GET", "/nacos/" + "a/".repeat(4_600), "", null), 414, "invalid request: 414"));
    l.add(r("one 64 KB header", req("GET", I + "/list?serviceName=seed", "Cookie: " + "c".repeat(65_536) + "\r\n", null),
        431, "invalid request: 431"));
    l.add(r("100 headers of 8 KB", req("GET", I + "/list?serviceName=seed", ("X-H: " + "h".repeat(8_000) + "\r\n")
        .repeat(100), null), 431, "invalid request: 431"));
    l.add(r("3,000 tiny headers", req("POST", I + "?" + Q, "X: y\r\n".repeat(3_000), null), 431,
        "invalid request: 431"));
    return l.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("raws")
  void hostileBytes_rejectedWithStatus_andNothingChanges(String name, String request, int status, String message) {
    RegistryState before = RegistryState.of(cluster);
    RawHttp.Response resp = RawHttp.exchange(port, request);
    assertEquals(status, resp.status(), name + ": " + resp.body());
    assertTrue(resp.body().startsWith(message), name + ": body was: " + resp.body());
    before.assertUnchanged(cluster, name);
    assertEquals(200, api.get("/health/live").statusCode(), name + ": the node still answers");
  }

  // ---- oversized bodies on every write route ----

  static Stream<Arguments> writeRoutes() {
    List<Arguments> l = new ArrayList<>();
    for (String v : new String[] {"v1", "v2"}) {
      String ns = "/nacos/" + v + "/ns";
      for (String[] m : new String[][] {{"POST", "/instance"}, {"PUT", "/instance"}, {"PATCH", "/instance"},
          {"DELETE", "/instance"}, {"PUT", "/instance/beat"}, {"POST", "/service"}, {"PUT", "/service"},
          {"DELETE", "/service"}, {"PUT", "/operator/switches"}}) {
        l.add(Arguments.of(m[0], ns + m[1]));
      }
    }
    return l.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("writeRoutes")
  void oversizedBody_413_onEveryWriteRoute_declaredAndChunked(String method, String path) {
    RegistryState before = RegistryState.of(cluster);
    String big = Q + "&metadata=" + "x".repeat(70_000);
    for (boolean chunked : new boolean[] {false, true}) {
      HttpClientResponse resp = Wait.on(raw.request(new RequestOptions().setMethod(HttpMethod.valueOf(method))
              .setHost("127.0.0.1").setPort(port).setURI(path))
          .compose(req -> {
            req.putHeader("Content-Type", "application/x-www-form-urlencoded");
            req.setChunked(chunked);
            return req.send(Buffer.buffer(big)).compose(rr -> rr.body().map(b -> {
              assertTrue(b.toString().contains("request body too large: the limit is 65536 bytes."), b.toString());
              return rr;
            }));
          }));
      assertEquals(413, resp.statusCode(), method + " " + path + (chunked ? " chunked" : ""));
    }
    before.assertUnchanged(cluster, method + " " + path);
  }

  // ---- legitimate unicode round-trips exactly ----

  @Test
  void emojiAndCjkServiceName_storedVerbatim_andListedBack() {
    String name = "\u8ba2\u5355-\uD83D\uDE80-svc";
    var owner = cluster.node(cluster.node(a).cluster().ownerOf("10.4.0.1", 80)).store();
    long revision = owner.revision();
    int instances = cluster.node(a).store().instanceCount();
    assertEquals("ok", api.post(I, "serviceName", name, "ip", "10.4.0.1", "port", "80", "metadata", LONG_TIMEOUTS)
        .bodyAsString());
    assertEquals(revision + 1, owner.revision(), "exactly one change on the owner");
    for (String n : cluster.running()) {
      Poll.until(Duration.ofSeconds(5), name + " on " + n, () -> cluster.api(n).list(name).getJsonArray("hosts").size() == 1);
      assertEquals("DEFAULT_GROUP@@" + name, cluster.api(n).list(name).getString("name"));
    }
    assertEquals("ok", api.delete(I, "serviceName", name, "ip", "10.4.0.1", "port", "80").bodyAsString());
    for (String n : cluster.running()) {
      Poll.until(Duration.ofSeconds(5), name + " gone on " + n,
          () -> cluster.node(n).store().instanceCount() == instances);
    }
  }
}

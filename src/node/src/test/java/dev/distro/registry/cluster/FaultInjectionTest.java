package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.PeerCalls;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --fault-injection=true}: {@code POST /distro/faults} on a node's peer port cuts, delays or
 * drops its outgoing peer traffic in a real in-JVM cluster, and {@code {}} heals; with the setting
 * off the route does not exist.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

  static final String I = "/nacos/v1/ns/instance";
  static final String KEEP = "{\"preserved.heart.beat.timeout\":\"3600000\",\"preserved.ip.delete.timeout\":\"3600000\"}";
  static final String NO_FAULTS = "{\"drop\":[],\"lossPercent\":0.0,\"delayMs\":0,\"jitterMs\":0}";

  Vertx vertx;
  PeerCalls peers;
  TestCluster cluster;
  String a;
  String b;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    peers = new PeerCalls(vertx);
  }

  @AfterEach
  void stop() {
    peers.close();
    if (cluster != null) {
      cluster.close();
    }
    Wait.on(vertx.close());
  }

  void startCluster(boolean faultInjection) {
    cluster = TestCluster.started(2, Map.of("fault-injection", String.valueOf(faultInjection)));
    a = cluster.address(0);
    b = cluster.address(1);
  }

  Node ctx(String node) {
    return cluster.node(node);
  }

  int peerPort(String node) {
    return ctx(node).config().peerPort;
  }

  HttpResponse<Buffer> postFaults(String node, String body) {
    return peers.post(peerPort(node), "/distro/faults", body);
  }

  String getFaults(String node) {
    HttpResponse<Buffer> r = peers.get(peerPort(node), "/distro/faults");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsString();
  }

  /** An address whose instances {@code owner} owns in {@code via}'s ring. */
  String ipOwnedBy(String via, String owner) {
    for (int i = 1; ; i++) {
      String ip = "10.40." + (i / 250) + "." + (i % 250 + 1);
      if (owner.equals(ctx(via).cluster().ownerOf(ip, 80))) {
        return ip;
      }
    }
  }

  boolean holds(String node, String service) {
    return ctx(node).store().instanceCount() > 0 && cluster.api(node).list(service).getJsonArray("hosts").size() == 1;
  }

  @Test
  void faults_dropTheOtherMember_registrationStaysOffIt_untilHealed() {
    startCluster(true);
    assertEquals(NO_FAULTS, getFaults(a), "off until a plan is posted");
    String cut = "{\"drop\":[\"127.0.0.1:" + b.substring(b.lastIndexOf(':') + 1) + "\"]}";
    HttpResponse<Buffer> r = postFaults(a, cut);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    String plan = "{\"drop\":[\"" + b + "\"],\"lossPercent\":0.0,\"delayMs\":0,\"jitterMs\":0}";
    assertEquals(plan, r.bodyAsString(), "answers the plan now in force");
    assertEquals(plan, getFaults(a));
    assertEquals(NO_FAULTS, getFaults(b), "one node's plan only");

    long failures = ctx(a).metrics().syncFailures.sum();
    String ip = ipOwnedBy(a, a);
    assertEquals("ok", cluster.api(a).post(I, "serviceName", "cut", "ip", ip, "port", "80", "metadata", KEEP)
        .bodyAsString());
    // either a tried to sync and the cut link failed it, or a already holds b DOWN (its queue waits)
    Poll.until(Duration.ofSeconds(10), "a's sync to b failed", () -> ctx(a).metrics().syncFailures.sum() > failures
        || ctx(a).cluster().members().stream().anyMatch(m -> m.address().equals(b) && m.state() == Member.State.DOWN));
    long verifies = ctx(b).metrics().verifyRounds.sum();
    Poll.until(Duration.ofSeconds(10), "b ran two verify rounds since", () -> ctx(b).metrics().verifyRounds.sum()
        >= verifies + 2);
    assertEquals(0, ctx(b).store().instanceCount(), "the link a -> b is cut: b never got the instance");
    assertTrue(holds(a, "cut"));

    r = postFaults(a, "{}");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(NO_FAULTS, r.bodyAsString());
    Poll.until(Duration.ofSeconds(15), "replicated to b once healed", () -> holds(b, "cut"));
  }

  @Test
  void faults_badBodies_400_planUnchanged() {
    startCluster(true);
    String plan = "{\"drop\":[\"10.0.0.9:8848\"],\"lossPercent\":0.5,\"delayMs\":10,\"jitterMs\":5}";
    assertEquals(plan, postFaults(a, plan).bodyAsString());
    StringBuilder many = new StringBuilder("{\"drop\":[");
    for (int i = 0; i <= 1_000; i++) {
      many.append(i == 0 ? "" : ",").append("\"10.1.").append(i / 250).append('.').append(i % 250).append(":1\"");
    }
    String[][] bad = {
        {"not json", "{\"error\":\"malformed JSON\"}"},
        {"[1]", "{\"error\":\"expected a JSON object\"}"},
        {"{\"lossPercent\":101}", "{\"error\":\"bad fault plan: lossPercent must be from 0 to 100\"}"},
        {"{\"lossPercent\":-0.1}", "{\"error\":\"bad fault plan: lossPercent must be from 0 to 100\"}"},
        {"{\"delayMs\":60001}", "{\"error\":\"bad fault plan: delayMs must be from 0 to 60000\"}"},
        {"{\"delayMs\":100,\"jitterMs\":101}",
            "{\"error\":\"bad fault plan: jitterMs (101) must not exceed delayMs (100)\"}"},
        {"{\"delayMs\":\"100\"}", "{\"error\":\"bad fault plan: delayMs must be an integer from 0 to 60000\"}"},
        {"{\"drop\":[\"a/b:1\"]}", "{\"error\":\"bad fault plan: bad member 'a/b:1' in drop\"}"},
        {"{\"drop\":[\"a\\\"b:x\"]}", "{\"error\":\"bad fault plan: bad port in member 'a\\\"b:x' in drop\"}"},
        {"{\"drop\":[\"" + "h".repeat(301) + "\"]}",
            "{\"error\":\"bad fault plan: a drop address is longer than 300 characters\"}"},
        {many + "]}", "{\"error\":\"bad fault plan: drop lists 1001 addresses (at most 1000)\"}"},
        {"{\"delay\":100}", "{\"error\":\"bad fault plan: unknown field 'delay' (expected drop, lossPercent, delayMs,"
            + " jitterMs)\"}"}};
    for (String[] c : bad) {
      HttpResponse<Buffer> r = postFaults(a, c[0]);
      String what = c[0].length() > 80 ? c[0].substring(0, 80) + "..." : c[0];
      assertEquals(400, r.statusCode(), what + ": " + r.bodyAsString());
      assertEquals(c[1], r.bodyAsString(), what);
      assertEquals(plan, getFaults(a), what + " left the plan unchanged");
    }
    assertEquals(NO_FAULTS, postFaults(a, "{}").bodyAsString());
    assertEquals(NO_FAULTS, getFaults(a));
  }

  @Test
  void faults_withFaultInjectionOff_answerAsAnUnknownPath() {
    startCluster(false);
    for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.POST}) {
      String body = m == HttpMethod.POST ? "{\"drop\":[\"" + b + "\"]}" : null;
      HttpResponse<Buffer> faults = peers.call(peerPort(a), m, "/distro/faults", body, TestCluster.SECRET);
      HttpResponse<Buffer> unknown = peers.call(peerPort(a), m, "/distro/faultz", body, TestCluster.SECRET);
      assertEquals(404, faults.statusCode());
      assertEquals(unknown.statusCode(), faults.statusCode());
      assertEquals("{\"error\":\"no such peer api: " + m.name() + " /distro/faults\"}", faults.bodyAsString());
      assertEquals(unknown.bodyAsString().replace("faultz", "faults"), faults.bodyAsString());
      HttpResponse<Buffer> noSecret = peers.call(peerPort(a), m, "/distro/faults", body, null);
      assertEquals(401, noSecret.statusCode());
    }
    assertEquals(null, ctx(a).runtimeFaults());
    assertTrue(ctx(a).cluster().reachable(b), "nothing was cut");
  }

  @Test
  void faults_withoutTheSecret_401_planUnchanged() {
    startCluster(true);
    HttpResponse<Buffer> r = peers.call(peerPort(a), HttpMethod.POST, "/distro/faults", "{\"delayMs\":100}", null);
    assertEquals(401, r.statusCode());
    assertEquals(401, peers.call(peerPort(a), HttpMethod.GET, "/distro/faults", null, null).statusCode());
    assertEquals(NO_FAULTS, getFaults(a));
  }

  @Test
  void faults_delay_forwardedWriteTakesAtLeastTheDelay() {
    startCluster(true);
    assertEquals(200, postFaults(a, "{\"delayMs\":300}").statusCode());
    String ip = ipOwnedBy(a, b);
    long forwards = ctx(a).metrics().forwards.sum();
    long failed = ctx(a).metrics().forwardFailures.sum();
    long t0 = System.nanoTime();
    assertEquals("ok", cluster.api(a).post(I, "serviceName", "slow", "ip", ip, "port", "80", "metadata", KEEP)
        .bodyAsString());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(forwards + 1, ctx(a).metrics().forwards.sum(), "forwarded to its owner");
    assertEquals(failed, ctx(a).metrics().forwardFailures.sum(), "the delayed forward still succeeded");
    assertTrue(ms >= 250, "a forward behind a 300 ms injected delay took " + ms + " ms");
    assertTrue(holds(b, "slow"), "applied on the owner");
  }
}

package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.distro.SyncCodec.Rejection;
import dev.distro.registry.model.Clock;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.FakeClock;
import dev.distro.registry.testing.PeerCalls;
import dev.distro.registry.testing.LogCapture;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A peer entry this node refuses is counted by reason in /metrics, logged (throttled) with how
 * far ahead a clock is, named in the answer, and counted and logged by the sender too. Before,
 * the answer only said {@code "rejected":n} and nothing else recorded it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PeerRejectionTest {

  static final String KEY = "\"ns\":\"public\",\"g\":\"DEFAULT_GROUP\",\"s\":\"svc\",\"c\":\"DEFAULT\"";
  static final long HOUR = 3_600_000;

  TestCluster cluster;
  Vertx vertx;
  final LogCapture capture = LogCapture.of(SyncReport.class);
  final List<LogRecord> logged = capture.records();

  @AfterEach
  void stop() {
    capture.close();
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  /** Each way an entry is refused, and the reason it is counted under. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "clock 2 h ahead   | {'o':'put',KEY,'ip':'10.0.0.1','p':80,'v':AHEAD}       | clock_ahead",
      "no version        | {'o':'put',KEY,'ip':'10.0.0.1','p':80}                 | bad_version",
      "version 0         | {'o':'del',KEY,'ip':'10.0.0.1','p':80,'v':0}           | bad_version",
      "port 70000        | {'o':'put',KEY,'ip':'10.0.0.1','p':70000,'v':NOW}      | bad_field",
      "no namespace      | {'o':'put','g':'G','s':'s','c':'C','ip':'1.1.1.1','p':1,'v':NOW} | bad_field",
      "weight as text    | {'o':'put',KEY,'ip':'10.0.0.1','p':80,'w':'x','v':NOW} | bad_field",
      "unknown op        | {'o':'zap',KEY,'ip':'10.0.0.1','p':80,'v':NOW}         | unknown_op",
  })
  void apply_countsEachRefusalByReason(String what, String entry, String reason) throws Exception {
    FakeClock clock = new FakeClock();
    RegistryStore store = new RegistryStore(clock);
    String json = entry.replace('\'', '"').replace("KEY", KEY)
        .replace("AHEAD", String.valueOf((clock.millis() + 2 * HOUR) << 16))
        .replace("NOW", String.valueOf(clock.millis() << 16));
    SyncCodec.Tally out = new SyncCodec.Tally();
    SyncCodec.apply(store, Json.parse(json.getBytes()), Reason.SYNC, out);
    assertEquals(1, out.rejected, what);
    assertEquals(1, out.rejected(Rejection.ofTag(reason)), what + ": counted as " + reason);
    assertNotNull(out.detail[Rejection.ofTag(reason).ordinal()]);
    assertEquals(reason.equals("clock_ahead") ? 2 * HOUR : 0, out.maxAheadMs, "how far ahead");
    assertEquals(0, store.instanceCount());
    JsonObject answer = new JsonObject(SyncReport.answer(out));
    assertEquals(1, answer.getJsonObject("reasons").getInteger(reason), answer.encode());
  }

  static double metric(String scrape, String name, String reason) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{reason=\"" + reason + "\",?\\} (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void clockAhead_isCountedLoggedAndAnsweredOnBothSides() {
    capture.start();
    cluster = new TestCluster(2, Map.of("max-clock-skew-ms", "0"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    // b's wall clock is two hours behind: every version a makes is two hours ahead of it
    cluster.clock(b, Clock.offset(Clock.SYSTEM, -2 * HOUR));
    cluster.startAll();
    cluster.awaitRing();
    String ip = PartitionRulesTest.ipOwned(new Rendezvous(cluster.addresses()), a,
        new Rendezvous(cluster.addresses()), a);
    assertEquals(200, cluster.api(a).post("/nacos/v1/ns/instance", "serviceName", "skew", "ip", ip, "port", "80")
        .statusCode());
    Poll.until(Duration.ofSeconds(10), "b refuses a's batch and says so in /metrics",
        () -> metric(cluster.api(b).get("/metrics").bodyAsString(), "distro_peer_entries_rejected_total",
            "clock_ahead") >= 1);
    Poll.until(Duration.ofSeconds(10), "a counts what b refused",
        () -> metric(cluster.api(a).get("/metrics").bodyAsString(), "distro_entries_rejected_by_peers_total",
            "clock_ahead") >= 1);
    assertEquals(0, metric(cluster.api(b).get("/metrics").bodyAsString(), "distro_peer_entries_rejected_total",
        "bad_field"), "the other reasons are there, at 0");
    assertEquals(0, cluster.node(b).store().instanceCount(), "nothing applied on b");
    Poll.until(Duration.ofSeconds(5), "both sides logged a warning", () ->
        logged.stream().anyMatch(r -> r.getLevel() == Level.WARNING && r.getMessage().startsWith(b + ": refused")
            && r.getMessage().contains("clock_ahead") && r.getMessage().contains("s ahead of this node's clock"))
        && logged.stream().anyMatch(r -> r.getLevel() == Level.WARNING && r.getMessage().startsWith(a + ": " + b
            + " refused") && r.getMessage().contains("clock_ahead=1") && r.getMessage().contains("ahead of its clock")));
    String line = logged.stream().filter(r -> r.getMessage().startsWith(b + ": refused")).findFirst()
        .orElseThrow().getMessage();
    Matcher s = Pattern.compile("up to (\\d+) s ahead").matcher(line);
    assertTrue(s.find(), line);
    long ahead = Long.parseLong(s.group(1));
    assertTrue(ahead >= 2 * 3600 - 60 && ahead <= 2 * 3600 + 60, "says how far ahead: " + line);

    // the answer itself, as the sender sees it; and the log is throttled: no second line this soon
    vertx = Vertx.vertx();
    long v = (System.currentTimeMillis() + HOUR / 2) << 16;
    String body = "{\"from\":\"" + a + "\",\"entries\":[{\"o\":\"put\"," + KEY + ",\"ip\":\"10.9.9.9\",\"p\":1,\"v\":"
        + v + "},{\"o\":\"put\"," + KEY + ",\"ip\":\"10.9.9.9\",\"p\":0,\"v\":1}]}";
    long linesBefore = logged.stream().filter(r -> r.getMessage().startsWith(b + ": refused")
        && r.getMessage().contains("clock_ahead")).count();
    try (PeerCalls peer = new PeerCalls(vertx)) {
      JsonObject answer = peer.json(peer.post(cluster.node(b).config().peerPort, "/distro/sync", body));
      assertEquals(2, answer.getInteger("rejected"), answer.encode());
      assertEquals(1, answer.getJsonObject("reasons").getInteger("clock_ahead"), answer.encode());
      assertEquals(1, answer.getJsonObject("reasons").getInteger("bad_field"), answer.encode());
      assertTrue(answer.getLong("maxAheadMs") > HOUR, answer.encode());
    }
    assertEquals(linesBefore, logged.stream().filter(r -> r.getMessage().startsWith(b + ": refused")
        && r.getMessage().contains("clock_ahead")).count(), "throttled: at most one line per interval and reason");
    assertTrue(metric(cluster.api(b).get("/metrics").bodyAsString(), "distro_peer_entries_rejected_total",
        "bad_field") >= 1, "but counted all the same");
  }
}

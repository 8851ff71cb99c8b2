package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Member.State;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.config.Switches;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.store.RegistryStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.ext.web.client.HttpResponse;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failure detector's rounds against a scripted transport (no socket, no timers): what each kind
 * of ping answer or failure makes of the member.
 */
class FailureDetectorTest {

  static final String SELF = "127.0.0.1:18848";
  static final String B = "127.0.0.1:18858";
  static final String C = "127.0.0.1:18868";

  /** Answers each member with what the test put in for it; records the URIs asked for. */
  static final class Scripted implements PeerTransport {
    final Map<String, Supplier<Future<PeerTransport.Response>>> answers = new ConcurrentHashMap<>();
    final List<String> sent = new CopyOnWriteArrayList<>();

    @Override
    public Future<PeerTransport.Response> send(String member, Request request) {
      sent.add(member + " " + request.uri());
      return answers.get(member).get();
    }

    @Override
    public void close() { }
  }

  static Supplier<Future<PeerTransport.Response>> answer(int status, String json) {
    return () -> Future.succeededFuture(new PeerTransport.Response(status, "application/json", Buffer.buffer(json)));
  }

  static Supplier<Future<PeerTransport.Response>> failing(Throwable t) {
    return () -> Future.failedFuture(t);
  }

  Cluster cluster;
  Scripted transport;
  FailureDetector detector;

  @BeforeEach
  void setUp() throws Exception {
    NodeConfig config = NodeConfig.of(Map.of("host", "127.0.0.1", "port", "18848", "members", SELF + "," + B + "," + C,
        "cluster-secret", "0123456789abcdef0123"));
    cluster = new Cluster(SELF);
    cluster.setMembers(List.of(SELF, B, C));
    transport = new Scripted();
    detector = new FailureDetector(new RegistryStore(Clock.SYSTEM), cluster, new NodeStatus(new Switches()),
        PrometheusMeters.create(), config.pingIntervalMs, new PeerClient(transport), () -> Future.succeededFuture());
  }

  State state(String member) {
    return cluster.members().stream().filter(m -> m.address().equals(member)).findFirst().orElseThrow().state();
  }

  void round() throws Exception {
    detector.pingAll().await(5, TimeUnit.SECONDS);
  }

  @Test
  void answeringPeer_up_refusingPeer_downAtOnce_pingCarriesSelfAndState() throws Exception {
    transport.answers.put(B, answer(200, "{\"state\":\"UP\"}"));
    transport.answers.put(C, answer(200, "{\"state\":\"UP\"}"));
    round();
    assertEquals(State.UP, state(B));
    assertEquals(State.UP, state(C));
    transport.sent.clear();
    transport.answers.put(C, failing(new ConnectException("Connection refused")));
    round();
    assertEquals(State.UP, state(B));
    assertEquals(State.DOWN, state(C), "refused: nothing listens there, no second chance");
    assertEquals(List.of(B), cluster.view().ring().members().stream().filter(m -> !m.equals(SELF)).toList());
    assertEquals(2, transport.sent.size(), "one ping per peer: " + transport.sent);
    for (String sent : transport.sent) {
      assertTrue(sent.matches("127\\.0\\.0\\.1:188[56]8 /distro/ping\\?from=127\\.0\\.0\\.1:18848&state=STARTING&t=\\d+"),
          sent);
    }
  }

  @Test
  void slowPeer_suspiciousFirst_downAfterThreeFailedRounds() throws Exception {
    transport.answers.put(B, answer(200, "{\"state\":\"UP\"}"));
    transport.answers.put(C, answer(200, "{\"state\":\"UP\"}"));
    round();
    transport.answers.put(B, failing(new NoStackTraceTimeoutException("Timeout 500 (ms) fired")));
    round();
    assertEquals(State.SUSPICIOUS, state(B), "one missed ping: still in the ring");
    assertTrue(cluster.view().ring().members().contains(B));
    for (int i = 1; i < Cluster.DOWN_AFTER_FAILED_PINGS; i++) {
      round();
    }
    assertEquals(State.DOWN, state(B));
    assertEquals(State.UP, state(C));
  }

  @Test
  void peerReportingItsOwnState_takesIt_non200IsAFailedPing() throws Exception {
    transport.answers.put(B, answer(200, "{\"state\":\"STARTING\"}"));
    transport.answers.put(C, answer(200, "{\"state\":\"DOWN\"}"));
    round();
    assertEquals(State.STARTING, state(B));
    assertEquals(State.DOWN, state(C), "a peer shutting down says so");
    transport.answers.put(B, answer(503, "{}"));
    round();
    assertEquals(State.DOWN, state(B), "a STARTING peer that fails a ping is DOWN");
  }
}

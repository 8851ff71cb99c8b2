package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.TestFaults;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.net.NoRouteToHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fault-injection decorator against a recording transport (no socket): a cut link fails as
 * unreachable and sends nothing, a delay sends late, anything else passes through untouched; and
 * {@link PeerClients} puts the decorator in front only when there is a plan.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultInjectingTransportTest {

  static final String SELF = "10.0.0.1:8848";
  static final String PEER = "10.0.0.2:8848";
  static final PeerTransport.Request PING = new PeerTransport.Request(true, HttpMethod.GET, "/distro/ping", null,
      500, null, null);

  /** Records what it is asked to send and answers with a failure naming the member (no socket). */
  static final class Recording implements PeerTransport {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final List<Long> sentAtNanos = new CopyOnWriteArrayList<>();
    boolean closed;

    @Override
    public Future<Response> send(String member, Request request) {
      sent.add(member + " " + request.uri());
      sentAtNanos.add(System.nanoTime());
      return Future.failedFuture("recorded " + member);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void cutLink_failsUnreachable_andSendsNothing(Vertx vertx) throws Exception {
    TestFaults plan = new TestFaults();
    plan.cut(SELF, PEER);
    Recording next = new Recording();
    PeerTransport t = new FaultInjectingTransport(next, plan, SELF, vertx);
    Throwable err = t.send(PEER, PING).transform(Future::succeededFuture).await(5, TimeUnit.SECONDS).cause();
    assertInstanceOf(NoRouteToHostException.class, err);
    assertEquals("fault plan: link " + SELF + " -> " + PEER + " cut", err.getMessage());
    assertEquals(List.of(), next.sent);
    // the other direction is a different link
    Throwable other = t.send("10.0.0.3:8848", PING).transform(Future::succeededFuture).await(5, TimeUnit.SECONDS)
        .cause();
    assertEquals("recorded 10.0.0.3:8848", other.getMessage());
  }

  @Test
  void delayedLink_sendsAfterTheDelay(Vertx vertx) throws Exception {
    TestFaults plan = new TestFaults();
    plan.delay(SELF, PEER, 200);
    Recording next = new Recording();
    PeerTransport t = new FaultInjectingTransport(next, plan, SELF, vertx);
    long t0 = System.nanoTime();
    Future<PeerTransport.Response> f = t.send(PEER, PING);
    assertEquals(List.of(), next.sent, "nothing sent before the delay");
    f.transform(Future::succeededFuture).await(5, TimeUnit.SECONDS);
    assertEquals(List.of(PEER + " /distro/ping"), next.sent);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(next.sentAtNanos.get(0) - t0);
    assertTrue(waitedMs >= 200, "sent after " + waitedMs + " ms");
  }

  @Test
  void noFault_passesThrough_andCloseReachesTheTransport(Vertx vertx) {
    Recording next = new Recording();
    PeerTransport t = new FaultInjectingTransport(next, new TestFaults(), SELF, vertx);
    t.send(PEER, PING);
    assertEquals(List.of(PEER + " /distro/ping"), next.sent, "sent at once, on the caller's thread");
    t.close();
    assertTrue(next.closed);
  }

  @Test
  void peerClients_decorateOnlyWithAPlan(Vertx vertx) throws Exception {
    NodeConfig config = NodeConfig.of(Map.of("host", "127.0.0.1", "port", "18848", "members", SELF + "," + PEER,
        "cluster-secret", "0123456789abcdef0123"));
    PeerClient none = new PeerClients(config, SELF, FaultPlan.NONE).create(vertx);
    PeerClient nullPlan = new PeerClients(config, SELF, null).create(vertx);
    PeerClient planned = new PeerClients(config, SELF, new TestFaults()).create(vertx);
    try {
      assertInstanceOf(HttpPeerTransport.class, none.transport());
      assertInstanceOf(HttpPeerTransport.class, nullPlan.transport());
      assertInstanceOf(FaultInjectingTransport.class, planned.transport());
    } finally {
      none.close();
      nullPlan.close();
      planned.close();
    }
    TestFaults plan = new TestFaults();
    plan.cut(SELF, PEER);
    assertTrue(new PeerClients(config, SELF, plan).cut(PEER));
    assertEquals(false, new PeerClients(config, SELF, plan).cut("10.0.0.3:8848"));
    assertEquals(false, new PeerClients(config, SELF, FaultPlan.NONE).cut(PEER));
  }

  @Test
  void runtimePlan_installedWithFaultInjection(Vertx vertx) throws Exception {
    Node withoutFlag = TestNodes.standalone(vertx, Map.of());
    Node withFlag = TestNodes.standalone(vertx, Map.of("fault-injection", "true"));
    try {
      assertSame(null, withoutFlag.runtimeFaults());
      assertEquals(false, withoutFlag.peerClients().cut(PEER));
      withFlag.runtimeFaults().replace(new RuntimeFaultPlan.Rules(Set.of(PEER), 0, 0, 0));
      assertTrue(withFlag.peerClients().cut(PEER), "the runtime plan reaches the peer clients");
    } finally {
      Wait.on(withoutFlag.stop());
      Wait.on(withFlag.stop());
    }
  }
}

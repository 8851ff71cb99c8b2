package dev.distro.registry.distro;

import static dev.distro.registry.distro.HandlerFixture.PEER;
import static dev.distro.registry.distro.HandlerFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Immediate replication of a deregistration against a scripted sender (no socket): what it sends,
 * to whom, and when the deregistration may be acknowledged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImmediateReplicationTest {

  final HandlerFixture f;
  final List<String> sentTo = new CopyOnWriteArrayList<>();
  final List<String> bodies = new CopyOnWriteArrayList<>();

  ImmediateReplicationTest() throws Exception {
    f = new HandlerFixture();
  }

  @AfterEach
  void close() {
    f.close();
  }

  ChangeEvent deregistration() {
    Instance i = f.ownedBy(PEER, 0, f.store.versions().next());
    f.store.register(i);
    return f.store.deregister(i.service(), i.localId(), Reason.DEREGISTER);
  }

  ImmediateReplication with(Future<Integer> answer) {
    return new ImmediateReplicationImpl(f.vertx, f.cluster, f.store, f.config.forwardTimeoutMs, (member, body, timeoutMs) -> {
      sentTo.add(member);
      bodies.add(body.toString());
      return answer;
    });
  }

  @Test
  void acknowledgedPeer_completesAtOnce_withTheDeleteInASyncBody() {
    ChangeEvent e = deregistration();
    Future<Void> done = with(Future.succeededFuture(200)).replicate(e);
    assertTrue(done.succeeded());
    assertEquals(List.of(PEER), sentTo);
    var body = json(bodies.get(0));
    assertEquals(f.cluster.self(), body.path("from").asText());
    assertEquals("del", body.path("entries").get(0).path("o").asText());
  }

  @Test
  void failedPeer_completesWithoutFailing() {
    Future<Void> done = with(Future.failedFuture("refused")).replicate(deregistration());
    assertTrue(done.succeeded());
  }

  @Test
  void silentPeer_completesAfterHalfTheForwardTimeout() {
    long wait = ImmediateReplicationImpl.waitMs(f.config.forwardTimeoutMs);
    long t0 = System.nanoTime();
    Future<Void> done = with(Promise.<Integer>promise().future()).replicate(deregistration());
    assertFalse(done.isComplete());
    Wait.on(done, 20);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(tookMs >= wait, "completed after " + tookMs + " ms, before the " + wait + " ms wait");
  }

  @Test
  void noUpPeer_nothingSent() {
    ChangeEvent e = deregistration();
    f.cluster.pingResult(PEER, false, null, true); // connection refused: DOWN at once
    assertTrue(with(Future.succeededFuture(200)).replicate(e).succeeded());
    assertEquals(List.of(), sentTo);
  }

  @Test
  void waitIsHalfTheForwardTimeout() {
    assertEquals(1_000, ImmediateReplicationImpl.waitMs(2_000));
    assertEquals(1, ImmediateReplicationImpl.waitMs(1));
  }
}

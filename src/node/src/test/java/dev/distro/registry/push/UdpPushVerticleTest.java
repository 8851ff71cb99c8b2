package dev.distro.registry.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.Switches;
import dev.distro.registry.model.Clock;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * UDP push against hand-made receivers: ack, retry once, give up; gzip from 1 KiB; one encoding per
 * change; a target that never acks is dropped; the target count stays exact under concurrent
 * subscribe and expiry.
 */
@ExtendWith(VertxExtension.class)
class UdpPushVerticleTest {

  static String decode(Buffer b) throws Exception {
    byte[] bytes = b.getBytes();
    if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
      return new String(new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes(), StandardCharsets.UTF_8);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void push_ack_retry_failure_andGzip(Vertx vertx) throws Exception {
    RegistryStore store = new RegistryStore(Clock.SYSTEM);
    Counters metrics = new Counters();
    UdpPushVerticle push = new UdpPushVerticle(store, new Switches(), metrics, "127.0.0.1");
    store.addListener(push);
    Wait.on(vertx.deployVerticle(push));
    List<JsonObject> acked = new CopyOnWriteArrayList<>();
    DatagramSocket acking = vertx.createDatagramSocket();
    acking.handler(p -> {
      try {
        JsonObject packet = new JsonObject(decode(p.data()));
        acked.add(packet);
        acking.send("{\"type\": \"push-ack\", \"lastRefTime\":\"" + packet.getLong("lastRefTime") + "\", \"data\":\"\"}",
            p.sender().port(), p.sender().host());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Wait.on(acking.listen(0, "127.0.0.1"));
    List<Buffer> silent = new CopyOnWriteArrayList<>();
    DatagramSocket mute = vertx.createDatagramSocket();
    mute.handler(p -> silent.add(p.data()));
    Wait.on(mute.listen(0, "127.0.0.1"));

    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "p");
    push.subscribe(svc, "127.0.0.1", acking.localAddress().port(), "");
    push.subscribe(svc, "127.0.0.1", mute.localAddress().port(), "");
    push.subscribe(svc, "not-an-ip.example", 9999, "");
    assertEquals(2, push.targets(), "host names are refused: no DNS, no reflection to names");

    store.register(new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1, true, true, true, Map.of(), 0));
    Poll.until(Duration.ofSeconds(5), "acked", () -> metrics.udpPushAcked.sum() == 1);
    JsonObject first = acked.get(0);
    assertEquals("dom", first.getString("type"));
    JsonObject info = new JsonObject(first.getString("data"));
    assertEquals("DEFAULT_GROUP@@p", info.getString("name"));
    assertEquals(1, info.getJsonArray("hosts").size());
    Poll.until(Duration.ofSeconds(5), "the mute target got the push twice, then it failed",
        () -> silent.size() == 2 && metrics.udpPushFailed.sum() == 1);
    assertFalse(decode(silent.get(0)).isEmpty());

    Map<String, String> big = Map.of("pad", "x".repeat(2_000));
    store.register(new Instance(svc, "DEFAULT", "10.0.0.2", 80, 1, true, true, true, big, 0));
    Poll.until(Duration.ofSeconds(5), "second push acked", () -> metrics.udpPushAcked.sum() == 2);
    Poll.until(Duration.ofSeconds(5), "the mute target got the big push", () -> silent.size() >= 3);
    byte[] raw = silent.get(2).getBytes();
    assertTrue((raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b, "gzipped from 1 KiB");
    assertTrue(decode(silent.get(2)).contains("10.0.0.2"));
  }

  private static DatagramSocket acker(Vertx vertx, List<Buffer> received) {
    DatagramSocket socket = vertx.createDatagramSocket();
    socket.handler(p -> {
      try {
        received.add(p.data());
        long ref = new JsonObject(decode(p.data())).getLong("lastRefTime");
        socket.send("{\"type\": \"push-ack\", \"lastRefTime\":\"" + ref + "\", \"data\":\"\"}",
            p.sender().port(), p.sender().host());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Wait.on(socket.listen(0, "127.0.0.1"));
    return socket;
  }

  @Test
  void oneChange_fiveTargets_encodedOnce_sameDatagramToEach(Vertx vertx) throws Exception {
    RegistryStore store = new RegistryStore(Clock.SYSTEM);
    Counters metrics = new Counters();
    UdpPushVerticle push = new UdpPushVerticle(store, new Switches(), metrics, "127.0.0.1");
    store.addListener(push);
    Wait.on(vertx.deployVerticle(push));
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "once");
    List<List<Buffer>> received = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Buffer> got = new CopyOnWriteArrayList<>();
      received.add(got);
      push.subscribe(svc, "127.0.0.1", acker(vertx, got).localAddress().port(), "");
    }
    Map<String, String> big = Map.of("pad", "x".repeat(2_000));
    store.register(new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1, true, true, true, big, 0));
    Poll.until(Duration.ofSeconds(5), "all five acked", () -> metrics.udpPushAcked.sum() == 5);
    assertEquals(1, push.encodings(), "the service's state is encoded (and gzipped) once for all its targets");
    byte[] first = received.get(0).get(0).getBytes();
    for (List<Buffer> got : received) {
      assertEquals(1, got.size());
      assertTrue(Arrays.equals(first, got.get(0).getBytes()), "every target gets the same datagram");
    }
    assertEquals(5, metrics.udpPushSent.sum());
  }

  @Test
  void targetThatNeverAcks_isDroppedAfterThreeUnackedPushes(Vertx vertx) throws Exception {
    RegistryStore store = new RegistryStore(Clock.SYSTEM);
    Counters metrics = new Counters();
    UdpPushVerticle push = new UdpPushVerticle(store, new Switches(), metrics, "127.0.0.1");
    store.addListener(push);
    Wait.on(vertx.deployVerticle(push));
    List<Buffer> acked = new CopyOnWriteArrayList<>();
    DatagramSocket acking = acker(vertx, acked);
    List<Buffer> silent = new CopyOnWriteArrayList<>();
    DatagramSocket mute = vertx.createDatagramSocket();
    mute.handler(p -> silent.add(p.data()));
    Wait.on(mute.listen(0, "127.0.0.1"));
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "deaf");
    push.subscribe(svc, "127.0.0.1", acking.localAddress().port(), "");
    push.subscribe(svc, "127.0.0.1", mute.localAddress().port(), "");

    for (int i = 1; i <= UdpPushVerticle.MAX_UNACKED; i++) {
      store.register(new Instance(svc, "DEFAULT", "10.0.0." + i, 80, 1, true, true, true, Map.of(), 0));
      int n = i;
      Poll.until(Duration.ofSeconds(5), "push " + i + " acked", () -> metrics.udpPushAcked.sum() == n);
    }
    Poll.until(Duration.ofSeconds(10), "the mute target dropped after " + UdpPushVerticle.MAX_UNACKED
        + " unacknowledged pushes", () -> push.targets() == 1 && metrics.udpPushTargetsDropped.sum() == 1);
    assertEquals(2 * UdpPushVerticle.MAX_UNACKED, silent.size(), "each unacknowledged push was sent twice");
    assertEquals(UdpPushVerticle.MAX_UNACKED, metrics.udpPushFailed.sum());

    long sent = metrics.udpPushSent.sum();
    store.register(new Instance(svc, "DEFAULT", "10.0.0.9", 80, 1, true, true, true, Map.of(), 0));
    Poll.until(Duration.ofSeconds(5), "the acking target still gets pushes",
        () -> metrics.udpPushAcked.sum() == UdpPushVerticle.MAX_UNACKED + 1);
    assertEquals(sent + 1, metrics.udpPushSent.sum(), "nothing more goes to the dropped target");
  }

  @Test
  void subscribe_racingExpiry_keepsTheTargetCountExact() throws Exception {
    UdpPushVerticle push = new UdpPushVerticle(new RegistryStore(Clock.SYSTEM), new Switches(), new Counters(),
        "127.0.0.1");
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "race");
    AtomicBoolean done = new AtomicBoolean();
    Thread expirer = new Thread(() -> {
      while (!done.get()) {
        push.expire(Long.MAX_VALUE);
      }
    });
    expirer.start();
    List<Thread> subscribers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int base = t * 20_000;
      Thread s = new Thread(() -> {
        for (int i = 1; i <= 20_000; i++) {
          push.subscribe(svc, "127.0.0.1", base + i, "");
        }
      });
      subscribers.add(s);
      s.start();
    }
    for (Thread s : subscribers) {
      s.join();
    }
    done.set(true);
    expirer.join();
    push.expire(Long.MAX_VALUE);
    assertEquals(0, push.targets(), "every target expired, so none may still be counted against the cap");
  }

  @Test
  void targetExpiredBeforeTheRetry_getsNoRetry(Vertx vertx) throws Exception {
    RegistryStore store = new RegistryStore(Clock.SYSTEM);
    Counters metrics = new Counters();
    UdpPushVerticle push = new UdpPushVerticle(store, new Switches(), metrics, "127.0.0.1");
    store.addListener(push);
    Wait.on(vertx.deployVerticle(push));
    List<Buffer> silent = new CopyOnWriteArrayList<>();
    DatagramSocket mute = vertx.createDatagramSocket();
    mute.handler(p -> silent.add(p.data()));
    Wait.on(mute.listen(0, "127.0.0.1"));
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "gone");
    push.subscribe(svc, "127.0.0.1", mute.localAddress().port(), "");
    store.register(new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1, true, true, true, Map.of(), 0));
    Poll.until(Duration.ofSeconds(5), "the first push arrived", () -> silent.size() == 1);
    push.expire(Long.MAX_VALUE);
    assertEquals(0, push.targets());
    Poll.holdsFor(Duration.ofMillis(3 * UdpPushVerticle.ACK_TIMEOUT_MS),
        Poll.rounds("push rounds at their ack timeout", 1, push::roundsTimedOut),
        () -> silent.size() > 1 ? "the retry went to a target that had expired" : null);
    assertEquals(0, metrics.udpPushFailed.sum(), "no failure counted for a target that is gone");
  }
}

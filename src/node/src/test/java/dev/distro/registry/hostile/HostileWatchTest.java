package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import dev.distro.registry.testing.WatchClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile frames on the watch WebSocket: binary frames, messages split over continuation frames
 * (small ones are accepted, even with a character split between frames; oversized ones close the
 * connection). Each case: the exact answer or close code, the connection's fate, and the registry
 * unchanged on both nodes.
 */
class HostileWatchTest {

  private TestCluster cluster;
  private Vertx vertx;
  private int port;

  @BeforeEach
  void start() {
    cluster = TestCluster.started(2, Map.of());
    vertx = Vertx.vertx();
    port = cluster.node(cluster.address(0)).config().port;
  }

  @AfterEach
  void stop() {
    Wait.on(vertx.close());
    cluster.close();
  }

  private void assertAlive(WatchClient c) {
    int pongs = c.ofType("pong").size();
    c.send("{\"op\":\"ping\"}");
    Poll.until(Duration.ofSeconds(5), "a pong", () -> c.ofType("pong").size() > pongs);
    assertFalse(c.ws.isClosed());
  }

  @Test
  void binaryFrame_getsAnErrorFrame_andTheConnectionSurvives() {
    RegistryState before = RegistryState.of(cluster);
    try (WatchClient c = new WatchClient(vertx, port)) {
      Wait.on(c.ws.writeBinaryMessage(Buffer.buffer("{\"op\":\"subscribe\",\"id\":\"x\"}")));
      var err = c.await(Duration.ofSeconds(5), "an error frame", f -> "error".equals(f.getString("type")));
      assertEquals("bad_frame", err.getString("code"));
      assertAlive(c);
    }
    before.assertUnchanged(cluster, "binary frame");
  }

  @Test
  void messageSplitOverContinuationFrames_isAccepted() {
    try (WatchClient c = new WatchClient(vertx, port)) {
      Wait.on(c.ws.writeFrame(WebSocketFrame.textFrame("{\"op\":\"subscribe\",", false)));
      Wait.on(c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"id\":\"split\"}"), true)));
      c.await(Duration.ofSeconds(5), "the snapshot of the split subscribe",
          f -> "snapshot".equals(f.getString("type")) && "split".equals(f.getString("id")));
      assertAlive(c);
    }
  }

  @Test
  void multiByteCharacterSplitAcrossFrames_isAccepted() {
    try (WatchClient c = new WatchClient(vertx, port)) {
      Wait.on(c.ws.writeFrame(WebSocketFrame.textFrame("{\"op\":\"subscribe\",\"id\":\"", false)));
      Wait.on(c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xC3}), false)));
      Wait.on(c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xA9, '"', '}'}),
          true)));
      c.await(Duration.ofSeconds(5), "the snapshot for id \u00e9",
          f -> "snapshot".equals(f.getString("type")) && "\u00e9".equals(f.getString("id")));
      assertAlive(c);
    }
  }

  @Test
  void invalidUtf8InATextMessage_closesWith1007_andChangesNothing() {
    RegistryState before = RegistryState.of(cluster);
    try (WatchClient c = new WatchClient(vertx, port)) {
      // a lone continuation byte, then an overlong encoding of '/', across two frames
      Wait.on(c.ws.writeFrame(WebSocketFrame.textFrame("{\"op\":\"subscribe\",\"id\":\"", false)));
      Wait.on(c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0x80, (byte) 0xC0,
          (byte) 0xAF, '"', '}'}), true)));
      Poll.until(Duration.ofSeconds(5), "the connection closed", () -> c.closeCode != null);
      assertEquals(1007, (int) c.closeCode);
      assertTrue(c.ofType("snapshot").isEmpty(), "nothing was subscribed");
    }
    before.assertUnchanged(cluster, "invalid UTF-8");
    assertEquals(200, cluster.api(cluster.address(0)).get("/health/live").statusCode());
  }

  @Test
  void oversizedMessageInSmallFrames_closesWith1009() {
    RegistryState before = RegistryState.of(cluster);
    try (WatchClient c = new WatchClient(vertx, port)) {
      Wait.on(c.ws.writeFrame(WebSocketFrame.textFrame("{\"op\":\"ping\",\"pad\":\"", false)));
      for (int i = 0; i < 4; i++) {
        // 4 x 20 KiB: each frame is within the frame limit, the message is not
        c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("x".repeat(20 * 1024)), false));
      }
      c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"}"), true));
      Poll.until(Duration.ofSeconds(5), "the connection closed", () -> c.closeCode != null);
      assertEquals(1009, (int) c.closeCode);
    }
    before.assertUnchanged(cluster, "oversized fragmented message");
    assertEquals(200, cluster.api(cluster.address(0)).get("/health/live").statusCode());
  }
}

package dev.distro.registry.watch;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * The sending side of one watch connection: writes its frames to the socket and counts the bytes
 * of each until its write completes, against the connection's bound ({@code maxQueuedBytes}) and
 * the node-wide budget ({@link WatchHub#reserve}); says whether there is room for subscription
 * frames; keeps the keepalive ping and the slow-consumer deadlines; closes, and cuts a connection
 * whose close frame cannot go out. Touched only on the connection's event loop.
 */
final class FrameWriter {

  static final short CLOSE_GOING_AWAY = 1001;
  /** How long a closing connection may take to deliver its close frame before its TCP connection is cut. */
  static final long ABORT_AFTER_MS = 2_000;
  /** Bytes one drain pass queues per session, before yielding the event loop. */
  static final int DRAIN_BYTES = 256 * 1024;

  private final WatchHub hub;
  private final WatchLoop loop;
  private final ServerWebSocket ws;
  /** Bytes written to the socket whose write has not completed yet. */
  private long queued;
  /** When a write last completed, or when the queue was last empty. */
  private long lastProgress = System.currentTimeMillis();
  /** Bytes queued in the current drain pass. */
  private long passBytes;
  /** A send was refused for lack of room: wake the loop when room comes back. */
  private boolean blocked;
  private long fullSince;
  private long lastPing = System.currentTimeMillis();
  private boolean closing;
  private boolean dead;

  FrameWriter(WatchHub hub, WatchLoop loop, ServerWebSocket ws) {
    this.hub = hub;
    this.loop = loop;
    this.ws = ws;
  }

  void start() {
    ws.setWriteQueueMaxSize(hub.limits.maxQueuedBytes());
    ws.drainHandler(v -> loop.wake());
  }

  /** The connection is gone: its queued bytes go back to the budget; writes completing later count for nothing. */
  void release() {
    dead = true;
    hub.release(queued);
    queued = 0;
  }

  /** Bytes of this connection's frames not yet written to its socket. */
  long queued() {
    return queued;
  }

  /** A close has begun (ours, or a goaway): nothing more is sent or read. */
  boolean closing() {
    return closing;
  }

  /** Neither closing nor closed: replies may still go out. */
  boolean open() {
    return !closing && !ws.isClosed();
  }

  /** A new drain pass (or tick) begins: its byte allowance starts again. */
  void newPass() {
    passBytes = 0;
  }

  /** This pass has queued its allowance of bytes: the rest waits for the next pass. */
  boolean passSpent() {
    return passBytes >= DRAIN_BYTES;
  }

  /** Whether this connection's own queue is at its bound. */
  private boolean full() {
    return queued >= hub.limits.maxQueuedBytes() || ws.writeQueueFull();
  }

  /** Whether subscription frames may be queued now. */
  boolean room() {
    if (closing || queued >= hub.limits.maxQueuedBytes() || passBytes >= DRAIN_BYTES || ws.writeQueueFull()) {
      return false;
    }
    if (queued >= hub.share() && hub.underPressure()) {
      // over half the budget: no connection grows past its share, so the rest stays for the others
      hub.starved();
      return false;
    }
    return true;
  }

  /**
   * Queues one frame if the node-wide budget allows, and counts it until its write completes.
   *
   * @param control a reply to the client, which the budget does not refuse
   * @return false when refused (the caller keeps it for later)
   */
  boolean write(String frame, boolean control) {
    if (ws.isClosed() || closing) {
      return false;
    }
    long n = Frames.utf8Length(frame);
    if (!hub.reserve(n, control)) {
      hub.starved();
      return false;
    }
    if (queued == 0) {
      lastProgress = System.currentTimeMillis();
    }
    queued += n;
    passBytes += n;
    ws.writeTextMessage(frame).onComplete(ar -> {
      if (dead) {
        return;
      }
      queued -= n;
      hub.release(n);
      lastProgress = System.currentTimeMillis();
      if (blocked && queued <= hub.limits.maxQueuedBytes() / 2) {
        blocked = false;
        loop.wake();
      }
    });
    if (queued >= hub.limits.maxQueuedBytes()) {
      blocked = true;
    }
    return true;
  }

  /**
   * The slow-consumer deadlines, checked once a second: a queue full for the slow-close time, or,
   * while the node is over half its budget, a queue holding its share with no write completed for
   * {@code pressureCloseMs}.
   *
   * @return why the connection must be closed, or null
   */
  String tooSlow(long now) {
    if (!full()) {
      fullSince = 0;
    } else if (fullSince == 0) {
      fullSince = now;
    }
    if (fullSince != 0 && now - fullSince > hub.limits.slowCloseMs()) {
      return "consumer too slow: its queue stayed full for " + hub.limits.slowCloseMs() / 1000 + " s";
    }
    if (hub.underPressure() && queued >= hub.share() && now - lastProgress >= hub.limits.pressureCloseMs()) {
      return "consumer too slow: not reading while the node's watch budget is nearly used";
    }
    return null;
  }

  /** The keepalive ping, when one is due and there is room. */
  void pingIfDue(long now) {
    if (now - lastPing >= hub.limits.pingMs() && room()) {
      lastPing = now;
      ws.writePing(Buffer.buffer("k"));
    }
  }

  /**
   * Closes with a code and a reason. The close frame goes out behind the frames already queued; a
   * client that does not read would never get it, and Vert.x starts its closing timeout only once the
   * frame is written, so a connection still open {@link #ABORT_AFTER_MS} later is cut at the TCP level
   * (freeing its queue) and {@code whenCut} runs (Vert.x does not call the close handler of a socket
   * cut while its close frame is pending).
   *
   * @return false when the connection was closing or closed already
   */
  boolean close(short code, String reason, Runnable whenCut) {
    if (!open()) {
      return false;
    }
    closing = true;
    ws.close(code, reason);
    loop.after(ABORT_AFTER_MS, () -> {
      if (!dead) {
        abort(ws);
        whenCut.run();
      }
    });
    return true;
  }

  /** Tells the client to go elsewhere (a goaway frame, then close 1001); used on shutdown. */
  void goAway() {
    if (closing) {
      return;
    }
    closing = true;
    ws.writeTextMessage(Frames.goAway());
    ws.close(CLOSE_GOING_AWAY, "node shutting down");
  }

  /**
   * Cuts the TCP connection under a WebSocket (Vert.x has no public call for it). The socket handed
   * to the server's WebSocket handler is the handshake (a future of the socket), so look through it.
   */
  private static void abort(ServerWebSocket ws) {
    Object impl = ws instanceof io.vertx.core.Future<?> f && f.succeeded() ? f.result() : ws;
    if (impl instanceof WebSocketInternal internal) {
      internal.channelHandlerContext().channel().close();
    } else {
      throw new IllegalStateException("cannot cut a WebSocket of " + ws.getClass().getName());
    }
  }
}

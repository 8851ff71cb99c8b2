package dev.distro.registry.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A test client of the watch WebSocket: records every frame; waits with deadlines. */
public final class WatchClient implements AutoCloseable {

  public final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  private final WebSocketClient client;
  public final WebSocket ws;
  public volatile Short closeCode;

  public WatchClient(Vertx vertx, int port) {
    this(vertx, new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/nacos/v1/ns/watch"));
  }

  /** With any connect options: another URI (query parameters), headers, TLS. */
  public WatchClient(Vertx vertx, WebSocketConnectOptions options) {
    client = vertx.createWebSocketClient();
    // Handlers are set on the event loop as the connection completes, before any frame is read.
    ws = Wait.on(client.connect(options).map(w -> {
          w.textMessageHandler(t -> frames.add(new JsonObject(t)));
          w.closeHandler(v -> closeCode = w.closeStatusCode());
          return w;
        }));
  }

  public void send(String json) {
    Wait.on(ws.writeTextMessage(json));
  }

  public void send(JsonObject json) {
    send(json.encode());
  }

  /** The first frame (from {@code from} on) matching, waiting up to {@code within}. */
  public JsonObject await(Duration within, String what, Predicate<JsonObject> p) {
    JsonObject[] found = new JsonObject[1];
    Poll.until(within, what, () -> {
      for (JsonObject f : frames) {
        if (p.test(f)) {
          found[0] = f;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  public List<JsonObject> ofType(String type) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject f : frames) {
      if (type.equals(f.getString("type"))) {
        out.add(f);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      Wait.on(ws.close());
    }
    Wait.on(client.close());
  }
}

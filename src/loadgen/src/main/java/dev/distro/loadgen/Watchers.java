package dev.distro.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A watcher population for the load generator: connections spread round-robin over the nodes, each
 * subscribed to everything, reading every frame (so the nodes pay the full cost of fan-out) and
 * counting the events.
 */
final class Watchers {

  private final WebSocketClient client;
  private final List<WebSocket> sockets;
  private final AtomicLong events;

  private Watchers(WebSocketClient client, List<WebSocket> sockets, AtomicLong events) {
    this.client = client;
    this.sockets = sockets;
    this.events = events;
  }

  static Watchers open(Vertx vertx, List<String> nodes, int count) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("opening watchers waits for the connections: not on an event loop");
    }
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(16 << 20));
    AtomicLong events = new AtomicLong();
    List<Future<WebSocket>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String node = nodes.get(i % nodes.size());
      int colon = node.lastIndexOf(':');
      all.add(client.connect(new WebSocketConnectOptions().setHost(node.substring(0, colon))
          .setPort(Integer.parseInt(node.substring(colon + 1))).setURI("/nacos/v1/ns/watch")).andThen(ar -> {
            if (ar.succeeded()) {
              ar.result().textMessageHandler(frame -> {
                if (frame.startsWith("{\"type\":\"event\"")) {
                  events.incrementAndGet();
                }
              });
              ar.result().writeTextMessage("{\"op\":\"subscribe\",\"id\":\"all\"}");
            }
          }));
    }
    try {
      Future.all(all).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.close();
      throw new IllegalStateException("opening " + count + " watch connections failed: " + e.getMessage(), e);
    }
    List<WebSocket> sockets = new ArrayList<>();
    all.forEach(f -> sockets.add(f.result()));
    return new Watchers(client, sockets, events);
  }

  /** Closes every connection; returns the events received in all. */
  long close() {
    sockets.forEach(WebSocket::close);
    client.close();
    return events.get();
  }
}

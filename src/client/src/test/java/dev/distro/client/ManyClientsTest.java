package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.client.Nodes.Poll;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand clients (a WebSocket each, on one shared Vert.x instance) watching one node all reach
 * the node's state, before and after further writes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ManyClientsTest {

  static final int CLIENTS = 1000;

  Nodes node;
  Vertx vertx;
  final List<WatchClient> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (WatchClient c : clients) {
      closing.add(c.closeAsync());
    }
    CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    if (vertx != null) {
      Nodes.await(vertx.close());
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void thousandClientsOnOneNode_allReachTheSameState() throws Exception {
    node = Nodes.standalone(Map.of());
    for (int i = 1; i <= 20; i++) {
      node.register(0, "many-" + (i % 4), "10.6.0." + i, 80, 1);
    }
    vertx = Vertx.vertx();
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      WatchClient c = WatchClient.create(vertx, TestClients.options(node.addresses()).setIdleTimeoutMs(30_000)
          .setPingIntervalMs(10_000));
      clients.add(c);
      ready.add(c.subscribe(WatchFilter.all()).ready());
      c.start();
    }
    CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (int i = 21; i <= 30; i++) {
      node.register(0, "many-" + (i % 4), "10.6.0." + i, 80, 2);
    }
    node.deregister(0, "many-1", "10.6.0.1", 80);
    List<List<String>> expected = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      expected.add(node.list(0, "many-" + s));
    }
    Poll.until(Duration.ofSeconds(30), "every client holds the node's lists", () -> {
      for (WatchClient c : clients) {
        for (int s = 0; s < 4; s++) {
          if (!Nodes.cached(c, "many-" + s).equals(expected.get(s))) {
            return false;
          }
        }
      }
      return true;
    });
    int total = 0;
    for (List<String> l : expected) {
      total += l.size();
    }
    assertEquals(29, total);
    for (WatchClient c : clients) {
      assertEquals(WatchStatus.State.LIVE, c.status().state());
    }
  }
}

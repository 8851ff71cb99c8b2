package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.client.Nodes.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fake node that sends what a node should not: text that is not JSON, frames of unknown types,
 * unknown ids, then a known frame with a field missing. The client skips the first kinds and keeps
 * its cache; on the broken known frame it reconnects and subscribes afresh (no resume, since its
 * cache may have missed that frame), and ends with the state of the next snapshot.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BadFramesTest {

  static final String I1 = "{\"namespace\":\"public\",\"group\":\"DEFAULT_GROUP\",\"service\":\"bad\",\"cluster\":\"DEFAULT\","
      + "\"ip\":\"10.0.0.1\",\"port\":80,\"weight\":1.0,\"healthy\":true,\"enabled\":true,\"metadata\":{},\"version\":1}";
  static final String I2 = I1.replace("10.0.0.1", "10.0.0.2");

  Vertx vertx;
  HttpServer server;
  WatchClient client;
  final AtomicInteger connections = new AtomicInteger();
  final List<String> subscribes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = Nodes.await(vertx.createHttpServer()
        .requestHandler(req -> req.response().setStatusCode(200).end("OK"))
        .webSocketHandler(this::serve)
        .listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    Nodes.await(vertx.close());
  }

  private void serve(ServerWebSocket ws) {
    int n = connections.incrementAndGet();
    // the same epoch every time, as one node would: only the client's judgement stops a resume
    ws.writeTextMessage("{\"type\":\"hello\",\"epoch\":\"e1\",\"revision\":5}");
    ws.textMessageHandler(text -> {
      subscribes.add(text);
      String id = text.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
      if (n == 1) {
        ws.writeTextMessage("{\"type\":\"snapshot\",\"id\":\"" + id + "\",\"epoch\":\"e1\",\"revision\":5,\"instances\":["
            + I1 + "],\"last\":true}");
        ws.writeTextMessage("this is not json");
        ws.writeTextMessage("[1,2,3]");
        ws.writeTextMessage("{\"type\":\"surprise\",\"id\":\"" + id + "\"}");
        ws.writeTextMessage("{\"type\":\"event\",\"id\":\"nobody\",\"revision\":6,\"kind\":\"deleted\",\"instance\":" + I1 + "}");
        ws.writeTextMessage("{\"type\":\"event\",\"id\":\"" + id + "\",\"revision\":7,\"kind\":\"added\",\"instance\":" + I2 + "}");
        // a known frame with its instance's port missing: the cache cannot trust what follows
        ws.writeTextMessage("{\"type\":\"event\",\"id\":\"" + id + "\",\"revision\":8,\"kind\":\"added\",\"instance\":"
            + I2.replace("\"port\":80,", "") + "}");
      } else {
        ws.writeTextMessage("{\"type\":\"snapshot\",\"id\":\"" + id + "\",\"epoch\":\"e1\",\"revision\":9,\"instances\":["
            + I2 + "],\"last\":true}");
      }
    });
  }

  @Test
  void junkIsSkipped_aBrokenKnownFrameLeadsToAFreshSnapshot() throws Exception {
    client = WatchClient.create(TestClients.options(List.of("127.0.0.1:" + server.actualPort()))
        .setDeliveryExecutor(Runnable::run)).start();
    TestClients.Recorder recorder = new TestClients.Recorder(client);
    client.subscribe(WatchFilter.all()).ready().get(10, TimeUnit.SECONDS);
    Poll.until(Duration.ofSeconds(10), "reconnected after the broken frame and took the new snapshot",
        () -> connections.get() == 2 && client.status().state() == WatchStatus.State.LIVE
            && client.instances(ServiceKey.of("bad")).size() == 1
            && client.instances(ServiceKey.of("bad")).get(0).ip().equals("10.0.0.2"));
    assertEquals(2, subscribes.size());
    assertTrue(!subscribes.get(1).contains("resume"), "no resume after a broken frame: " + subscribes.get(1));
    // the skipped junk changed nothing: 10.0.0.1 came, 10.0.0.2 was added by the good event, then the
    // fresh snapshot dropped 10.0.0.1
    assertEquals(List.of("0->1", "1->2", "2->1"), recorder.changes().stream()
        .map(c -> c.before().size() + "->" + c.after().size()).toList());
  }
}

package dev.distro.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Heartbeat TTL over real HTTP and real time, with short per-instance timeouts from metadata. */
@ExtendWith(VertxExtension.class)
class TtlTest {

  static final String META = "{\"preserved.heart.beat.timeout\":\"400\",\"preserved.ip.delete.timeout\":\"900\"}";

  Node node;
  Api api;
  final List<ChangeEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    node = TestNodes.standalone(vertx, Map.of());
    node.store().addListener(events::add);
    api = new Api(vertx, node.config().port);
  }

  @AfterEach
  void stop() {
    api.close();
    Wait.on(node.stop());
  }

  JsonArray hosts(String service) {
    return api.list(service).getJsonArray("hosts");
  }

  @Test
  void noBeats_unhealthyThenRemoved_withReasons() {
    api.post("/nacos/v1/ns/instance", "serviceName", "ttl", "ip", "10.0.0.1", "port", "1", "metadata", META);
    JsonArray first = hosts("ttl");
    assertEquals(400, first.getJsonObject(0).getLong("instanceHeartBeatTimeOut"));
    assertEquals(900, first.getJsonObject(0).getLong("ipDeleteTimeout"));
    Poll.until(Duration.ofSeconds(5), "marked unhealthy",
        () -> hosts("ttl").size() == 1 && !hosts("ttl").getJsonObject(0).getBoolean("healthy"));
    Poll.until(Duration.ofSeconds(5), "removed", () -> hosts("ttl").isEmpty());
    assertEquals(List.of(ChangeEvent.Reason.REGISTER, ChangeEvent.Reason.UNHEALTHY, ChangeEvent.Reason.EXPIRED),
        events.stream().map(ChangeEvent::reason).toList());
    assertTrue(events.get(0).revision() < events.get(1).revision());
    assertTrue(events.get(1).revision() < events.get(2).revision());
  }

  @Test
  void beatOnUnhealthy_makesItHealthy_andRestartsTheLease() {
    api.post("/nacos/v1/ns/instance", "serviceName", "revive", "ip", "10.0.0.1", "port", "1", "metadata",
        "{\"preserved.heart.beat.timeout\":\"300\",\"preserved.ip.delete.timeout\":\"5000\"}");
    Poll.until(Duration.ofSeconds(5), "marked unhealthy", () -> !hosts("revive").getJsonObject(0).getBoolean("healthy"));
    api.put("/nacos/v1/ns/instance/beat", "serviceName", "revive", "ip", "10.0.0.1", "port", "1");
    assertTrue(hosts("revive").getJsonObject(0).getBoolean("healthy"));
    Poll.until(Duration.ofSeconds(5), "unhealthy again once beats stop",
        () -> !hosts("revive").getJsonObject(0).getBoolean("healthy"));
  }
}

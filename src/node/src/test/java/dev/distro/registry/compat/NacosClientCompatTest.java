package dev.distro.registry.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.alibaba.nacos.api.naming.pojo.ListView;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Nacos 1.4.x Java client ({@code com.alibaba.nacos:nacos-client}) against a node, with
 * nothing changed but the server address.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NacosClientCompatTest {


  Vertx vertx;
  Node node;
  Api api;
  NamingService naming;

  @BeforeAll
  void start(@TempDir Path cacheDir) throws Exception {
    System.setProperty("JM.SNAPSHOT.PATH", cacheDir.toString());
    System.setProperty("com.alibaba.nacos.naming.cache.dir", cacheDir.resolve("naming").toString());
    System.setProperty("JM.LOG.PATH", cacheDir.resolve("logs").toString());
    vertx = Vertx.vertx();
    node = TestNodes.standalone(vertx, Map.of());
    api = new Api(vertx, node.config().port);
    Properties p = new Properties();
    p.setProperty("serverAddr", "127.0.0.1:" + node.config().port);
    p.setProperty("namingLoadCacheAtStart", "false");
    naming = NamingFactory.createNamingService(p);
  }

  @AfterAll
  void stop() throws Exception {
    naming.shutDown();
    api.close();
    Wait.on(vertx.close());
  }

  static Instance instance(String ip, int port, String cluster, Map<String, String> meta) {
    Instance i = new Instance();
    i.setIp(ip);
    i.setPort(port);
    i.setClusterName(cluster);
    i.setWeight(2.0);
    i.setMetadata(new java.util.HashMap<>(meta));
    return i;
  }

  @Test
  void register_query_select_deregister() throws Exception {
    naming.registerInstance("orders", "SHOP", instance("10.1.0.1", 8080, "east", Map.of("version", "1.2")));
    naming.registerInstance("orders", "SHOP", instance("10.1.0.2", 8080, "west", Map.of()));

    List<Instance> all = naming.getAllInstances("orders", "SHOP", false);
    assertEquals(2, all.size());
    Instance east = all.stream().filter(i -> i.getIp().equals("10.1.0.1")).findFirst().orElseThrow();
    assertEquals("east", east.getClusterName());
    assertEquals("1.2", east.getMetadata().get("version"));
    assertEquals(2.0, east.getWeight());
    assertEquals("SHOP@@orders", east.getServiceName());

    assertEquals(1, naming.getAllInstances("orders", "SHOP", List.of("west"), false).size());
    assertEquals(2, naming.selectInstances("orders", "SHOP", true, false).size());
    Instance one = naming.selectOneHealthyInstance("orders", "SHOP", false);
    assertNotNull(one);
    assertTrue(one.isHealthy());

    ListView<String> services = naming.getServicesOfServer(1, 10, "SHOP");
    assertEquals(1, services.getCount());
    assertEquals(List.of("orders"), services.getData());
    assertEquals("UP", naming.getServerStatus());

    naming.deregisterInstance("orders", "SHOP", "10.1.0.1", 8080, "east");
    List<Instance> left = naming.getAllInstances("orders", "SHOP", false);
    assertEquals(1, left.size());
    assertEquals("10.1.0.2", left.get(0).getIp());
  }

  @Test
  void clientHeartbeats_keepInstanceAlivePastItsTimeout() throws Exception {
    naming.registerInstance("beating", instance("10.2.0.1", 9000, "DEFAULT", Map.of(
        "preserved.heart.beat.interval", "300", "preserved.heart.beat.timeout", "1000",
        "preserved.ip.delete.timeout", "2000")));
    long before = node.metrics().beats.sum();
    Poll.until(Duration.ofSeconds(5), "beats reach the node", () -> node.metrics().beats.sum() >= before + 2);
    // 3 s is past the 1 s beat timeout and the 2 s delete timeout, and the lease sweeps (every 50 ms)
    // that would mark or drop the instance must have run
    Poll.Rounds sweeps = Poll.rounds("lease sweeps", 30, node.metrics().healthSweeps::sum);
    Poll.holdsFor(Duration.ofMillis(3_000), sweeps, () -> {
      var hosts = api.list("beating").getJsonArray("hosts");
      if (hosts.size() != 1 || !hosts.getJsonObject(0).getBoolean("healthy")) {
        return "instance lost or unhealthy while its client beats: " + hosts;
      }
      return null;
    });
    assertTrue(node.metrics().beats.sum() >= before + 8, "beats every 300 ms");
  }

  @Test
  void expiredInstance_isReRegisteredByTheClientsBeat() throws Exception {
    naming.registerInstance("rereg", instance("10.3.0.1", 9000, "DEFAULT", Map.of(
        "preserved.heart.beat.interval", "300")));
    Poll.until(Duration.ofSeconds(5), "registered", () -> api.list("rereg").getJsonArray("hosts").size() == 1);
    api.delete("/nacos/v1/ns/instance", "serviceName", "rereg", "ip", "10.3.0.1", "port", "9000");
    Poll.until(Duration.ofSeconds(5), "the client's next beat registers it again",
        () -> api.list("rereg").getJsonArray("hosts").size() == 1);
  }

  @Test
  void subscribe_seesChanges() throws Exception {
    api.put("/nacos/v1/ns/operator/switches", "entry", "defaultCacheMillis", "value", "1000");
    List<List<Instance>> seen = new CopyOnWriteArrayList<>();
    naming.subscribe("watched", event -> seen.add(((NamingEvent) event).getInstances()));
    api.post("/nacos/v1/ns/instance", "serviceName", "watched", "ip", "10.4.0.1", "port", "1");
    Poll.until(Duration.ofSeconds(10), "the listener sees the registration",
        () -> seen.stream().anyMatch(l -> l.size() == 1 && l.get(0).getIp().equals("10.4.0.1")));
    api.post("/nacos/v1/ns/instance", "serviceName", "watched", "ip", "10.4.0.2", "port", "1");
    Poll.until(Duration.ofSeconds(10), "the listener sees the second instance",
        () -> seen.stream().anyMatch(l -> l.size() == 2));
  }
}

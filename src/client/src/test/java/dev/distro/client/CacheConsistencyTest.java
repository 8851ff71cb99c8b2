package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.client.Nodes.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random registrations, re-registrations with another weight, and deregistrations through every
 * node of a three-node cluster: the client's cache (connected to one node) ends equal to every
 * node's list of every service, field for field.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CacheConsistencyTest {

  static Nodes cluster;
  static WatchClient client;

  @BeforeAll
  static void start() {
    cluster = Nodes.cluster(3, Map.of());
    client = WatchClient.create(TestClients.options(cluster.addresses())).start();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void cacheEqualsEveryNodesLists_afterRandomWritesThroughEveryNode() throws Exception {
    client.subscribe(WatchFilter.namespace("public")).ready().get(20, TimeUnit.SECONDS);
    Random random = new Random(17);
    List<String> services = List.of("cc-a", "cc-b", "cc-c", "cc-d", "cc-e");
    int writes = 0;
    for (int i = 0; i < 300; i++) {
      int node = random.nextInt(3);
      String service = services.get(random.nextInt(services.size()));
      String ip = "10.7.0." + (1 + random.nextInt(12));
      if (random.nextInt(4) == 0) {
        cluster.deregister(node, service, ip, 8080);
      } else {
        cluster.register(node, service, ip, 8080, 1 + random.nextInt(3));
      }
      writes++;
    }
    assertEquals(300, writes);
    for (String s : services) {
      Poll.until(Duration.ofSeconds(20), "the nodes and the cache agree on " + s, () -> {
        List<String> first = cluster.list(0, s);
        return first.equals(cluster.list(1, s)) && first.equals(cluster.list(2, s))
            && first.equals(Nodes.cached(client, s));
      });
    }
    int instances = 0;
    for (String s : services) {
      List<String> cached = Nodes.cached(client, s);
      for (int n = 0; n < 3; n++) {
        assertEquals(cluster.list(n, s), cached, s + " on " + cluster.address(n));
      }
      instances += cached.size();
    }
    assertTrue(instances > 10, "the writes left instances to compare: " + instances);
    assertTrue(client.status().connected(), client.status().toString());
  }
}

package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.client.Nodes.Poll;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Flow subscriber that does not request while a thousand changes happen holds at most one
 * pending change per service; when it requests, it gets exactly one change per service, from the
 * state when it subscribed to the latest state, which is the node's list.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowSubscriberTest {

  static Nodes node;
  static WatchClient client;

  @BeforeAll
  static void start() {
    node = Nodes.standalone(Map.of());
    client = WatchClient.create(TestClients.options(node.addresses())).start();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void subscriberThatDoesNotRequest_pendingBoundedPerService_thenGetsTheLatestStatePerService() throws Exception {
    client.subscribe(WatchFilter.all()).ready().get(20, TimeUnit.SECONDS);
    List<String> services = List.of("slow-a", "slow-b", "slow-c", "slow-d", "slow-e");
    // one service that exists before the subscriber comes: its "before" is that state
    node.register(0, "slow-a", "10.3.0.1", 80, 1);
    Poll.until(Duration.ofSeconds(10), "slow-a cached", () -> Nodes.cached(client, "slow-a").size() == 1);
    List<Instance> slowABefore = client.instances(ServiceKey.of("slow-a"));

    TestClients.Lazy lazy = new TestClients.Lazy();
    client.changes().subscribe(lazy);
    Poll.until(Duration.ofSeconds(5), "subscribed", () -> lazy.subscription != null);
    long publishedBefore = client.changesPublished();
    int maxPending = 0;
    for (int round = 0; round < 20; round++) {
      for (int k = 0; k < services.size(); k++) {
        String s = services.get(k);
        for (int i = 1; i <= 10; i++) {
          node.register(0, s, "10.3." + k + "." + i, 80, 1 + (round + i) % 3);
        }
      }
      maxPending = Math.max(maxPending, (int) client.pendingChanges());
    }
    Poll.until(Duration.ofSeconds(10), "every write reached the cache", () -> {
      for (String s : services) {
        if (!Nodes.cached(client, s).equals(node.list(0, s))) {
          return false;
        }
      }
      return true;
    });
    long published = client.changesPublished() - publishedBefore;
    assertTrue(published >= 900, "many changes happened meanwhile: " + published);
    maxPending = Math.max(maxPending, (int) client.pendingChanges());
    assertTrue(maxPending <= services.size(), "pending changes stay at one per service: " + maxPending);
    assertEquals(services.size(), client.pendingChanges());
    assertEquals(List.of(), lazy.received, "nothing delivered without demand");

    lazy.subscription.request(Long.MAX_VALUE);
    Poll.until(Duration.ofSeconds(10), "the merged changes delivered", () -> lazy.received.size() == services.size());
    Map<String, ServiceChange> byService = new HashMap<>();
    for (ServiceChange c : List.copyOf(lazy.received)) {
      assertEquals(null, byService.put(c.service().name(), c), "one change per service");
    }
    for (String s : services) {
      ServiceChange c = byService.get(s);
      assertEquals(s.equals("slow-a") ? slowABefore : List.of(), c.before(), s + ": the state when it subscribed");
      assertEquals(client.instances(ServiceKey.of(s)), c.after(), s + ": the latest state");
      assertEquals(node.list(0, s), Nodes.cached(client, s), s);
    }
    assertEquals(0, client.pendingChanges());
  }
}

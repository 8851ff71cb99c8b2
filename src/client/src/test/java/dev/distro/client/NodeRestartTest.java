package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.distro.client.Nodes.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node the client watches restarts (a new epoch: the client cannot resume there and takes a
 * fresh snapshot, which the node loaded from its peer). What changed while it was down (one
 * instance added, one removed, one with a new weight) reaches the application as exactly those
 * three differences; nothing else is reported. Changes are recorded as the client makes them (a
 * direct delivery executor), so that no merging in a lagging delivery could hide a delete/add pair.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NodeRestartTest {

  Nodes cluster;
  WatchClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void restartedNode_newEpoch_onlyTheDifferenceIsEmitted() throws Exception {
    cluster = Nodes.cluster(2, Map.of());
    client = WatchClient.create(TestClients.options(List.of(cluster.address(0))).setDeliveryExecutor(Runnable::run))
        .start();
    TestClients.Recorder recorder = new TestClients.Recorder(client);
    client.subscribe(WatchFilter.namespace("public")).ready().get(20, TimeUnit.SECONDS);
    List<String> services = List.of("nr-a", "nr-b", "nr-c", "nr-d");
    for (String s : services) {
      for (int i = 1; i <= 6; i++) {
        cluster.register(i % 2, s, "10.8.0." + i, 9000, 1);
      }
    }
    for (String s : services) {
      Poll.until(Duration.ofSeconds(20), "the client holds " + s,
          () -> Nodes.cached(client, s).size() == 6 && Nodes.cached(client, s).equals(cluster.list(0, s)));
    }
    String epoch = client.status().epoch();
    assertNotNull(epoch);
    recorder.clear();

    cluster.kill(0);
    Poll.until(Duration.ofSeconds(10), "the client noticed", () -> !client.status().connected());
    cluster.register(1, "nr-a", "10.8.0.100", 9000, 1);
    cluster.deregister(1, "nr-b", "10.8.0.1", 9000);
    cluster.register(1, "nr-c", "10.8.0.1", 9000, 3);
    cluster.start(0);

    Poll.until(Duration.ofSeconds(30), "the client is back on the restarted node with its new epoch",
        () -> client.status().state() == WatchStatus.State.LIVE && !epoch.equals(client.status().epoch()));
    for (String s : services) {
      Poll.until(Duration.ofSeconds(10), "the cache equals the restarted node's " + s,
          () -> Nodes.cached(client, s).equals(cluster.list(0, s)));
      assertEquals(cluster.list(0, s), Nodes.cached(client, s));
    }
    assertNotEquals(epoch, client.status().epoch());

    Map<String, String> seen = new TreeMap<>();
    for (ServiceChange c : recorder.changes()) {
      seen.merge(c.service().name(), describe(c), (x, y) -> x + " ; " + y);
    }
    assertEquals(Map.of(
        "nr-a", "+[10.8.0.100:9000] -[] ~[]",
        "nr-b", "+[] -[10.8.0.1:9000] ~[]",
        "nr-c", "+[] -[] ~[10.8.0.1:9000 w3.0]"), seen, "only the changes made while the node was down");
  }

  static String describe(ServiceChange c) {
    return "+" + c.added().stream().map(Instance::address).toList()
        + " -" + c.removed().stream().map(Instance::address).toList()
        + " ~" + c.modified().stream().map(i -> i.address() + " w" + i.weight()).toList();
  }
}

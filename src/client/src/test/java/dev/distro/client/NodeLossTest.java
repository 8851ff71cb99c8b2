package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.client.Nodes.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node the client watches is killed (its Vert.x instance closed, no shutdown sequence) while
 * writes go on through the others: the client moves to a survivor, ends equal to the survivors'
 * lists, and reports nothing for the services that did not change (no delete/add storm from the
 * new node's snapshot). Changes are recorded as the client makes them (a direct delivery
 * executor), so that no merging in a lagging delivery could hide a delete/add pair.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NodeLossTest {

  Nodes cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killedNode_clientMovesToASurvivor_equalLists_noChangesForUntouchedServices() throws Exception {
    cluster = Nodes.cluster(3, Map.of());
    try (WatchClient client = WatchClient.create(TestClients.options(cluster.addresses())
        .setDeliveryExecutor(Runnable::run)).start()) {
      killConnectedNodeWhileWriting(cluster, client, cluster::kill);
    }
  }

  /** The scenario, with the kill given: in-JVM here, SIGKILL of a node process in {@link NodeKillProcessIT}. */
  static void killConnectedNodeWhileWriting(Nodes cluster, WatchClient client, IntConsumer kill) throws Exception {
    TestClients.Recorder recorder = new TestClients.Recorder(client);
    client.subscribe(WatchFilter.namespace("public")).ready().get(20, TimeUnit.SECONDS);

    List<String> stable = List.of("nl-stable-a", "nl-stable-b", "nl-stable-c");
    List<String> churn = List.of("nl-churn-a", "nl-churn-b");
    for (int s = 0; s < stable.size(); s++) {
      for (int i = 1; i <= 8; i++) {
        cluster.register(i % 3, stable.get(s), "10.9." + s + "." + i, 7000, 1);
      }
    }
    for (String s : stable) {
      Poll.until(Duration.ofSeconds(20), "the client holds " + s,
          () -> Nodes.cached(client, s).size() == 8 && Nodes.cached(client, s).equals(cluster.list(0, s)));
    }
    Poll.until(Duration.ofSeconds(5), "live", () -> client.status().state() == WatchStatus.State.LIVE);
    String first = client.status().node();
    long reconnectsBefore = client.status().reconnects();
    recorder.clear();

    int victim = cluster.indexOf(first);
    List<Integer> survivors = new ArrayList<>(List.of(0, 1, 2));
    survivors.remove(Integer.valueOf(victim));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger writes = new AtomicInteger();
    List<Throwable> writeErrors = new ArrayList<>();
    Thread writer = new Thread(() -> {
      Random random = new Random(5);
      while (writing.get()) {
        int node = survivors.get(random.nextInt(survivors.size()));
        String service = churn.get(random.nextInt(churn.size()));
        String ip = "10.10.0." + (1 + random.nextInt(10));
        try {
          if (random.nextInt(3) == 0) {
            cluster.deregister(node, service, ip, 7000);
          } else {
            cluster.register(node, service, ip, 7000, 1 + random.nextInt(3));
          }
          writes.incrementAndGet();
        } catch (RuntimeException e) {
          synchronized (writeErrors) {
            writeErrors.add(e);
          }
        }
      }
    }, "writer");
    writer.start();
    try {
      Poll.until(Duration.ofSeconds(10), "writes going on", () -> writes.get() >= 50);
      kill.accept(victim);
      Poll.until(Duration.ofSeconds(20), "the client connected to a survivor",
          () -> client.status().connected() && !first.equals(client.status().node()));
      int at = writes.get();
      Poll.until(Duration.ofSeconds(10), "writes going on after the move", () -> writes.get() >= at + 50);
    } finally {
      writing.set(false);
      writer.join(10_000);
    }

    int a = survivors.get(0);
    int b = survivors.get(1);
    List<String> all = new ArrayList<>(stable);
    all.addAll(churn);
    for (String s : all) {
      Poll.until(Duration.ofSeconds(20), "the survivors and the cache agree on " + s, () -> {
        List<String> la = cluster.list(a, s);
        return la.equals(cluster.list(b, s)) && la.equals(Nodes.cached(client, s));
      });
    }
    for (String s : all) {
      assertEquals(cluster.list(a, s), Nodes.cached(client, s), s);
      assertEquals(cluster.list(b, s), Nodes.cached(client, s), s);
    }
    for (String s : stable) {
      assertEquals(8, Nodes.cached(client, s).size(), s);
    }
    assertNotEquals(first, client.status().node());
    assertTrue(client.status().reconnects() > reconnectsBefore, client.status().toString());

    Set<String> untouched = Set.copyOf(stable);
    List<ServiceChange> changes = recorder.changes();
    List<ServiceChange> spurious = changes.stream().filter(c -> untouched.contains(c.service().name())).toList();
    assertEquals(List.of(), spurious, "changes reported for services nobody wrote to");
    assertTrue(changes.stream().anyMatch(c -> churn.contains(c.service().name())), "the churn was reported");
    assertTrue(writeErrors.size() < writes.get(), "writes failed: " + writeErrors);
  }
}

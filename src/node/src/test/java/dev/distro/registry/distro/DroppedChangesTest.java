package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.PeerCalls;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Changes a node made to instances another member owns, and then dropped from its sync queue to
 * that owner, still reach the owner and every member. Verify covers only an owner's own instances,
 * so before, nothing ever told the owner: its repair even removed the dropped registrations from
 * the members that held them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DroppedChangesTest {

  static final String I = "/nacos/v1/ns/instance";
  TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  boolean listsAll(String node, String service, List<String> ips) {
    List<String> hosts = new ArrayList<>();
    cluster.api(node).list(service).getJsonArray("hosts").forEach(h -> hosts.add(((JsonObject) h).getString("ip")));
    return hosts.containsAll(ips);
  }

  @Test
  void overflowedQueueToTheOwner_stillConverges() {
    // a queue of 3 changes per peer: six registrations overflow it
    cluster = TestCluster.started(3, Map.of("sync-queue-max", "3"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    String c = cluster.address(2);
    // instances b owns, which a takes while b is away: written on a whether or not a still has b
    // in its ring (forwarding to b fails, or a owns them without b)
    Rendezvous full = new Rendezvous(List.of(a, b, c));
    Rendezvous withoutB = new Rendezvous(List.of(a, c));
    List<String> ips = new ArrayList<>();
    for (int i = 1; ips.size() < 6; i++) {
      String ip = "10.88." + (i / 250) + "." + (i % 250 + 1);
      if (b.equals(full.ownerOf(ip, 80)) && a.equals(withoutB.ownerOf(ip, 80))) {
        ips.add(ip);
      }
    }
    cluster.faults.cut(a, b);
    cluster.faults.cut(b, a);
    Poll.until(Duration.ofSeconds(10), "a no longer forwards to b",
        () -> !cluster.node(a).cluster().reachable(b));
    for (String ip : ips) {
      int status = cluster.api(a).post(I, "serviceName", "dropped", "ip", ip, "port", "80").statusCode();
      assertTrue(status == 200, "registered on a: " + status);
    }
    Poll.until(Duration.ofSeconds(10), "a's queue to b overflowed",
        () -> cluster.node(a).metrics().syncOverflows.sum() >= 1);
    cluster.faults.healAll();
    cluster.awaitRing();
    for (String n : cluster.addresses()) {
      Poll.until(Duration.ofSeconds(20), "all six on " + n, () -> listsAll(n, "dropped", ips));
    }
    // what could take them away again: the owner's verify rounds and repairs
    Poll.holdsFor(Duration.ofSeconds(3), Poll.rounds("verify rounds on every node", 2,
        () -> cluster.addresses().stream().mapToLong(n -> cluster.node(n).metrics().verifyRounds.sum())
            .min().orElseThrow()), () -> {
      for (String n : cluster.addresses()) {
        if (!listsAll(n, "dropped", ips)) {
          return "an instance left " + n + " again";
        }
      }
      return null;
    });
    assertTrue(cluster.node(b).metrics().repairReturns.sum() >= 1,
        "b, the owner, learned of them from a repair answer");
  }

  /**
   * The receiving half, one repair by hand: what this node holds newer than the owner's listing
   * goes back in the answer ({@code newer}) instead of being dropped or ignored. A copy that only
   * came from peers is dropped as before.
   */
  @Test
  void repairAnswer_returnsWhatIsNewerHere_andDropsOnlyPeerCopies() {
    cluster = TestCluster.started(2, Map.of());
    String a = cluster.address(0);
    String b = cluster.address(1);
    Rendezvous ring = new Rendezvous(List.of(a, b));
    List<String> ips = new ArrayList<>();
    for (int i = 1; ips.size() < 3; i++) {
      String ip = "10.89." + (i / 250) + "." + (i % 250 + 1);
      if (b.equals(ring.ownerOf(ip, 80))) {
        ips.add(ip);
      }
    }
    ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "back");
    RegistryStore store = cluster.node(a).store();
    long old = (System.currentTimeMillis() - 60_000) << 16;
    // ips[0]: registered on a itself (its client was heard here), unknown to b
    store.register(instance(svc, ips.get(0), 0));
    // ips[1]: deleted on a after the version b still lists
    store.applyRemoteDelete(svc, Instance.localId(ips.get(1), 80, "DEFAULT"), old + 5, Reason.SYNC);
    // ips[2]: a copy a got from a peer, which b no longer has: dropped as before
    store.applyRemote(instance(svc, ips.get(2), old), Reason.SYNC);
    List<Integer> buckets = new ArrayList<>();
    for (String ip : ips) {
      buckets.add(Digests.bucketOf(svc + "#" + Instance.localId(ip, 80, "DEFAULT")));
    }
    JsonObject listed = new JsonObject().put("o", "put").put("ns", "public").put("g", "DEFAULT_GROUP")
        .put("s", "back").put("c", "DEFAULT").put("ip", ips.get(1)).put("p", 80).put("v", old);
    Vertx vertx = Vertx.vertx();
    try (PeerCalls peer = new PeerCalls(vertx)) {
      JsonObject answer = peer.json(peer.post(cluster.node(a).config().peerPort, "/distro/repair",
          new JsonObject().put("from", b).put("asOf", (System.currentTimeMillis() << 16)).put("ring", List.of(a, b))
              .put("buckets", buckets).put("entries", new JsonArray().add(listed)).encode()));
      assertEquals(1, answer.getInteger("removed"), answer.encode());
      JsonArray newer = answer.getJsonArray("newer");
      assertEquals(2, newer == null ? 0 : newer.size(), answer.encode());
      JsonObject put = newer.getJsonObject(0).getString("o").equals("put") ? newer.getJsonObject(0)
          : newer.getJsonObject(1);
      JsonObject del = put == newer.getJsonObject(0) ? newer.getJsonObject(1) : newer.getJsonObject(0);
      assertEquals(ips.get(0), put.getString("ip"));
      assertTrue(put.getLong("cs", 0L) > 0, "with when a heard its client: " + put.encode());
      assertEquals("del", del.getString("o"));
      assertEquals(ips.get(1), del.getString("ip"));
      assertEquals(old + 5, del.getLong("v"));
    } finally {
      Wait.on(vertx.close(), 30);
    }
    assertTrue(store.find(svc, Instance.localId(ips.get(0), 80, "DEFAULT")) != null, "a keeps what it returned");
    assertTrue(store.find(svc, Instance.localId(ips.get(2), 80, "DEFAULT")) == null, "the peer copy is gone");
  }

  static Instance instance(ServiceKey svc, String ip, long version) {
    return new Instance(svc, "DEFAULT", ip, 80, 1.0, true, true, true, Map.of(), version);
  }
}

package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sync that lags far behind the verify rounds' settle time (every request to the peer takes
 * 800 ms, rounds included, the settle time is 200 ms, and changes queue behind the batch in flight) makes no
 * difference in the digests and so no repair: the rounds leave out what the peer has not
 * acknowledged yet. Before, every round in the lag found the queued writes missing on the peer and
 * pushed their whole buckets as repairs, on top of the sync that was about to deliver them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowSyncTest {

  TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void writesQueuedBehindASlowSync_causeNoRepair() {
    cluster = TestCluster.started(2, Map.of("verify-interval-ms", "200", "batch-window-ms", "20"));
    String a = cluster.address(0);
    String b = cluster.address(1);
    Rendezvous ring = new Rendezvous(cluster.addresses());
    List<String> ips = new ArrayList<>();
    for (int i = 1; ips.size() < 40; i++) {
      String ip = "10.78." + (i / 250) + "." + (i % 250 + 1);
      if (a.equals(ring.ownerOf(ip, 80))) {
        ips.add(ip);
      }
    }
    Counters onA = cluster.node(a).metrics();
    Counters onB = cluster.node(b).metrics();
    cluster.faults.delay(a, b, 800);
    long roundsBefore = onA.verifyRounds.sum();
    for (String ip : ips) {
      assertEquals("ok", cluster.api(a).post("/nacos/v1/ns/instance", "serviceName", "slow", "ip", ip, "port", "80")
          .bodyAsString());
      // spread over 3 s: later writes wait behind the batch in flight, older than the settle time
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(75));
    }
    Poll.until(Duration.ofSeconds(20), "every write on the peer", () -> cluster.api(b).list("slow")
        .getJsonArray("hosts").size() == ips.size());
    long converged = onA.verifyRounds.sum();
    Poll.until(Duration.ofSeconds(20), "three more rounds after that", () -> onA.verifyRounds.sum() >= converged + 3);
    assertTrue(converged - roundsBefore >= 3, "rounds ran while the writes were in the lag: "
        + (converged - roundsBefore));
    assertEquals(0, onA.verifyFailures.sum(), "verify exchanges failed");
    assertEquals(0, onA.mismatchedBuckets.sum(), "buckets found different");
    assertEquals(0, onB.repairs.sum(), "repairs received");
    JsonObject listed = cluster.api(b).list("slow");
    assertEquals(ips.size(), listed.getJsonArray("hosts").size());
  }
}

package dev.distro.registry.bench;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures the figures the cluster issue asks for, on a 3-node in-JVM cluster with the default
 * timings (100 ms batch window, 5 s verify): how long a write on one node takes to be visible on
 * the two others, and the verify bytes one node sends per peer per round at 10,000 and 100,000
 * instances. Not part of the test suite; run it with
 * {@code mvn -B test -Dtest=ClusterFiguresBench -Dbench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the figures in {@code target/surefire-reports/*ClusterFiguresBench-output.txt}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class ClusterFiguresBench {

  /** The bulk instances have no client beating for them: give them an hour. */
  static final Map<String, String> LONG_LEASE = Map.of(Instance.META_BEAT_TIMEOUT, "3600000",
      Instance.META_DELETE_TIMEOUT, "3600000");

  @Test
  void convergenceAndVerifyTraffic() {
    try (TestCluster cluster = TestCluster.started(3, Map.of("batch-window-ms", "100", "verify-interval-ms", "5000",
        "ping-interval-ms", "2000", "http-instances", "2"))) {
      String a = cluster.address(0);
      long[] lags = new long[200];
      for (int i = 0; i < lags.length; i++) {
        String ip = "10.20." + (i / 250) + "." + (i % 250 + 1);
        long t0 = System.nanoTime();
        cluster.api(a).post("/nacos/v1/ns/instance", "serviceName", "lag", "ip", ip, "port", "80");
        for (String other : cluster.addresses().subList(1, 3)) {
          Poll.until(Duration.ofSeconds(10), ip + " on " + other, () -> cluster.node(other).store()
              .find(new ServiceKey("public", "DEFAULT_GROUP", "lag"), Instance.localId(ip, 80, "DEFAULT")) != null);
        }
        lags[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      }
      Arrays.sort(lags);
      System.out.printf("convergence (write on one node -> visible on both others), %d writes: p50 %d ms, p90 %d ms,"
          + " p99 %d ms, max %d ms%n", lags.length, lags[lags.length / 2], lags[lags.length * 9 / 10],
          lags[lags.length * 99 / 100], lags[lags.length - 1]);

      for (int target : new int[] {10_000, 100_000}) {
        Node node = cluster.node(a);
        ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "bulk");
        var existing = node.store().service(svc);
        int have = existing == null ? 0 : existing.size();
        for (int i = have; i < target; i++) {
          node.store().register(new Instance(svc, "DEFAULT", "10." + (30 + i / 62_500) + "." + (i / 250 % 250)
              + "." + (i % 250 + 1), 80, 1, true, true, true, LONG_LEASE, 0));
        }
        long t0 = System.nanoTime();
        for (String n : cluster.addresses()) {
          try {
            Poll.until(Duration.ofSeconds(120), target + " on " + n,
                () -> {
                  var e = cluster.node(n).store().service(svc);
                  return e != null && e.size() >= target;
                });
          } catch (AssertionError e) {
            for (String x : cluster.addresses()) {
              Counters mx = cluster.node(x).metrics();
              System.out.printf("%s: instances %d, batches %d, entries %d, failures %d, overflows %d, received %d%n", x,
                  cluster.node(x).store().instanceCount(), mx.syncBatchesSent.sum(), mx.syncEntriesSent.sum(),
                  mx.syncFailures.sum(), mx.syncOverflows.sum(), mx.syncEntriesReceived.sum());
            }
            throw e;
          }
        }
        System.out.printf("%,d instances written on one node, replicated to both others in %d ms%n", target - have,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        Counters m = node.metrics();
        long rounds0 = m.verifyRounds.sum();
        long bytes0 = m.verifyBytesSent.sum();
        long repairs0 = cluster.node(cluster.address(1)).metrics().repairs.sum();
        Poll.until(Duration.ofSeconds(60), "3 verify rounds", () -> m.verifyRounds.sum() >= rounds0 + 3);
        long rounds = m.verifyRounds.sum() - rounds0;
        long bytes = m.verifyBytesSent.sum() - bytes0;
        System.out.printf("verify at %,d instances: %d rounds, %,d bytes sent to 2 peers = %,d bytes per peer per"
            + " round; repairs on a peer meanwhile: %d%n", node.store().instanceCount(), rounds, bytes,
            bytes / rounds / 2, cluster.node(cluster.address(1)).metrics().repairs.sum() - repairs0);
      }
    }
  }
}

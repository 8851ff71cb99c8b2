package dev.distro.registry.bench;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Capacity figures: the heap one node needs for 1,000,000 instances, how long a new node takes to
 * load them as a snapshot, and the verify bytes per peer per round at that size. Not part of the
 * test suite; run with
 * {@code mvn -B test -Dtest=CapacityBench -Dbench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * and read {@code target/surefire-reports/*CapacityBench-output.txt}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class CapacityBench {

  static final Map<String, String> LONG_LEASE = Map.of(Instance.META_BEAT_TIMEOUT, "3600000",
      Instance.META_DELETE_TIMEOUT, "3600000");

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void millionInstances() {
    int n = Integer.getInteger("instances", 1_000_000);
    try (TestCluster cluster = new TestCluster(2, Map.of("verify-interval-ms", "5000", "http-instances", "2"))) {
      String a = cluster.address(0);
      String b = cluster.address(1);
      Node nodeA = cluster.start(a);
      long before = usedHeapAfterGc();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ServiceKey svc = new ServiceKey("public", "DEFAULT_GROUP", "svc" + (i % 10_000));
        nodeA.store().register(new Instance(svc, "DEFAULT", "10." + (i >> 16 & 255) + "." + (i >> 8 & 255)
            + "." + (i & 255), 8080 + i % 7, 1.0, true, true, true, LONG_LEASE, 0));
      }
      long loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      long after = usedHeapAfterGc();
      System.out.printf("%,d instances in %,d services registered in %,d ms; heap for them: %,d MB (%d bytes each)%n",
          n, nodeA.store().serviceCount(), loadMs, (after - before) >> 20, (after - before) / n);

      long s0 = System.nanoTime();
      Node nodeB = cluster.start(b);
      long snapMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s0);
      System.out.printf("a new node loaded the snapshot of %,d instances and turned ready in %,d ms%n",
          nodeB.store().instanceCount(), snapMs);

      cluster.awaitRing();
      var m = nodeA.metrics();
      long rounds0 = m.verifyRounds.sum();
      long bytes0 = m.verifyBytesSent.sum();
      Poll.until(Duration.ofSeconds(120), "3 verify rounds", () -> m.verifyRounds.sum() >= rounds0 + 3);
      System.out.printf("verify at %,d instances: %,d bytes per peer per round%n", n,
          (m.verifyBytesSent.sum() - bytes0) / (m.verifyRounds.sum() - rounds0));
    }
  }
}

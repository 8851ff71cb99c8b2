package dev.distro.registry.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.distro.Digests;
import dev.distro.registry.node.Node;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;

/**
 * What a hostile request must not change, on every node of a cluster: the revision, the
 * instance and service counts, the verify digests over every instance (accept-all predicate) and
 * the node's switches.
 */
record RegistryState(List<NodeState> nodes) {

  record NodeState(String address, long revision, int instances, int services, long[] digests, String switches) { }

  static RegistryState of(TestCluster cluster) {
    List<NodeState> out = new ArrayList<>();
    for (String a : cluster.running()) {
      Node n = cluster.node(a);
      RegistryStore store = n.store();
      out.add(new NodeState(a, store.revision(), store.instanceCount(), store.serviceCount(),
          Digests.compute(store, i -> true), n.switches().toJson()));
    }
    return new RegistryState(out);
  }

  /** Fails unless {@code cluster} is exactly as it was when this state was taken. */
  void assertUnchanged(TestCluster cluster, String what) {
    RegistryState now = of(cluster);
    assertEquals(nodes.size(), now.nodes.size(), what + ": members");
    for (int k = 0; k < nodes.size(); k++) {
      NodeState b = nodes.get(k);
      NodeState a = now.nodes.get(k);
      assertEquals(b.revision, a.revision, what + ": revision moved on " + b.address);
      assertEquals(b.instances, a.instances, what + ": instance count on " + b.address);
      assertEquals(b.services, a.services, what + ": service count on " + b.address);
      assertArrayEquals(b.digests, a.digests, what + ": digests on " + b.address);
      assertEquals(b.switches, a.switches, what + ": switches on " + b.address);
    }
  }
}

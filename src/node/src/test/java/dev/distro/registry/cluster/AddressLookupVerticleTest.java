package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import dev.distro.registry.model.Clock;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The member list follows cluster.conf without a restart, and unreachable members are DOWN. */
@ExtendWith(VertxExtension.class)
class AddressLookupVerticleTest {

  @Test
  void clusterConfChange_isPickedUpWithin5s_andDeadMembersAreDown(Vertx vertx, @TempDir Path dir) throws Exception {
    int port = TestNodes.freePort();
    String self = "127.0.0.1:" + port;
    int deadA = TestNodes.freePort();
    int deadB = TestNodes.freePort();
    Path conf = dir.resolve("cluster.conf");
    Files.writeString(conf, "# members\n" + self + "\n127.0.0.1:" + deadA + "  # nobody listens here\n");
    NodeConfig cfg = NodeConfig.of(Map.of("port", String.valueOf(port), "host", "127.0.0.1", "bind", "127.0.0.1",
        "cluster-conf", conf.toString(), "cluster-secret", TestCluster.SECRET, "ping-interval-ms", "200",
        "http-instances", "1"));
    Node node = Wait.on(Node.start(vertx, cfg, Clock.SYSTEM));
    Cluster cluster = node.cluster();
    assertEquals(Set.of("127.0.0.1:" + deadA, self), cluster.members().stream().map(Member::address)
        .collect(Collectors.toSet()));
    assertEquals(Member.State.DOWN, cluster.members().stream().filter(m -> !m.self()).findFirst().orElseThrow().state());
    assertEquals(List.of(self), cluster.view().ring().members(), "a dead member owns nothing");

    Files.writeString(conf, self + "\n127.0.0.1:" + deadB + "\n");
    Poll.until(Duration.ofSeconds(5), "the new member list is in force", () -> cluster.members().stream()
        .map(Member::address).collect(Collectors.toSet()).equals(Set.of("127.0.0.1:" + deadB, self)));
    Wait.on(node.stop());
  }
}

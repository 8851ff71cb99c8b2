package dev.distro.registry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * deploy/kubernetes/ is valid YAML and agrees with the image and the node: ports, environment
 * names, probe paths (answered by a real node), the Secret, the Services and the budget.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesManifestsTest {

  /** The repository's top (set by the build; the module's directory is two levels below it). */
  static final Path ROOT = Path.of(System.getProperty("repo.root", "../.."));

  final Map<String, JsonNode> byKindAndName = new HashMap<>();
  JsonNode sts;
  JsonNode container;

  @BeforeAll
  void load() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<Path> files;
    try (Stream<Path> s = Files.list(ROOT.resolve("deploy/kubernetes"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 4, "manifests found: " + files);
    for (Path f : files) {
      try (var parser = yaml.getFactory().createParser(f.toFile())) {
        for (JsonNode doc : yaml.readValues(parser, JsonNode.class).readAll()) {
          assertNotNull(doc.get("apiVersion"), f + " has an apiVersion");
          byKindAndName.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
        }
      }
    }
    sts = byKindAndName.get("StatefulSet/distro-node");
    container = sts.at("/spec/template/spec/containers/0");
  }

  @Test
  void statefulSet_ofThree_withPortsOfTheNode() throws IOException {
    assertEquals(3, sts.at("/spec/replicas").asInt());
    Map<String, Integer> ports = new HashMap<>();
    container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
    assertEquals(NodeConfig.DEFAULT_PORT, ports.get("client"));
    assertEquals(NodeConfig.DEFAULT_PORT + NodeConfig.PEER_PORT_OFFSET, ports.get("peer"));
    assertTrue(Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
        .anyMatch(l -> l.startsWith("EXPOSE") && l.contains("8848") && l.contains("9849")), "the image exposes them");
  }

  @Test
  void everyDistroVariable_isASetting_andDnsModeFindsTheHeadlessService() {
    List<String> known = new ArrayList<>();
    NodeConfig.settings().keySet().forEach(k -> known.add(NodeConfig.envName(k)));
    Map<String, JsonNode> env = new HashMap<>();
    container.get("env").forEach(e -> env.put(e.get("name").asText(), e));
    for (String name : env.keySet()) {
      if (name.startsWith("DISTRO_")) {
        assertTrue(known.contains(name), name + " is a setting of the node");
      }
    }
    JsonNode headless = byKindAndName.get("Service/distro-node-peers");
    assertEquals("None", headless.at("/spec/clusterIP").asText());
    assertTrue(headless.at("/spec/publishNotReadyAddresses").asBoolean());
    assertEquals(sts.at("/spec/serviceName").asText(), headless.at("/metadata/name").asText());
    assertTrue(env.get("DISTRO_DNS_NAME").get("value").asText().startsWith("distro-node-peers."));
    JsonNode secretRef = env.get("DISTRO_CLUSTER_SECRET").at("/valueFrom/secretKeyRef");
    JsonNode secret = byKindAndName.get("Secret/" + secretRef.get("name").asText());
    assertNotNull(secret, "the referenced Secret exists");
    assertTrue(secret.at("/stringData").has(secretRef.get("key").asText()));
  }

  @Test
  void probes_pointAtPathsTheNodeAnswers() {
    Vertx vertx = Vertx.vertx();
    try {
      Node node = TestNodes.standalone(vertx, Map.of());
      Api api = new Api(vertx, node.config().port);
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        JsonNode get = container.at("/" + probe + "/httpGet");
        assertEquals("client", get.get("port").asText(), probe);
        assertEquals(200, api.get(get.get("path").asText()).statusCode(), probe + " " + get.get("path"));
      }
      assertEquals("/health/live", container.at("/livenessProbe/httpGet/path").asText(), "liveness never on peers");
      api.close();
    } finally {
      Wait.on(vertx.close());
    }
  }

  @Test
  void gracePeriod_coversPreStopAndShutdown_budgetAndSelectorsMatch() {
    long grace = sts.at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    long preStop = container.at("/lifecycle/preStop/exec/command/1").asLong();
    long shutdownMs = 0;
    for (JsonNode e : container.get("env")) {
      if (e.get("name").asText().equals("DISTRO_SHUTDOWN_GRACE_MS")) {
        shutdownMs = e.get("value").asLong();
      }
    }
    assertTrue(shutdownMs > 0);
    assertTrue(grace > preStop + shutdownMs / 1000, "grace " + grace + " s > preStop + shutdown");
    JsonNode labels = sts.at("/spec/template/metadata/labels");
    JsonNode pdb = byKindAndName.get("PodDisruptionBudget/distro-node");
    assertEquals(1, pdb.at("/spec/maxUnavailable").asInt());
    pdb.at("/spec/selector/matchLabels").fields().forEachRemaining(f ->
        assertEquals(f.getValue(), labels.get(f.getKey())));
    byKindAndName.get("Service/distro-node").at("/spec/selector").fields().forEachRemaining(f ->
        assertEquals(f.getValue(), labels.get(f.getKey())));
    assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
    assertTrue(sts.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean());
  }
}

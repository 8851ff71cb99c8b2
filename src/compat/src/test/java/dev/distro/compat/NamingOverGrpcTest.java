package dev.distro.compat;

import static dev.distro.compat.GrpcHandshakeTest.freePortPair;
import static dev.distro.compat.GrpcHandshakeTest.freePortPairs;
import static dev.distro.compat.GrpcHandshakeTest.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alibaba.nacos.api.NacosFactory;
import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.alibaba.nacos.api.naming.pojo.ListView;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Clock;
import dev.distro.registry.node.Node;
import dev.distro.registry.testing.TestCerts;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unmodified nacos-client (2.5.1 in src/compat, 3.1.0 in src/compat3) using a node for naming over gRPC: register, subscribe and get
 * pushes, query, list services, batch register and deregister, and its instances going with its
 * connection; in a two-node cluster, instances registered over one node's connections are listed
 * by the other, and go there too when the client leaves; with auth on, the token from its login.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NamingOverGrpcTest {

  final List<Vertx> vertxes = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final List<NamingService> clients = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @AfterEach
  void stop() throws Exception {
    for (NamingService c : clients) {
      try {
        c.shutDown();
      } catch (Exception ignored) {
        // already shut down by the test
      }
    }
    for (Node n : nodes) {
      n.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    for (Vertx v : vertxes) {
      v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  Node start(Map<String, String> settings) throws Exception {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Map<String, String> s = new HashMap<>(Map.of("host", "127.0.0.1", "bind", "127.0.0.1", "http-instances", "2",
        "health-sweep-interval-ms", "100", "verify-interval-ms", "500", "ping-interval-ms", "200"));
    s.putAll(settings);
    Node node = Node.start(vertx, NodeConfig.of(s), Clock.SYSTEM).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  /** A two-node cluster, both members in service and in each other's ring. */
  Node[] startTwoNodes() throws Exception {
    int[] ports = freePortPairs(2);
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    String secret = "compat-cluster-secret-0123456789";
    Node a = start(Map.of("port", String.valueOf(ports[0]), "members", members, "cluster-secret", secret));
    Node b = start(Map.of("port", String.valueOf(ports[1]), "members", members, "cluster-secret", secret));
    until(20, "both nodes in service", () -> a.status().ready() && b.status().ready()
        && a.cluster().ring().members().size() == 2 && b.cluster().ring().members().size() == 2);
    return new Node[] {a, b};
  }

  NamingService client(int port, String... userAndPassword) throws NacosException {
    return client(port, new Properties(), userAndPassword);
  }

  NamingService client(int port, Properties extra, String... userAndPassword) throws NacosException {
    Properties p = new Properties();
    p.putAll(extra);
    p.setProperty(PropertyKeyConst.SERVER_ADDR, "127.0.0.1:" + port);
    p.setProperty(PropertyKeyConst.NAMING_LOAD_CACHE_AT_START, "false");
    p.setProperty("JM.SNAPSHOT.PATH", dir.toString());
    System.setProperty("JM.SNAPSHOT.PATH", dir.toString());
    System.setProperty("com.alibaba.nacos.naming.cache.dir", dir.resolve("naming").toString());
    if (userAndPassword.length == 2) {
      p.setProperty(PropertyKeyConst.USERNAME, userAndPassword[0]);
      p.setProperty(PropertyKeyConst.PASSWORD, userAndPassword[1]);
    }
    NamingService naming = NacosFactory.createNamingService(p);
    clients.add(naming);
    return naming;
  }

  /** The ip:port pairs of a service's v1 list on the node at {@code port}. */
  List<String> listed(int port, String service) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/nacos/v1/ns/instance/list?serviceName=" + service)).build(), HttpResponse.BodyHandlers.ofString());
    List<String> out = new ArrayList<>();
    var hosts = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("hosts");
    hosts.forEach(h -> out.add(h.path("ip").asText() + ":" + h.path("port").asInt()));
    out.sort(null);
    return out;
  }

  static String ipPorts(List<Instance> instances) {
    return instances.stream().map(i -> i.getIp() + ":" + i.getPort()).sorted().collect(Collectors.joining(","));
  }

  static Instance instance(String ip, int port, String cluster) {
    Instance i = new Instance();
    i.setIp(ip);
    i.setPort(port);
    i.setClusterName(cluster);
    i.setMetadata(Map.of("version", "1"));
    return i;
  }

  @Test
  void aClientRegistersSubscribesQueriesListsAndBatches_andItsInstancesGoWithIt() throws Exception {
    int port = freePortPair();
    Node node = start(Map.of("port", String.valueOf(port)));
    assertEquals(port + 1000, node.config().grpcPort, "the gRPC port defaults to the client port + 1000");
    NamingService provider = client(port);
    NamingService consumer = client(port);

    provider.registerInstance("orders", "DEFAULT_GROUP", instance("10.0.0.5", 8080, "DEFAULT"));
    until(10, "the registration is listed over HTTP", () -> uncheckedListed(port, "orders").equals(
        List.of("10.0.0.5:8080")));

    List<String> seen = new CopyOnWriteArrayList<>();
    consumer.subscribe("orders", event -> seen.add(ipPorts(((NamingEvent) event).getInstances())));
    until(10, "the subscriber hears of the instance", () -> seen.contains("10.0.0.5:8080"));

    NamingService second = client(port);
    second.registerInstance("orders", "DEFAULT_GROUP", instance("10.0.0.6", 8080, "CLUSTER-B"));
    until(10, "a push tells the subscriber of the second instance",
        () -> seen.contains("10.0.0.5:8080,10.0.0.6:8080"));

    assertEquals("10.0.0.5:8080,10.0.0.6:8080", ipPorts(consumer.getAllInstances("orders", false)),
        "a query without subscription");
    assertEquals("10.0.0.6:8080", ipPorts(consumer.selectInstances("orders", List.of("CLUSTER-B"), true, false)));
    Instance got = consumer.getAllInstances("orders", false).stream().filter(i -> i.getPort() == 8080
        && i.getIp().equals("10.0.0.5")).findFirst().orElseThrow();
    assertEquals("1", got.getMetadata().get("version"));
    assertEquals("DEFAULT", got.getClusterName());
    assertEquals("DEFAULT_GROUP@@orders", got.getServiceName());

    ListView<String> services = consumer.getServicesOfServer(1, 10);
    assertEquals(List.of("orders"), services.getData());
    assertEquals(1, services.getCount());

    provider.batchRegisterInstance("batch", "DEFAULT_GROUP",
        List.of(instance("10.0.1.1", 1, "DEFAULT"), instance("10.0.1.2", 2, "DEFAULT")));
    until(10, "the batch is listed", () -> uncheckedListed(port, "batch").equals(List.of("10.0.1.1:1", "10.0.1.2:2")));
    provider.batchDeregisterInstance("batch", "DEFAULT_GROUP", List.of(instance("10.0.1.1", 1, "DEFAULT")));
    until(10, "the batch's remainder is listed", () -> uncheckedListed(port, "batch").equals(List.of("10.0.1.2:2")));

    second.deregisterInstance("orders", "DEFAULT_GROUP", instance("10.0.0.6", 8080, "CLUSTER-B"));
    until(10, "the deregistration is pushed", () -> seen.get(seen.size() - 1).equals("10.0.0.5:8080"));

    provider.shutDown();
    until(10, "the provider's instances go with its connection", () -> uncheckedListed(port, "orders").isEmpty()
        && uncheckedListed(port, "batch").isEmpty());
    until(10, "and the subscriber is told", () -> seen.get(seen.size() - 1).isEmpty());
    var conns = node.grpcConnections();
    until(10, "every push acknowledged", () -> conns.pushesAcked.sum() == conns.pushesSent.sum());
    assertEquals(0, conns.pushesFailed.sum(), "failed pushes");
    assertTrue(conns.pushesAcked.sum() >= 3, "pushes: " + conns.pushesAcked.sum());
  }

  @Test
  void aOneXRegistrationIsSeenByTheClient_andAfterANodeRestartTheClientRegistersAgain() throws Exception {
    int port = freePortPair();
    Node node = start(Map.of("port", String.valueOf(port)));
    NamingService provider = client(port);
    provider.registerInstance("redo", "DEFAULT_GROUP", instance("10.0.4.1", 80, "DEFAULT"));
    // a 1.x client's registration, over HTTP as it sends it
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/nacos/v1/ns/instance?serviceName=redo&ip=10.0.4.2&port=80")).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    until(10, "the 2.x client sees both", () -> {
      try {
        return ipPorts(provider.getAllInstances("redo", false)).equals("10.0.4.1:80,10.0.4.2:80");
      } catch (NacosException e) {
        return false;
      }
    });

    node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    nodes.remove(node);
    Node again = start(Map.of("port", String.valueOf(port)));
    until(30, "the client registered again on the restarted node (its redo)",
        () -> uncheckedListed(port, "redo").contains("10.0.4.1:80"));
    assertTrue(again.grpcConnections().size() >= 1);
  }

  @Test
  void badInstancesAreRefusedWithTheReason_andChangeNothing() throws Exception {
    int port = freePortPair();
    start(Map.of("port", String.valueOf(port)));
    NamingService provider = client(port);
    NacosException e = assertThrows(NacosException.class, () -> provider.registerInstance("orders",
        "DEFAULT_GROUP", instance("10.0.0.5", 70000, "DEFAULT")));
    assertTrue(e.getErrMsg().contains("port"), e.getErrMsg());
    assertEquals(400, e.getErrCode());
    // A request that fails makes the client check its server before it sends the next one (as with
    // Nacos); calls meanwhile fail on the client with "Client not connected". The node's own answer
    // to the second bad request is what is checked.
    NacosException[] second = new NacosException[1];
    until(15, "the node's answer to a bad service name", () -> {
      try {
        provider.registerInstance("bad name", "DEFAULT_GROUP", instance("10.0.0.5", 80, "DEFAULT"));
        return true;
      } catch (NacosException ex) {
        second[0] = ex;
        return !String.valueOf(ex.getErrMsg()).contains("Client not connected");
      }
    });
    assertTrue(second[0] != null && second[0].getErrMsg().contains("serviceName"), String.valueOf(second[0]));
    assertEquals(400, second[0].getErrCode());
    assertTrue(uncheckedListed(port, "orders").isEmpty());
  }

  @Test
  void inATwoNodeCluster_theOtherNodeListsWhatAConnectionHolds_untilTheClientLeaves() throws Exception {
    Node[] pair = startTwoNodes();
    int a = pair[0].config().port;
    int b = pair[1].config().port;

    NamingService provider = client(a);
    // instances whose ip:port hash to either member: a connection's node owns them all
    for (int i = 1; i <= 8; i++) {
      provider.registerInstance("svc" + i, "DEFAULT_GROUP", instance("10.0.2." + i, 9000 + i, "DEFAULT"));
    }
    for (int i = 1; i <= 8; i++) {
      String svc = "svc" + i;
      List<String> want = List.of("10.0.2." + i + ":" + (9000 + i));
      until(10, svc + " listed on the other node", () -> uncheckedListed(b, svc).equals(want));
    }
    NamingService consumer = client(b);
    List<String> seen = new CopyOnWriteArrayList<>();
    consumer.subscribe("svc1", event -> seen.add(ipPorts(((NamingEvent) event).getInstances())));
    until(10, "a subscriber on the other node hears of it", () -> seen.contains("10.0.2.1:9001"));

    provider.shutDown();
    for (int i = 1; i <= 8; i++) {
      String svc = "svc" + i;
      until(10, svc + " gone from the other node", () -> uncheckedListed(b, svc).isEmpty());
    }
    until(10, "the subscriber there is told", () -> seen.get(seen.size() - 1).isEmpty());
  }

  @Test
  void whenItsNodeStops_theClientMovesToTheOther_andItsInstanceStaysListedThroughout() throws Exception {
    Node[] pair = startTwoNodes();
    Node nodeA = pair[0];
    Node nodeB = pair[1];
    int a = nodeA.config().port;
    int b = nodeB.config().port;
    String members = "127.0.0.1:" + a + ",127.0.0.1:" + b;
    Properties p = new Properties();
    p.setProperty(PropertyKeyConst.SERVER_ADDR, members);
    p.setProperty(PropertyKeyConst.NAMING_LOAD_CACHE_AT_START, "false");
    NamingService provider = NacosFactory.createNamingService(p);
    clients.add(provider);
    provider.registerInstance("moving", "DEFAULT_GROUP", instance("10.0.3.1", 7000, "DEFAULT"));
    until(10, "listed on both nodes", () -> uncheckedListed(a, "moving").size() == 1
        && uncheckedListed(b, "moving").size() == 1);
    Node holder = nodeA.grpcConnections().size() == 1 ? nodeA : nodeB;
    Node survivor = holder == nodeA ? nodeB : nodeA;
    int survivorPort = survivor.config().port;

    // the survivor's list, read without pause while the holder stops and the client moves
    List<String> gaps = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (watching.get()) {
        List<String> now = uncheckedListed(survivorPort, "moving");
        if (!now.equals(List.of("10.0.3.1:7000"))) {
          gaps.add(now.toString());
        }
      }
    });
    watcher.start();
    holder.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    until(30, "the client registered again through the survivor, which now holds its instance", () -> {
      var reg = survivor.store().find(new dev.distro.registry.model.ServiceKey("public", "DEFAULT_GROUP", "moving"),
          "10.0.3.1#7000#DEFAULT");
      return reg != null && survivor.cluster().self().equals(reg.instance().holderNode());
    });
    watching.set(false);
    watcher.join();
    assertEquals(List.of(), gaps, "what the survivor listed while the client moved");
    assertTrue(holder.grpcConnections().resetsSent.sum() >= 1, "the stopping node asked its client to move");
  }

  @Test
  void withAuthOn_theTokenFromTheLoginIsChecked() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "app nacos2-writer-token-0123456789 public:rw\n"
        + "viewer nacos2-reader-token-0123456789 public:r\n");
    int port = freePortPair();
    start(Map.of("port", String.valueOf(port), "auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    NamingService writer = client(port, "app", "nacos2-writer-token-0123456789");
    writer.registerInstance("orders", "DEFAULT_GROUP", instance("10.0.0.5", 8080, "DEFAULT"));
    until(10, "the writer's registration is in", () -> {
      try {
        return !writer.getAllInstances("orders", false).isEmpty();
      } catch (NacosException e) {
        return false;
      }
    });

    NamingService viewer = client(port, "viewer", "nacos2-reader-token-0123456789");
    assertEquals("10.0.0.5:8080", ipPorts(viewer.getAllInstances("orders", false)));
    NacosException e = assertThrows(NacosException.class, () -> viewer.registerInstance("orders", "DEFAULT_GROUP",
        instance("10.0.0.6", 8080, "DEFAULT")));
    assertEquals(403, e.getErrCode(), e.getErrMsg());
  }

  @Test
  void withClientTls_aClientTrustingTheCertificateIsServed_andAPlaintextOrDistrustingClientIsNot() throws Exception {
    TestCerts certs = TestCerts.create(dir);
    int port = freePortPair();
    Node node = start(Map.of("port", String.valueOf(port), "client-tls", "true",
        "tls-cert-file", certs.cert.toString(), "tls-key-file", certs.key.toString()));
    Properties trusting = new Properties();
    trusting.setProperty("nacos.remote.client.rpc.tls.enable", "true");
    // the client trusts every server unless told not to
    trusting.setProperty("nacos.remote.client.rpc.tls.trustAll", "false");
    // a resource location: a bare path is looked up on the class path
    trusting.setProperty("nacos.remote.client.rpc.tls.trustCollectionChainPath", "file:" + certs.cert);
    NamingService provider = client(port, trusting);
    provider.registerInstance("secure", "DEFAULT_GROUP", instance("10.0.5.1", 443, "DEFAULT"));
    NamingService consumer = client(port, trusting);
    List<String> seen = new CopyOnWriteArrayList<>();
    consumer.subscribe("secure", event -> seen.add(ipPorts(((NamingEvent) event).getInstances())));
    until(10, "a subscriber over TLS hears of the instance registered over TLS", () -> seen.contains("10.0.5.1:443"));
    assertEquals(2, node.grpcConnections().size(), "two connections over TLS");

    NamingService plain = client(port);
    NacosException e = assertThrows(NacosException.class, () -> plain.registerInstance("secure", "DEFAULT_GROUP",
        instance("10.0.5.2", 443, "DEFAULT")));
    assertTrue(String.valueOf(e.getErrMsg()).contains("not connected"), "a plaintext client: " + e);
    Properties distrusting = new Properties();
    distrusting.setProperty("nacos.remote.client.rpc.tls.enable", "true");
    distrusting.setProperty("nacos.remote.client.rpc.tls.trustAll", "false");
    Path other = Files.createDirectories(dir.resolve("other"));
    distrusting.setProperty("nacos.remote.client.rpc.tls.trustCollectionChainPath",
        "file:" + TestCerts.create(other).cert);
    NamingService stranger = client(port, distrusting);
    e = assertThrows(NacosException.class, () -> stranger.registerInstance("secure", "DEFAULT_GROUP",
        instance("10.0.5.3", 443, "DEFAULT")));
    assertTrue(String.valueOf(e.getErrMsg()).contains("not connected"),
        "a client that does not trust the certificate: " + e);
    assertEquals("10.0.5.1:443", ipPorts(consumer.getAllInstances("secure", false)), "neither got in");
    assertEquals(2, node.grpcConnections().size(), "neither holds a connection");
  }

  List<String> uncheckedListed(int port, String service) {
    try {
      return listed(port, service);
    } catch (Exception e) {
      return List.of("unreadable: " + e);
    }
  }
}

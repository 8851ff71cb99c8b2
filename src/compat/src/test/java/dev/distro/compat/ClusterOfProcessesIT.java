package dev.distro.compat;

import static dev.distro.compat.GrpcHandshakeTest.freePortPairs;
import static dev.distro.compat.GrpcHandshakeTest.until;
import static dev.distro.compat.NamingOverGrpcTest.instance;
import static dev.distro.compat.NamingOverGrpcTest.ipPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alibaba.nacos.api.NacosFactory;
import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unmodified client (2.5.1, or 3.1.0 in src/compat3) against three real node processes
 * (target/distro-node.jar): a registration made over one node's connections is pushed to
 * subscribers on the others, a 1.x registration over HTTP reaches 2.x subscribers, and after a
 * SIGKILL of the node holding the most connections its clients move to the survivors, register
 * again there, and their instances stay listed on the survivors throughout, also after the dead
 * node's copies would have been evicted. Batch registration, queries, the service list and a
 * client's shutDown through other nodes than the one it used; with auth on, a writer's
 * registration is seen by a viewer on another node, who may not write.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterOfProcessesIT {

  static final String SECRET = "compat-process-secret-0123456789";
  /** Short, so that the test also sees the dead holder's copies evicted and the moved ones kept. */
  static final long HOLDER_GRACE_MS = 8_000;
  static final int PROVIDERS = 6;

  @TempDir
  Path dir;
  final List<Process> processes = new ArrayList<>();
  final List<NamingService> clients = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  int[] ports;
  /** With auth on: the token the test's own HTTP reads carry. */
  String token;

  @AfterEach
  void stop() {
    for (NamingService c : clients) {
      try {
        c.shutDown();
      } catch (Exception ignored) {
        // already shut down by the test
      }
    }
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void pushesCrossNodes_andAfterASigkillTheClientsMove_withTheirInstancesListedThroughout() throws Exception {
    startCluster();
    String all = IntStream.of(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));

    // one subscriber per node, each connected to that node only
    List<List<String>> seen = new ArrayList<>();
    List<List<Long>> seenAt = new ArrayList<>();
    List<NamingService> onNode = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> events = new CopyOnWriteArrayList<>();
      List<Long> at = new CopyOnWriteArrayList<>();
      seen.add(events);
      seenAt.add(at);
      NamingService subscriber = client("127.0.0.1:" + ports[i]);
      onNode.add(subscriber);
      subscriber.subscribe("moving", e -> {
        at.add(System.nanoTime());
        events.add(ipPorts(((NamingEvent) e).getInstances()));
      });
    }

    // providers that may connect to any node, as an application configured with the three does
    List<String> want = new ArrayList<>();
    for (int k = 1; k <= PROVIDERS; k++) {
      client(all).registerInstance("moving", "DEFAULT_GROUP", instance("10.0.7." + k, 8000, "DEFAULT"));
      want.add("10.0.7." + k + ":8000");
    }
    want.sort(null);
    String everyone = String.join(",", want);
    for (int i = 0; i < 3; i++) {
      int n = i;
      until(20, "node " + n + " lists every provider", () -> uncheckedListed(ports[n], "moving").equals(want));
      until(20, "node " + n + "'s subscriber hears of every provider", () -> seen.get(n).contains(everyone));
    }

    // a change made on node 0: by a 2.x client connected there, then by a 1.x client over HTTP
    NamingService onFirst = client("127.0.0.1:" + ports[0]);
    long t0 = System.nanoTime();
    onFirst.registerInstance("moving", "DEFAULT_GROUP", instance("10.0.7.100", 8000, "DEFAULT"));
    String withGrpc = sortedJoin(want, "10.0.7.100:8000");
    List<Long> grpcLatency = new ArrayList<>();
    for (int i = 1; i < 3; i++) {
      int n = i;
      until(10, "node " + n + "'s subscriber hears of a registration on node 0", () -> seen.get(n).contains(withGrpc));
      grpcLatency.add(TimeUnit.NANOSECONDS.toMillis(seenAt.get(n).get(seen.get(n).indexOf(withGrpc)) - t0));
    }
    long t1 = System.nanoTime();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0]
        + "/nacos/v1/ns/instance?serviceName=moving&ip=10.0.7.200&port=8000&ephemeral=true"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String withHttp = sortedJoin(want, "10.0.7.100:8000", "10.0.7.200:8000");
    List<Long> httpLatency = new ArrayList<>();
    for (int i = 1; i < 3; i++) {
      int n = i;
      until(10, "node " + n + "'s 2.x subscriber hears of a 1.x registration on node 0",
          () -> seen.get(n).contains(withHttp));
      httpLatency.add(TimeUnit.NANOSECONDS.toMillis(seenAt.get(n).get(seen.get(n).indexOf(withHttp)) - t1));
    }
    System.out.println("[compat] from a registration on node 0 to the push on nodes 1 and 2: over gRPC "
        + grpcLatency + " ms, over HTTP (1.x) " + httpLatency + " ms");
    // batch register and deregister, query and service list, each through another node
    onFirst.batchRegisterInstance("batch3", "DEFAULT_GROUP",
        List.of(instance("10.0.8.1", 1, "A"), instance("10.0.8.2", 2, "B")));
    until(10, "node 2 answers a query with the batch registered on node 0",
        () -> "10.0.8.1:1,10.0.8.2:2".equals(query(onNode.get(2), "batch3")));
    assertEquals("10.0.8.2:2", ipPorts(onNode.get(1).selectInstances("batch3", List.of("B"), true, false)),
        "a cluster-filtered query on node 1");
    List<String> services = onNode.get(1).getServicesOfServer(1, 10).getData();
    assertTrue(services.containsAll(List.of("batch3", "moving")), "node 1's service list: " + services);
    onFirst.batchDeregisterInstance("batch3", "DEFAULT_GROUP", List.of(instance("10.0.8.1", 1, "A")));
    until(10, "node 2 answers the batch's remainder", () -> "10.0.8.2:2".equals(query(onNode.get(2), "batch3")));
    // Neither may stay through the kill: the 1.x instance would expire without beats, and the
    // single-node client cannot move. Its shutDown removes what it held on every node.
    onFirst.shutDown();
    for (int i = 0; i < 3; i++) {
      int n = i;
      until(10, "node " + n + " no longer lists the batch of the client that shut down",
          () -> uncheckedListed(ports[n], "batch3").isEmpty());
    }
    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0]
        + "/nacos/v1/ns/instance?serviceName=moving&ip=10.0.7.200&port=8000&ephemeral=true"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    for (int i = 0; i < 3; i++) {
      int n = i;
      until(10, "node " + n + " back to the providers", () -> uncheckedListed(ports[n], "moving").equals(want));
    }

    // SIGKILL the node holding the most connections; the survivors' lists read without pause
    int victim = 0;
    for (int i = 1; i < 3; i++) {
      if (connections(ports[i]) > connections(ports[victim])) {
        victim = i;
      }
    }
    int moving = (int) connections(ports[victim]) - 1;
    assertTrue(moving >= 1, "the victim holds at least one provider");
    List<Integer> survivors = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != victim) {
        survivors.add(i);
      }
    }
    int[] eventsBefore = {seen.get(survivors.get(0)).size(), seen.get(survivors.get(1)).size()};
    // Watched past the holder grace: a copy still held by the dead node would be gone by then.
    List<String> gaps = new CopyOnWriteArrayList<>();
    long killedAt = System.nanoTime();
    long watchUntil = killedAt + TimeUnit.MILLISECONDS.toNanos(HOLDER_GRACE_MS + 3_000);
    List<Thread> watchers = new ArrayList<>();
    for (int s : survivors) {
      Thread t = new Thread(() -> {
        while (System.nanoTime() < watchUntil) {
          List<String> now = uncheckedListed(ports[s], "moving");
          if (!now.equals(want)) {
            gaps.add("node " + s + ": " + now);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      });
      t.start();
      watchers.add(t);
    }
    Process p = processes.get(victim);
    p.destroyForcibly();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the victim died");
    until(30, "the victim's " + moving + " providers connected to the survivors",
        () -> connections(ports[survivors.get(0)]) + connections(ports[survivors.get(1)]) == PROVIDERS + 2);
    long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    for (Thread t : watchers) {
      t.join();
    }
    System.out.println("[compat] " + moving + " providers moved off the SIGKILLed node within " + movedMs + " ms");
    assertEquals(List.of(), gaps.stream().limit(10).toList(), "what the survivors listed while the clients moved");
    for (int k = 0; k < 2; k++) {
      int s = survivors.get(k);
      List<String> after = seen.get(s).subList(eventsBefore[k], seen.get(s).size());
      assertTrue(after.stream().allMatch(everyone::equals), "pushes on node " + s + " during the move: " + after);
      assertEquals(want, listed(ports[s], "moving"), "node " + s + " after the grace");
    }
  }

  /** What a query through {@code client} answers for {@code service}, as {@link NamingOverGrpcTest#ipPorts}. */
  static String query(NamingService client, String service) {
    try {
      return ipPorts(client.getAllInstances(service, false));
    } catch (NacosException e) {
      return "failed: " + e;
    }
  }

  /** As {@link NamingOverGrpcTest#ipPorts} writes a list: sorted, comma-separated. */
  static String sortedJoin(List<String> some, String... more) {
    List<String> all = new ArrayList<>(some);
    all.addAll(List.of(more));
    all.sort(null);
    return String.join(",", all);
  }

  @Test
  void withAuthOn_aWritersRegistrationIsSeenByAViewerOnAnotherNode_whoCannotWrite() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "app cluster-writer-token-0123456789 public:rw\n"
        + "viewer cluster-reader-token-0123456789 public:r\n");
    token = "cluster-reader-token-0123456789";
    startCluster("--auth-enabled=true", "--auth-tokens-file=" + tokens);
    NamingService writer = client("127.0.0.1:" + ports[0], "app", "cluster-writer-token-0123456789");
    writer.registerInstance("secured", "DEFAULT_GROUP", instance("10.0.9.1", 80, "DEFAULT"));
    NamingService viewer = client("127.0.0.1:" + ports[2], "viewer", "cluster-reader-token-0123456789");
    until(10, "a viewer on node 2 sees the writer's registration on node 0",
        () -> "10.0.9.1:80".equals(query(viewer, "secured")));
    NacosException refused = assertThrows(NacosException.class, () -> viewer.registerInstance("secured",
        "DEFAULT_GROUP", instance("10.0.9.2", 80, "DEFAULT")));
    assertEquals(403, refused.getErrCode(), refused.getErrMsg());
    NamingService anonymous = client("127.0.0.1:" + ports[1]);
    refused = assertThrows(NacosException.class, () -> anonymous.registerInstance("secured", "DEFAULT_GROUP",
        instance("10.0.9.3", 80, "DEFAULT")));
    assertEquals(403, refused.getErrCode(), refused.getErrMsg());
    for (int i = 0; i < 3; i++) {
      assertEquals(List.of("10.0.9.1:80"), listed(ports[i], "secured"), "node " + i + " lists the writer's only");
    }
  }

  void startCluster(String... extra) throws Exception {
    Path jar = Path.of(System.getProperty("distro.jar", "../../target/distro-node.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException("no node jar at " + jar.toAbsolutePath() + ": build src/node first (mvn package)");
    }
    ports = freePortPairs(3);
    String members = IntStream.of(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    for (int i = 0; i < 3; i++) {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--port=" + ports[i],
          "--host=127.0.0.1", "--bind=127.0.0.1", "--members=" + members, "--ping-interval-ms=200",
          "--verify-interval-ms=500", "--batch-window-ms=20", "--http-instances=1",
          "--holder-grace-ms=" + HOLDER_GRACE_MS));
      command.addAll(List.of(extra));
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(dir.resolve("node" + i + ".log").toFile());
      pb.environment().put("DISTRO_CLUSTER_SECRET", SECRET);
      processes.add(pb.start());
    }
    for (int i = 0; i < 3; i++) {
      int n = i;
      until(60, "node " + n + " ready, with 3 members UP", () -> {
        String servers = get(ports[n], "/nacos/v1/ns/operator/servers");
        return servers.split("\"state\":\"UP\"").length == 4 && get(ports[n], "/health/ready").contains("\"UP\"");
      });
    }
  }

  NamingService client(String servers, String... userAndPassword) throws NacosException {
    Properties p = new Properties();
    p.setProperty(PropertyKeyConst.SERVER_ADDR, servers);
    if (userAndPassword.length == 2) {
      p.setProperty(PropertyKeyConst.USERNAME, userAndPassword[0]);
      p.setProperty(PropertyKeyConst.PASSWORD, userAndPassword[1]);
    }
    p.setProperty(PropertyKeyConst.NAMING_LOAD_CACHE_AT_START, "false");
    NamingService naming = NacosFactory.createNamingService(p);
    clients.add(naming);
    return naming;
  }

  /** The node's gRPC connections (its {@code distro_grpc_connections} gauge); -1 when unreadable. */
  long connections(int port) {
    for (String line : get(port, "/metrics").split("\n")) {
      if (line.startsWith("distro_grpc_connections ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    return -1;
  }

  String get(int port, String path) {
    try {
      String withToken = token == null ? path : path + (path.contains("?") ? "&" : "?") + "accessToken=" + token;
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + withToken))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return "unreadable: " + e;
    }
  }

  List<String> listed(int port, String service) throws Exception {
    String body = get(port, "/nacos/v1/ns/instance/list?serviceName=" + service);
    List<String> out = new ArrayList<>();
    new ObjectMapper().readTree(body).path("hosts")
        .forEach(h -> out.add(h.path("ip").asText() + ":" + h.path("port").asInt()));
    out.sort(null);
    return out;
  }

  List<String> uncheckedListed(int port, String service) {
    try {
      return listed(port, service);
    } catch (Exception e) {
      return List.of("unreadable: " + e);
    }
  }
}

package dev.distro.registry.fault;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Reads every service's list from every node about once a second and checks each answer against
 * the ground truth of both populations (1.x and gRPC clients): a node listing no instance of a
 * service that has had live ones for 10 s (an empty answer), a retired instance listed again on a
 * node that had already dropped it (a resurrection), and how many live instances a node misses or
 * shows unhealthy (degraded). A crashed gRPC client's instance is in neither set until the first
 * round in which every node answered and none listed it (then it is gone, and counts as a retired
 * one). A node that does not answer (stopped, restarting, 503 while loading) is skipped for that
 * round.
 */
final class Observer implements AutoCloseable {

  static final long SETTLED_MS = 10_000;

  /** One round: for each node, service → (ip:port key → healthy), or null when it did not answer. */
  record Sample(long at, List<NodeView> nodes) {
    boolean allAnswered() {
      return nodes.stream().allMatch(n -> n != null);
    }
  }

  /** One node's answers: instance key (service|ip:port) → healthy, and how many instances each service listed. */
  record NodeView(Map<String, Boolean> hosts, Map<String, Integer> perService) { }

  /** Figures kept for the fault in progress. */
  static final class Phase {
    final Set<String> empty = ConcurrentHashMap.newKeySet();
    final Set<String> resurrected = ConcurrentHashMap.newKeySet();
    final List<String> examples = new CopyOnWriteArrayList<>();
    volatile int maxDegraded;
    volatile String worstDegraded = "";
    volatile long emptyAnswers;
    final long started = System.currentTimeMillis();
  }

  private final Vertx vertx;
  private final FaultNodes nodes;
  private final Population population;
  private final GrpcPopulation grpc;
  private final WebClient web;
  private final Thread thread;
  private final Watchers watchers;
  private final Set<String> absentSeen = ConcurrentHashMap.newKeySet();
  private volatile Phase phase = new Phase();
  private volatile Sample latest;
  private volatile boolean running = true;

  Observer(Vertx vertx, FaultNodes nodes, Population population, GrpcPopulation grpc, Watchers watchers) {
    this.watchers = watchers;
    this.vertx = vertx;
    this.nodes = nodes;
    this.population = population;
    this.grpc = grpc;
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(1_000),
        new PoolOptions().setHttp1MaxSize(16));
    this.thread = new Thread(this::loop, "fault-observer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts counting for a new fault; returns the figures of the one before. */
  Phase newPhase() {
    Phase old = phase;
    phase = new Phase();
    return old;
  }

  Sample latest() {
    return latest;
  }

  private void loop() {
    while (running) {
      long start = System.currentTimeMillis();
      try {
        Sample s = sample();
        noteGone(s);
        check(s, phase);
        latest = s;
      } catch (RuntimeException e) {
        System.out.println("[faults] observer round failed: " + e);
      }
      long rest = 1_000 - (System.currentTimeMillis() - start);
      if (rest > 0 && running) {
        FaultNodes.pace(rest);
      }
    }
  }

  /** Reads every list on every node (in parallel) and waits for the answers. */
  Sample sample() {
    long at = System.currentTimeMillis();
    List<String> services = population.serviceNames();
    List<Future<NodeView>> perNode = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      List<Future<JsonArray>> lists = new ArrayList<>();
      for (String svc : services) {
        lists.add(web.getAbs(nodes.url(i) + "/nacos/v1/ns/instance/list?serviceName=" + svc).send()
            .timeout(3, TimeUnit.SECONDS)
            .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject().getJsonArray("hosts"))
                : Future.failedFuture("status " + r.statusCode())));
      }
      perNode.add(Future.all(lists).map(all -> {
        Map<String, Boolean> hosts = new HashMap<>();
        Map<String, Integer> perService = new HashMap<>();
        for (int k = 0; k < services.size(); k++) {
          JsonArray arr = all.resultAt(k);
          perService.put(services.get(k), arr.size());
          for (int h = 0; h < arr.size(); h++) {
            JsonObject o = arr.getJsonObject(h);
            hosts.put(services.get(k) + "|" + o.getString("ip") + ":" + o.getInteger("port"),
                o.getBoolean("healthy"));
          }
        }
        return new NodeView(hosts, perService);
      }).otherwise((NodeView) null));
    }
    List<NodeView> out = new ArrayList<>();
    for (Future<NodeView> f : perNode) {
      try {
        out.add(f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
      } catch (Exception e) {
        out.add(null);
      }
    }
    return new Sample(at, out);
  }

  /** Every client of both populations. */
  private List<Population.Client> truth() {
    List<Population.Client> all = new ArrayList<>(population.clients);
    all.addAll(grpc.clients);
    return all;
  }

  /**
   * Marks each crashed gRPC client whose instance no node lists in {@code s} as gone: every node
   * answered, but one whose process is not running (killed, kept down).
   */
  synchronized void noteGone(Sample s) {
    for (int i = 0; i < s.nodes.size(); i++) {
      if (s.nodes.get(i) == null && nodes.running(i)) {
        return;
      }
    }
    for (GrpcPopulation.Client c : grpc.clients) {
      if (c.crashed && c.crashedAt > 0 && c.crashedAt < s.at && c.goneAt == 0
          && s.nodes.stream().noneMatch(n -> n != null && n.hosts().containsKey(c.key()))) {
        c.goneAt = s.at;
      }
    }
  }

  private void check(Sample s, Phase p) {
    List<Population.Client> truth = truth();
    Map<String, Integer> liveSettled = new HashMap<>();
    for (Population.Client c : truth) {
      if (c.live() && c.liveSince < s.at - SETTLED_MS) {
        liveSettled.merge(c.service, 1, Integer::sum);
      }
    }
    for (int i = 0; i < s.nodes.size(); i++) {
      NodeView view = s.nodes.get(i);
      if (view == null) {
        continue;
      }
      Map<String, Boolean> hosts = view.hosts();
      for (Map.Entry<String, Integer> e : liveSettled.entrySet()) {
        if (view.perService().getOrDefault(e.getKey(), 0) == 0) {
          p.emptyAnswers++;
          p.empty.add("node " + (i + 1) + " listed no instance of " + e.getKey() + " (" + e.getValue()
              + " live) at " + s.at);
        }
      }
      int degraded = 0;
      List<String> examples = new ArrayList<>();
      for (Population.Client c : truth) {
        String key = c.key();
        String seen = i + "/" + key;
        long gone = c.goneSince();
        if (gone > 0 && gone < s.at) {
          if (!hosts.containsKey(key)) {
            absentSeen.add(seen);
          } else if (absentSeen.contains(seen)) {
            if (p.resurrected.add(key)) {
              p.examples.add("resurrected " + key + " on node " + (i + 1) + " at +" + (s.at - p.started) + " ms"
                  + " (gone at +" + (gone - p.started) + " ms; watch events: "
                  + watchers.watchers.get(i).history.get(key) + ")");
            }
          }
        } else if (c.live() && c.liveSince < s.at - SETTLED_MS && !Boolean.TRUE.equals(hosts.get(key))) {
          degraded++;
          if (examples.size() < 5) {
            examples.add(key + (hosts.containsKey(key) ? " unhealthy" : " missing"));
          }
        }
      }
      if (degraded > p.maxDegraded) {
        p.maxDegraded = degraded;
        p.worstDegraded = "node " + (i + 1) + " at +" + (s.at - p.started) + " ms, e.g. " + examples;
      }
    }
  }

  /**
   * Differences between a sample and the ground truth: live instances (acknowledged before the
   * sample) missing or unhealthy on some node, retired ones (deregistration acknowledged before)
   * and crashed gRPC clients' ones seen gone before still listed. Empty when the sample is converged.
   */
  List<String> differences(Sample s) {
    List<String> out = new ArrayList<>();
    List<Population.Client> truth = truth();
    for (int i = 0; i < s.nodes.size(); i++) {
      NodeView view = s.nodes.get(i);
      if (view == null) {
        out.add("node " + (i + 1) + " did not answer");
        continue;
      }
      Map<String, Boolean> hosts = view.hosts();
      for (Population.Client c : truth) {
        long gone = c.goneSince();
        if (c.live() && c.liveSince < s.at && !Boolean.TRUE.equals(hosts.get(c.key()))) {
          out.add("live " + c.key() + (hosts.containsKey(c.key()) ? " unhealthy" : " missing") + " on node " + (i + 1));
        } else if (gone > 0 && gone < s.at && hosts.containsKey(c.key())) {
          out.add((c.retired ? "retired " : "crashed ") + c.key() + " still listed on node " + (i + 1));
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    web.close();
  }
}

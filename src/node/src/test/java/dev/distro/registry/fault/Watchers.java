package dev.distro.registry.fault;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One watch client per node, subscribed to everything, keeping a mirror of the registry from the
 * frames (snapshot, events, service frames) as docs/WATCH.md says a client should. It reconnects
 * with a resume point when its connection drops. Within one node process lifetime (one epoch) an
 * event whose revision is not above the last one seen is a duplicate; a gap shows as a mirror that
 * differs from the node's own lists once the cluster has converged.
 */
final class Watchers implements AutoCloseable {

  /** The watcher of one node. */
  final class Watcher {
    final int node;
    final Map<String, Boolean> mirror = new ConcurrentHashMap<>();
    /** The last few events of each instance, for explaining a finding. */
    final Map<String, Deque<String>> history = new ConcurrentHashMap<>();
    volatile String epoch;
    volatile long lastRevision;
    volatile WebSocket ws;

    Watcher(int node) {
      this.node = node;
    }

    void connect() {
      if (closed) {
        return;
      }
      URI u = URI.create(nodes.url(node));
      client.connect(new WebSocketConnectOptions().setHost(u.getHost()).setPort(u.getPort())
          .setURI("/nacos/v1/ns/watch").setTimeout(3_000)).onComplete(ar -> {
            if (ar.failed()) {
              retry();
              return;
            }
            ws = ar.result();
            ws.textMessageHandler(this::frame);
            ws.closeHandler(v -> {
              reconnects.incrementAndGet();
              retry();
            });
          });
    }

    private void retry() {
      if (!closed) {
        vertx.setTimer(500, t -> connect());
      }
    }

    private void frame(String text) {
      JsonObject f = new JsonObject(text);
      switch (f.getString("type", "")) {
        case "hello" -> {
          JsonObject sub = new JsonObject().put("op", "subscribe").put("id", "all");
          if (epoch != null && epoch.equals(f.getString("epoch"))) {
            sub.put("resume", new JsonObject().put("epoch", epoch).put("revision", lastRevision));
          } else {
            epoch = f.getString("epoch");
            lastRevision = 0;
            mirror.clear();
          }
          ws.writeTextMessage(sub.encode());
        }
        case "reset" -> {
          resets.incrementAndGet();
          mirror.clear();
        }
        case "resumed" -> resumes.incrementAndGet();
        case "snapshot" -> {
          JsonArray list = f.getJsonArray("instances");
          for (int k = 0; k < list.size(); k++) {
            JsonObject i = list.getJsonObject(k);
            mirror.put(key(i), i.getBoolean("healthy"));
          }
          lastRevision = Math.max(lastRevision, f.getLong("revision"));
        }
        case "event" -> {
          events.incrementAndGet();
          long rev = f.getLong("revision");
          if (rev <= lastRevision) {
            duplicates.incrementAndGet();
            problems.add("node " + (node + 1) + ": event revision " + rev + " after " + lastRevision);
          }
          lastRevision = Math.max(lastRevision, rev);
          JsonObject i = f.getJsonObject("instance");
          Deque<String> h = history.computeIfAbsent(key(i), k -> new ConcurrentLinkedDeque<>());
          h.add(System.currentTimeMillis() % 100_000 + " rev " + rev + " " + f.getString("kind") + "/"
              + f.getString("reason") + " v" + i.getLong("version") + " healthy=" + i.getBoolean("healthy"));
          while (h.size() > 6) {
            h.poll();
          }
          if ("deleted".equals(f.getString("kind"))) {
            mirror.remove(key(i));
          } else {
            mirror.put(key(i), i.getBoolean("healthy"));
          }
        }
        case "service" -> {
          String prefix = f.getString("service") + "|";
          mirror.keySet().removeIf(k -> k.startsWith(prefix));
          JsonArray list = f.getJsonArray("instances");
          for (int k = 0; k < list.size(); k++) {
            JsonObject i = list.getJsonObject(k);
            mirror.put(key(i), i.getBoolean("healthy"));
          }
        }
        case "bookmark" -> lastRevision = Math.max(lastRevision, f.getLong("revision"));
        default -> { }
      }
    }

    private static String key(JsonObject i) {
      return i.getString("service") + "|" + i.getString("ip") + ":" + i.getInteger("port");
    }

    /** How this mirror differs from what the node lists. */
    List<String> differences(Observer.NodeView view) {
      List<String> out = new ArrayList<>();
      for (Map.Entry<String, Boolean> e : view.hosts().entrySet()) {
        Boolean m = mirror.get(e.getKey());
        if (!e.getValue().equals(m)) {
          out.add("watcher of node " + (node + 1) + ": " + e.getKey() + (m == null ? " missing" : " healthy=" + m));
        }
      }
      for (String k : mirror.keySet()) {
        if (!view.hosts().containsKey(k)) {
          out.add("watcher of node " + (node + 1) + ": " + k + " not listed by the node");
        }
      }
      return out;
    }
  }

  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong events = new AtomicLong();
  final AtomicLong reconnects = new AtomicLong();
  final AtomicLong resets = new AtomicLong();
  final AtomicLong resumes = new AtomicLong();
  final List<String> problems = new CopyOnWriteArrayList<>();
  final List<Watcher> watchers = new ArrayList<>();

  private final Vertx vertx;
  private final FaultNodes nodes;
  private final WebSocketClient client;
  private volatile boolean closed;

  Watchers(Vertx vertx, FaultNodes nodes) {
    this.vertx = vertx;
    this.nodes = nodes;
    this.client = vertx.createWebSocketClient();
    for (int i = 0; i < nodes.size(); i++) {
      Watcher w = new Watcher(i);
      watchers.add(w);
      vertx.runOnContext(v -> w.connect());
    }
  }

  @Override
  public void close() {
    closed = true;
    client.close();
  }
}

package dev.distro.registry.fault;

import dev.distro.registry.grpc.Frames;
import dev.distro.registry.grpc.Payload;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated Nacos 2.x clients, each with one HTTP/2 connection (h2c, prior knowledge) to the gRPC
 * port of one node, doing what nacos-client 2.5 does (docs: the Nacos gRPC reference, sections 2
 * and 4): {@code ServerCheckRequest}, the bi-stream with {@code ConnectionSetupRequest} and the
 * wait for {@code SetupAckRequest}, then its one instance registered with {@code InstanceRequest};
 * a {@code HealthCheckRequest} after 5 s without a success (4 attempts of 3 s, then another node);
 * answers to {@code ClientDetectionRequest} and {@code ConnectResetRequest} (after which it moves
 * to the next node); on a lost connection, a failed check or a refused server check, the next node
 * in turn, rounds apart by 100 ms × round (at most 5 s), and on the new connection the
 * registration again (redo, every 3 s until acknowledged). Ephemeral: no beats. Retired: it
 * deregisters, and closes once that is acknowledged. Crashed: it stops at once and never comes back
 * (an app on the host of a node killed with it).
 *
 * <p>Part of the suite's ground truth next to the 1.x {@link Population}; every client is handled
 * on one event loop of its own.
 */
final class GrpcPopulation implements AutoCloseable {

  static final String UNARY = "/Request/request";
  static final String BI_STREAM = "/BiRequestStream/requestBiStream";
  static final long CALL_TIMEOUT_MS = 3_000;
  static final long IDLE_CHECK_MS = 5_000;
  static final int HEALTH_ATTEMPTS = 4;
  static final long SETUP_ACK_TIMEOUT_MS = 5_000;
  static final long REDO_MS = 3_000;
  static final int MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

  /** One simulated 2.x client and its instance. */
  static final class Client extends Population.Client {
    /** The node of the current connection, -1 while there is none. */
    volatile int node = -1;
    /** Set when it stopped with its node (never reconnects); then when that happened. */
    volatile boolean crashed;
    volatile long crashedAt;
    /** When the suite first saw its instance on no node's list after the crash (0: not yet). */
    volatile long goneAt;

    // ---- the client's own event loop only ----
    HttpClientConnection conn;
    boolean connecting;
    /** Whether the registration (or, retired, the deregistration) was acknowledged on {@link #conn}. */
    boolean doneHere;
    boolean checking;
    long lastActive;
    long healthTimer = -1;
    final Promise<Void> registered = Promise.promise();
    Promise<Void> deregistered;

    Client(String service, String ip) {
      super(service, ip);
    }

    @Override
    boolean live() {
      return super.live() && !crashed;
    }

    @Override
    long goneSince() {
      return crashed ? goneAt : super.goneSince();
    }
  }

  final List<Client> clients = new CopyOnWriteArrayList<>();
  final AtomicLong connects = new AtomicLong();
  final AtomicLong connectFailures = new AtomicLong();
  final AtomicLong losses = new AtomicLong();
  final AtomicLong resetsAnswered = new AtomicLong();
  final AtomicLong detectionsAnswered = new AtomicLong();
  final AtomicLong healthFailures = new AtomicLong();
  final AtomicLong redos = new AtomicLong();

  private final Vertx vertx;
  private final FaultNodes nodes;
  private final int services;
  private final HttpClientAgent agent;
  private final Context context;
  private volatile boolean closed;
  private int next;

  GrpcPopulation(Vertx vertx, FaultNodes nodes, int services) {
    this.vertx = vertx;
    this.nodes = nodes;
    this.services = services;
    this.agent = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    // called from the harness thread: a context of its own, on one event loop
    this.context = vertx.getOrCreateContext();
  }

  /** Starts {@code count} new clients; completes when every first registration was acknowledged. */
  Future<Void> add(int count) {
    return onContext(() -> {
      List<Future<Void>> all = new ArrayList<>();
      for (int k = 0; k < count; k++) {
        int id = next++;
        Client c = new Client(Population.serviceName(id % services), "10.201." + (id / 250) + "." + (id % 250 + 1));
        clients.add(c);
        c.healthTimer = vertx.setPeriodic(ThreadLocalRandom.current().nextLong(1, IDLE_CHECK_MS), IDLE_CHECK_MS,
            t -> healthTick(c));
        connect(c, ThreadLocalRandom.current().nextInt(nodes.size()));
        all.add(c.registered.future());
      }
      return Future.all(all).mapEmpty();
    });
  }

  /** Retires {@code count} random live clients: each deregisters, then closes its connection. */
  Future<Void> retire(int count) {
    return onContext(() -> {
      List<Client> live = new ArrayList<>(clients.stream().filter(c -> c.live() && c.doneHere && !c.connecting)
          .toList());
      List<Future<Void>> all = new ArrayList<>();
      for (int k = 0; k < count && !live.isEmpty(); k++) {
        Client c = live.remove(ThreadLocalRandom.current().nextInt(live.size()));
        c.retired = true;
        c.doneHere = false;
        c.deregistered = Promise.promise();
        all.add(c.deregistered.future());
        redo(c);
      }
      return Future.all(all).mapEmpty();
    });
  }

  /**
   * Picks up to {@code count} live clients whose registration node {@code node} holds and stops
   * them: they do nothing more. Call {@link #crashed} once the node is gone.
   */
  Future<List<Client>> crashWith(int node, int count) {
    return onContext(() -> {
      List<Client> on = new ArrayList<>(clients.stream().filter(c -> c.live() && c.node == node && c.doneHere
          && !c.connecting).toList());
      List<Client> out = new ArrayList<>();
      while (out.size() < count && !on.isEmpty()) {
        Client c = on.remove(ThreadLocalRandom.current().nextInt(on.size()));
        c.crashed = true;
        vertx.cancelTimer(c.healthTimer);
        out.add(c);
      }
      return Future.succeededFuture(out);
    });
  }

  /** The crash of {@code crashed} happened at {@code at}: their sockets go without a word. */
  Future<Void> crashed(List<Client> crashed, long at) {
    return onContext(() -> {
      for (Client c : crashed) {
        c.crashedAt = at;
        HttpClientConnection conn = c.conn;
        c.conn = null;
        c.node = -1;
        if (conn != null) {
          conn.close();
        }
      }
      return Future.succeededFuture();
    });
  }

  /** How many live clients each node holds now. */
  int[] perNode() {
    int[] out = new int[nodes.size()];
    for (Client c : clients) {
      int n = c.node;
      if (c.live() && n >= 0) {
        out[n]++;
      }
    }
    return out;
  }

  // ---- connecting ----

  private void connect(Client c, int first) {
    if (c.connecting || c.crashed || closed) {
      return;
    }
    c.connecting = true;
    attempt(c, first, 0, 0);
  }

  /** Tries node {@code first + tried}; after every node failed, the next round after a short backoff. */
  private void attempt(Client c, int first, int tried, int round) {
    if (c.crashed || closed) {
      c.connecting = false;
      return;
    }
    if (tried == nodes.size()) {
      vertx.setTimer(Math.min(5_000, 100L * (round + 1)), t -> attempt(c, first, 0, round + 1));
      return;
    }
    int i = (first + tried) % nodes.size();
    open(c, i).onComplete(ar -> {
      if (ar.succeeded()) {
        connected(c, i, ar.result());
      } else {
        connectFailures.incrementAndGet();
        attempt(c, first, tried + 1, round);
      }
    });
  }

  /** A set-up connection to node {@code i}: server check, bi-stream, setup, its ack. */
  private Future<HttpClientConnection> open(Client c, int i) {
    return agent.connect(new HttpConnectOptions().setHost(nodes.host(i)).setPort(nodes.grpcPort(i))
            .setProtocolVersion(HttpVersion.HTTP_2).setConnectTimeout(CALL_TIMEOUT_MS))
        .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(conn -> {
          conn.closeHandler(v -> lost(c, conn, "connection closed"));
          // a reset (the node killed) is seen as the close that follows
          conn.exceptionHandler(e -> { });
          return unary(conn, request("ServerCheckRequest", new JsonObject()))
              .compose(p -> "ServerCheckResponse".equals(p.type()) ? Future.succeededFuture()
                  : Future.failedFuture("server check answered " + p.type() + " " + p.jsonText()))
              .compose(v -> openStream(c, conn))
              .map(conn)
              .onFailure(e -> conn.close());
        });
  }

  private Future<Void> openStream(Client c, HttpClientConnection conn) {
    Promise<Void> acked = Promise.promise();
    return conn.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(BI_STREAM)
            .putHeader("content-type", "application/grpc").putHeader("te", "trailers"))
        .compose(req -> {
          req.exceptionHandler(e -> {
            acked.tryFail(e);
            lost(c, conn, "bi-stream failed: " + e.getMessage());
          });
          req.response().onSuccess(resp -> {
            Frames.Deframer d = new Frames.Deframer(MAX_MESSAGE_BYTES, m -> serverRequest(c, conn, req, m, acked),
                f -> lost(c, conn, "bad frame on the bi-stream: " + f.message()));
            resp.handler(d::feed);
            resp.endHandler(v -> {
              acked.tryFail("bi-stream ended");
              lost(c, conn, "bi-stream ended");
            });
            resp.exceptionHandler(e -> lost(c, conn, "bi-stream failed: " + e.getMessage()));
          }).onFailure(acked::tryFail);
          JsonObject setup = new JsonObject().put("clientVersion", "Nacos-Java-Client:v2.5.1")
              .put("labels", new JsonObject().put("source", "sdk").put("module", "naming").put("AppName", "fault-suite")
                  .put("tls.enable", "false"))
              .put("abilityTable", new JsonObject());
          req.write(Frames.frame(request("ConnectionSetupRequest", setup).encode()));
          return acked.future().timeout(SETUP_ACK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        });
  }

  /** A request the server sent on the bi-stream; answered there with its requestId. */
  private void serverRequest(Client c, HttpClientConnection conn, HttpClientRequest stream, Buffer m,
      Promise<Void> acked) {
    Payload p;
    try {
      p = Payload.decode(m);
    } catch (Payload.Malformed e) {
      lost(c, conn, "malformed message on the bi-stream");
      return;
    }
    String requestId = new JsonObject(p.jsonText()).getString("requestId", "");
    switch (p.type()) {
      case "SetupAckRequest" -> acked.tryComplete();
      case "ClientDetectionRequest" -> {
        detectionsAnswered.incrementAndGet();
        answer(stream, "ClientDetectionResponse", requestId);
      }
      case "ConnectResetRequest" -> {
        resetsAnswered.incrementAndGet();
        answer(stream, "ConnectResetResponse", requestId);
        if (c.conn == conn) {
          // no server named: the next one in the list; the old connection stays until the new one works
          connect(c, (c.node + 1) % nodes.size());
        }
      }
      case "NotifySubscriberRequest" -> answer(stream, "NotifySubscriberResponse", requestId);
      default -> { }
    }
    if (c.conn == conn) {
      c.lastActive = System.currentTimeMillis();
    }
  }

  private static void answer(HttpClientRequest stream, String type, String requestId) {
    JsonObject body = new JsonObject().put("resultCode", 200).put("errorCode", 0).put("requestId", requestId)
        .put("success", true);
    stream.write(Frames.frame(Payload.of(type, body.encode().getBytes(StandardCharsets.UTF_8)).encode()));
  }

  private void connected(Client c, int i, HttpClientConnection conn) {
    c.connecting = false;
    if (c.crashed || closed) {
      conn.close();
      return;
    }
    HttpClientConnection old = c.conn;
    c.conn = conn;
    c.node = i;
    c.doneHere = false;
    c.lastActive = System.currentTimeMillis();
    connects.incrementAndGet();
    if (old != null) {
      old.close();
    }
    redo(c);
  }

  /** The current connection is gone or useless: the next node. Stale connections are ignored. */
  private void lost(Client c, HttpClientConnection conn, String why) {
    if (c.conn != conn || c.crashed || closed) {
      return;
    }
    losses.incrementAndGet();
    int was = c.node;
    c.conn = null;
    c.node = -1;
    c.doneHere = false;
    conn.close();
    if (c.retired && c.deregisteredAt > 0) {
      return;
    }
    connect(c, (was + 1) % nodes.size());
  }

  // ---- registration ----

  /** Sends the registration (or, retired, the deregistration) on the current connection until acknowledged. */
  private void redo(Client c) {
    HttpClientConnection conn = c.conn;
    if (conn == null || c.connecting || c.doneHere || c.crashed || closed) {
      return;
    }
    boolean retiring = c.retired;
    JsonObject instance = new JsonObject().put("ip", c.ip).put("port", c.port).put("weight", 1.0)
        .put("healthy", true).put("enabled", true).put("ephemeral", true).put("clusterName", "DEFAULT")
        .put("metadata", new JsonObject());
    JsonObject body = new JsonObject().put("namespace", "public").put("serviceName", c.service)
        .put("groupName", "DEFAULT_GROUP").put("type", retiring ? "deregisterInstance" : "registerInstance")
        .put("instance", instance);
    unary(conn, request("InstanceRequest", body)).onComplete(ar -> {
      if (c.conn != conn || c.crashed || retiring != c.retired) {
        return;
      }
      JsonObject answer = ar.succeeded() ? new JsonObject(ar.result().jsonText()) : new JsonObject();
      if (ar.succeeded() && answer.getInteger("resultCode", 0) == 200) {
        long now = System.currentTimeMillis();
        c.doneHere = true;
        c.lastActive = now;
        if (retiring) {
          c.deregisteredAt = now;
          vertx.cancelTimer(c.healthTimer);
          c.conn = null;
          c.node = -1;
          conn.close();
          c.deregistered.tryComplete();
        } else {
          if (c.liveSince == 0) {
            c.liveSince = now;
          } else {
            redos.incrementAndGet();
          }
          c.registered.tryComplete();
        }
      } else if (answer.getInteger("errorCode", 0) == 301) {
        lost(c, conn, "connection unregistered (301)");
      } else {
        vertx.setTimer(REDO_MS, t -> redo(c));
      }
    });
  }

  // ---- health ----

  private void healthTick(Client c) {
    HttpClientConnection conn = c.conn;
    if (conn == null || c.connecting || c.checking || c.crashed || closed
        || System.currentTimeMillis() - c.lastActive < IDLE_CHECK_MS) {
      return;
    }
    c.checking = true;
    healthCheck(c, conn, 1);
  }

  private void healthCheck(Client c, HttpClientConnection conn, int attempt) {
    unary(conn, request("HealthCheckRequest", new JsonObject())).onComplete(ar -> {
      if (ar.succeeded() && new JsonObject(ar.result().jsonText()).getInteger("resultCode", 0) == 200) {
        c.checking = false;
        if (c.conn == conn) {
          c.lastActive = System.currentTimeMillis();
        }
      } else if (c.conn != conn) {
        c.checking = false;
      } else if (attempt < HEALTH_ATTEMPTS) {
        healthCheck(c, conn, attempt + 1);
      } else {
        c.checking = false;
        healthFailures.incrementAndGet();
        lost(c, conn, "health check failed");
      }
    });
  }

  // ---- the wire ----

  private static Payload request(String type, JsonObject body) {
    body.put("headers", new JsonObject()).put("module", type.startsWith("Instance") ? "naming" : "internal");
    return new Payload(type, "10.213.0.1", Map.of("app", "fault-suite"),
        body.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** A unary call on {@code conn}: its one answer, or failed (gRPC status, no answer within 3 s). */
  private static Future<Payload> unary(HttpClientConnection conn, Payload p) {
    return conn.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(UNARY)
            .putHeader("content-type", "application/grpc").putHeader("te", "trailers"))
        .compose(req -> req.send(Frames.frame(p.encode())))
        .compose(resp -> resp.body().compose(b -> {
          String status = resp.getTrailer("grpc-status") != null ? resp.getTrailer("grpc-status")
              : resp.getHeader("grpc-status");
          if (resp.statusCode() != 200 || !"0".equals(status)) {
            return Future.failedFuture("HTTP " + resp.statusCode() + ", grpc-status " + status);
          }
          Payload[] out = new Payload[1];
          String[] fault = new String[1];
          new Frames.Deframer(MAX_MESSAGE_BYTES, m -> {
            try {
              out[0] = Payload.decode(m);
            } catch (Payload.Malformed e) {
              fault[0] = e.getMessage();
            }
          }, f -> fault[0] = f.message()).feed(b);
          return out[0] != null ? Future.succeededFuture(out[0])
              : Future.failedFuture("no answer: " + fault[0]);
        }))
        .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> work) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(p));
    return p.future();
  }

  @Override
  public void close() {
    closed = true;
    for (Client c : clients) {
      vertx.cancelTimer(c.healthTimer);
    }
    agent.close();
  }
}

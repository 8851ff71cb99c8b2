package dev.distro.registry.fault;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Simulated Nacos 1.x clients: each registers one instance through a random node, beats every
 * 5 s through a random node (trying the next node when one fails or does not answer within 2 s),
 * registers again when a beat answers "unknown instance" (code 20404), and may be retired: it
 * stops beating and deregisters. The ground truth of the fault suite: which instances must be
 * present and healthy (live) and which must be gone (retired and acknowledged).
 */
final class Population implements AutoCloseable {

  static final long BEAT_MS = 5_000;
  static final long ATTEMPT_TIMEOUT_MS = 2_000;

  /** One simulated client and its instance. */
  static class Client {
    final String service;
    final String ip;
    final int port = 8080;
    /** When its first registration was acknowledged (0: not yet). */
    volatile long liveSince;
    /** True once it stopped beating to deregister. */
    volatile boolean retired;
    /** When its deregistration was acknowledged (0: not yet). */
    volatile long deregisteredAt;
    volatile boolean beating;
    volatile boolean registering;
    volatile long timer = -1;

    Client(String service, String ip) {
      this.service = service;
      this.ip = ip;
    }

    String key() {
      return service + "|" + ip + ":" + port;
    }

    String query() {
      return "serviceName=" + service + "&ip=" + ip + "&port=" + port;
    }

    boolean live() {
      return liveSince > 0 && !retired;
    }

    /** When its instance was known to be gone (deregistration acknowledged), 0 while not. */
    long goneSince() {
      return retired ? deregisteredAt : 0;
    }
  }

  final List<Client> clients = new CopyOnWriteArrayList<>();
  final AtomicLong beatsOk = new AtomicLong();
  final AtomicLong beatFailovers = new AtomicLong();
  final AtomicLong beatsFailed = new AtomicLong();
  final AtomicLong reRegistrations = new AtomicLong();
  final AtomicLong writesFailed = new AtomicLong();

  private final Vertx vertx;
  private final FaultNodes nodes;
  private final WebClient web;
  private final int services;
  private int next;

  Population(Vertx vertx, FaultNodes nodes, int services) {
    this.vertx = vertx;
    this.nodes = nodes;
    this.services = services;
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(1_000)
        .setIdleTimeout(30), new PoolOptions().setHttp1MaxSize(64));
  }

  static String serviceName(int s) {
    return "fault-svc-" + s;
  }

  List<String> serviceNames() {
    List<String> out = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      out.add(serviceName(s));
    }
    return out;
  }

  /** Starts {@code count} new clients; completes when every registration was acknowledged. */
  Future<Void> add(int count) {
    List<Future<Void>> all = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      int id = next++;
      Client c = new Client(serviceName(id % services), "10.200." + (id / 250) + "." + (id % 250 + 1));
      clients.add(c);
      all.add(register(c).map(ok -> {
        if (c.liveSince == 0) {
          c.liveSince = System.currentTimeMillis();
        }
        long phase = ThreadLocalRandom.current().nextLong(1, BEAT_MS);
        c.timer = vertx.setPeriodic(phase, BEAT_MS, t -> beat(c));
        return null;
      }));
    }
    return Future.all(all).mapEmpty();
  }

  /** Retires {@code count} random live clients: they stop beating and deregister. */
  Future<Void> retire(int count) {
    List<Client> live = new ArrayList<>(clients.stream().filter(c -> c.live() && !c.registering && !c.beating)
        .toList());
    List<Future<Void>> all = new ArrayList<>();
    for (int k = 0; k < count && !live.isEmpty(); k++) {
      Client c = live.remove(ThreadLocalRandom.current().nextInt(live.size()));
      c.retired = true;
      vertx.cancelTimer(c.timer);
      all.add(send(HttpMethod.DELETE, "/nacos/v1/ns/instance?" + c.query(), r -> "ok".equals(r.bodyAsString()))
          .map(ok -> {
            c.deregisteredAt = System.currentTimeMillis();
            return null;
          }));
    }
    return Future.all(all).mapEmpty();
  }

  /** Registers until acknowledged, unless the client is retired meanwhile. */
  private Future<Void> register(Client c) {
    c.registering = true;
    return send(HttpMethod.POST, "/nacos/v1/ns/instance?" + c.query(), r -> "ok".equals(r.bodyAsString()))
        .<Void>mapEmpty()
        .recover(e -> {
          writesFailed.incrementAndGet();
          return c.retired ? Future.succeededFuture() : vertx.timer(1_000).compose(v -> register(c));
        })
        .andThen(ar -> c.registering = false);
  }

  private void beat(Client c) {
    if (c.beating || c.retired) {
      return;
    }
    c.beating = true;
    send(HttpMethod.PUT, "/nacos/v1/ns/instance/beat?" + c.query(), r -> r.statusCode() == 200)
        .onSuccess(r -> {
          beatsOk.incrementAndGet();
          int code = parseCode(r.bodyAsString());
          if (code == 20404 && !c.retired) {
            reRegistrations.incrementAndGet();
            register(c);
          }
        })
        .onFailure(e -> beatsFailed.incrementAndGet())
        .onComplete(ar -> c.beating = false);
  }

  private static int parseCode(String body) {
    try {
      return new JsonObject(body).getInteger("code", 0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** Sends to a random node first, then to each other node in turn, until one answers as {@code ok} says. */
  private Future<HttpResponse<Buffer>> send(HttpMethod method, String uri,
      Function<HttpResponse<Buffer>, Boolean> ok) {
    int first = ThreadLocalRandom.current().nextInt(nodes.size());
    return attempt(method, uri, ok, first, 0);
  }

  private Future<HttpResponse<Buffer>> attempt(HttpMethod method, String uri,
      Function<HttpResponse<Buffer>, Boolean> ok, int first, int tried) {
    int i = (first + tried) % nodes.size();
    return web.requestAbs(method, nodes.url(i) + uri).send()
        .timeout(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(r -> ok.apply(r) ? Future.succeededFuture(r)
            : Future.failedFuture("node " + (i + 1) + " answered " + r.statusCode() + " " + r.bodyAsString()))
        .recover(e -> {
          if (tried + 1 >= nodes.size()) {
            return Future.failedFuture(e);
          }
          if (method == HttpMethod.PUT) {
            beatFailovers.incrementAndGet();
          }
          return attempt(method, uri, ok, first, tried + 1);
        });
  }

  @Override
  public void close() {
    for (Client c : clients) {
      vertx.cancelTimer(c.timer);
    }
    web.close();
  }
}

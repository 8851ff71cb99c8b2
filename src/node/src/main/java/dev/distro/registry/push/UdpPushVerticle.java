package dev.distro.registry.push;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.support.IpLiteral;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.view.ServiceView;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

/**
 * UDP push to Nacos 1.x clients, as Nacos does it. A {@code /instance/list} call with
 * {@code udpPort > 0} makes {@code clientIP:udpPort} a push target of that service (for the clusters
 * it asked). Changes to a service with targets are merged over a short window; then the service's
 * state is encoded once per cluster filter its targets asked for (usually once), as one datagram
 * {@code {"type":"dom","data":"<ServiceInfo JSON>","lastRefTime":N}}, gzipped at 1 KiB and above,
 * and that same datagram goes to every target of that filter. Each target is expected to answer
 * {@code push-ack} with the same {@code lastRefTime} from its push port (matched on address and
 * port, or on the port alone when the client's address differs from the one it reported). A push
 * not acknowledged is sent once more, then counted as failed; a target whose last
 * {@link #MAX_UNACKED} pushes all failed is dropped, so the node does not keep sending datagrams to
 * an address that never asked for them. A target that has not refreshed itself with a list call for
 * {@link #TARGET_TTL_MS} is dropped too. Targets are bounded per service and in all, and only IP
 * literals are accepted (no DNS, and no amplification beyond one datagram per change per target).
 *
 * <p>Threads: {@link #subscribe} runs on any event loop; it and expiry change a service's target map
 * only inside {@code targets.compute*} for that service, so a map is never changed after it has
 * been removed and the target count stays exact. Rounds, acks and unacked counts belong to this
 * verticle's event loop.
 */
public final class UdpPushVerticle extends VerticleBase implements ChangeListener, PushTargets {

  /** Watches this verticle's event loop for the liveness probe (null: not watched). */
  private final Liveness liveness;



  private static final Logger LOG = Logger.getLogger(UdpPushVerticle.class.getName());
  static final long TARGET_TTL_MS = 30_000;
  static final long MERGE_WINDOW_MS = 50;
  static final long ACK_TIMEOUT_MS = 500;
  static final int MAX_TARGETS_PER_SERVICE = 1_000;
  static final int MAX_TARGETS = 100_000;
  /** Consecutive pushes a target may leave unacknowledged (each after its retry) before it is dropped. */
  static final int MAX_UNACKED = 3;
  static final int GZIP_AT = 1024;

  private record Target(String ip, int port, String clusters) { }

  /** A target's state: refreshed by list calls (any event loop); unacked only on this verticle's loop. */
  private static final class Subscription {
    volatile long refreshedAt;
    int unacked;

    Subscription(long refreshedAt) {
      this.refreshedAt = refreshedAt;
    }
  }

  /** One encoded push of a service to the targets of one cluster filter, until each acked or failed. */
  private static final class Round {
    final ServiceKey service;
    final String clusters;
    final Buffer packet;
    final Set<Target> waiting;
    long sentAt;
    boolean retried;

    Round(ServiceKey service, String clusters, Buffer packet, Set<Target> waiting, long sentAt) {
      this.service = service;
      this.clusters = clusters;
      this.packet = packet;
      this.waiting = waiting;
      this.sentAt = sentAt;
    }
  }

  private final RegistryStore store;
  private final Switches switches;
  private final Counters metrics;
  private final String bind;
  private final Map<ServiceKey, Map<Target, Subscription>> targets = new ConcurrentHashMap<>();
  private final AtomicLong targetCount = new AtomicLong();
  private final Set<ServiceKey> dirty = ConcurrentHashMap.newKeySet();
  private final Map<Long, Round> rounds = new HashMap<>();
  private volatile long roundsTimedOut; // written on this verticle's loop only

  private final AtomicLong clock = new AtomicLong(System.nanoTime());
  private volatile long encodings;
  private DatagramSocket socket;
  private long timer = -1;
  private long sweeper = -1;

  public UdpPushVerticle(RegistryStore store, Switches switches, Counters metrics, String bind) {
    this(store, switches, metrics, bind, null);
  }

  /** @param liveness watches this verticle's event loop (null: not watched) */
  public UdpPushVerticle(RegistryStore store, Switches switches, Counters metrics, String bind,
      Liveness liveness) {
    this.liveness = liveness;
    this.store = store;
    this.switches = switches;
    this.metrics = metrics;
    this.bind = bind;
  }

  @Override
  public Future<?> start() {
    if (liveness != null) {
      liveness.watch(getClass().getSimpleName(), context);
    }
    socket = vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(false));
    socket.handler(packet -> onAck(packet.sender(), packet.data()));
    return socket.listen(0, bind).map(s -> {
      timer = vertx.setPeriodic(MERGE_WINDOW_MS, id -> flush());
      sweeper = vertx.setPeriodic(5_000, id -> expireTargets());
      return s;
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(sweeper);
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  /** Called from any event loop by the list handler. */
  @Override
  public void subscribe(ServiceKey service, String clientIp, int udpPort, String clusters) {
    if (!IpLiteral.isValid(clientIp) || udpPort < 1 || udpPort > 65535 || clusters.length() > 1024) {
      return;
    }
    Target t = new Target(clientIp, udpPort, clusters);
    long now = System.currentTimeMillis();
    targets.compute(service, (k, m) -> {
      Map<Target, Subscription> map = m != null ? m : new ConcurrentHashMap<>();
      Subscription s = map.get(t);
      if (s != null) {
        s.refreshedAt = now;
      } else if (map.size() < MAX_TARGETS_PER_SERVICE && reserveTarget()) {
        map.put(t, new Subscription(now));
      }
      return map.isEmpty() ? null : map;
    });
  }

  private boolean reserveTarget() {
    for (;;) {
      long c = targetCount.get();
      if (c >= MAX_TARGETS) {
        return false;
      }
      if (targetCount.compareAndSet(c, c + 1)) {
        return true;
      }
    }
  }

  @Override
  public void onChange(ChangeEvent event) {
    if (targets.containsKey(event.service())) {
      dirty.add(event.service());
    }
  }

  /** Current push targets (for tests and metrics). */
  public long targets() {
    return targetCount.get();
  }

  /** Push datagrams encoded so far: one per change of a service per cluster filter (for tests). */
  long encodings() {
    return encodings;
  }

  private void flush() {
    long now = System.currentTimeMillis();
    if (!dirty.isEmpty() && switches.pushEnabled()) {
      for (Iterator<ServiceKey> it = dirty.iterator(); it.hasNext(); ) {
        ServiceKey k = it.next();
        it.remove();
        Map<Target, Subscription> m = targets.get(k);
        if (m == null) {
          continue;
        }
        Map<String, Set<Target>> byClusters = new HashMap<>();
        for (Target t : m.keySet()) {
          byClusters.computeIfAbsent(t.clusters, c -> new HashSet<>()).add(t);
        }
        byClusters.forEach((clusters, group) -> push(k, clusters, group, now));
      }
    } else if (!switches.pushEnabled()) {
      dirty.clear();
    }
    for (Iterator<Round> it = rounds.values().iterator(); it.hasNext(); ) {
      Round r = it.next();
      if (now - r.sentAt < ACK_TIMEOUT_MS) {
        continue;
      }
      roundsTimedOut++;
      if (!r.retried) {
        r.retried = true;
        r.sentAt = now;
        r.waiting.removeIf(t -> subscription(r.service, t) == null); // dropped or expired meanwhile
        for (Target t : r.waiting) {
          send(t, r.packet);
        }
      } else {
        it.remove();
        for (Target t : r.waiting) {
          metrics.udpPushFailed.increment();
          unacked(r.service, t);
        }
      }
    }
  }

  private void push(ServiceKey k, String clusterList, Set<Target> group, long now) {
    Set<String> clusters = clusterList.isEmpty() ? null : new HashSet<>(List.of(clusterList.split(",")));
    String info = ServiceView.serviceInfo(k, clusterList, ServiceView.hosts(store.service(k), clusters, false),
        switches.defaultCacheMillis(), now);
    long ref = clock.incrementAndGet();
    String json = new JsonWriter().beginObject().field("type", "dom").field("data", info)
        .field("lastRefTime", ref).endObject().toString();
    Buffer packet = encode(json);
    encodings++;
    rounds.put(ref, new Round(k, clusterList, packet, group, now));
    for (Target t : group) {
      send(t, packet);
    }
  }

  private void send(Target t, Buffer packet) {
    metrics.udpPushSent.increment();
    socket.send(packet, t.port, t.ip).onFailure(err -> LOG.fine("push to " + t.ip + ":" + t.port + " failed: " + err));
  }

  private void onAck(SocketAddress sender, Buffer data) {
    long ref;
    try {
      JsonNode n = Json.parse(data.getBytes());
      if (n == null || !"push-ack".equals(n.path("type").asText()) || !n.has("lastRefTime")) {
        return;
      }
      ref = n.get("lastRefTime").asLong();
    } catch (IOException | RuntimeException e) {
      return; // not an ack we understand: ignored
    }
    Round r = rounds.get(ref);
    if (r == null || sender == null) {
      return;
    }
    Target t = new Target(sender.hostAddress(), sender.port(), r.clusters);
    if (!r.waiting.remove(t)) {
      t = r.waiting.stream().filter(w -> w.port == sender.port()).findFirst().orElse(null);
      if (t == null) {
        return;
      }
      r.waiting.remove(t);
    }
    metrics.udpPushAcked.increment();
    Subscription s = subscription(r.service, t);
    if (s != null) {
      s.unacked = 0;
    }
    if (r.waiting.isEmpty()) {
      rounds.remove(ref);
    }
  }

  private Subscription subscription(ServiceKey service, Target t) {
    Map<Target, Subscription> m = targets.get(service);
    return m == null ? null : m.get(t);
  }

  /** A push to t failed after its retry: the target is dropped at {@link #MAX_UNACKED} in a row. */
  private void unacked(ServiceKey service, Target t) {
    Subscription s = subscription(service, t);
    if (s == null || ++s.unacked < MAX_UNACKED) {
      return;
    }
    targets.computeIfPresent(service, (k, map) -> {
      if (map.remove(t) != null) {
        targetCount.decrementAndGet();
        metrics.udpPushTargetsDropped.increment();
      }
      return map.isEmpty() ? null : map;
    });
  }

  private void expireTargets() {
    expire(System.currentTimeMillis() - Math.max(TARGET_TTL_MS, 3 * switches.defaultPushCacheMillis()));
  }

  /** Drops the targets last refreshed before cutoff (epoch millis). Safe against concurrent subscribes. */
  void expire(long cutoff) {
    for (ServiceKey k : targets.keySet()) {
      targets.computeIfPresent(k, (key, m) -> {
        for (Iterator<Subscription> it = m.values().iterator(); it.hasNext(); ) {
          if (it.next().refreshedAt < cutoff) {
            it.remove();
            targetCount.decrementAndGet();
          }
        }
        return m.isEmpty() ? null : m;
      });
    }
  }

  static Buffer encode(String json) {
    byte[] raw = json.getBytes(StandardCharsets.UTF_8);
    if (raw.length < GZIP_AT) {
      return Buffer.buffer(raw);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      return Buffer.buffer(raw);
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** Push rounds that reached an ack timeout (retried or given up); for tests. */
  long roundsTimedOut() {
    return roundsTimedOut;
  }
}

package dev.distro.registry.push;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.config.Switches;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.NodeMetrics;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.view.ServiceView;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

/**
 * UDP push to Nacos 1.x clients, as Nacos does it. A {@code /instance/list} call with
 * {@code udpPort > 0} makes {@code clientIP:udpPort} a push target of that service (for the clusters
 * it asked). Changes to a service with targets are merged over a short window; then every target
 * gets one datagram {@code {"type":"dom","data":"<ServiceInfo JSON>","lastRefTime":N}}, gzipped at
 * 1 KiB and above, and is expected to answer {@code push-ack} with the same {@code lastRefTime}. A
 * push not acknowledged is sent once more, then counted as failed. A target that has not refreshed
 * itself with a list call for {@link #TARGET_TTL_MS} is dropped. Targets are bounded per service and
 * in all, and only IP literals are accepted (no DNS, and no amplification beyond one datagram per
 * change per target).
 */
public final class UdpPushVerticle extends VerticleBase implements ChangeListener, PushTargets {

  private dev.distro.registry.node.Liveness liveness;

  /** Lets the liveness probe watch this verticle's event loop. */
  public void liveness(dev.distro.registry.node.Liveness l) {
    this.liveness = l;
  }


  private static final Logger LOG = Logger.getLogger(UdpPushVerticle.class.getName());
  static final long TARGET_TTL_MS = 30_000;
  static final long MERGE_WINDOW_MS = 50;
  static final long ACK_TIMEOUT_MS = 500;
  static final int MAX_TARGETS_PER_SERVICE = 1_000;
  static final int MAX_TARGETS = 100_000;
  static final int GZIP_AT = 1024;

  private record Target(String ip, int port, String clusters) { }

  private record Pending(Target target, ServiceKey service, Buffer packet, long sentAt, boolean retried) { }

  private final RegistryStore store;
  private final Switches switches;
  private final NodeMetrics metrics;
  private final String bind;
  private final Map<ServiceKey, Map<Target, Long>> targets = new ConcurrentHashMap<>();
  private final AtomicLong targetCount = new AtomicLong();
  private final Set<ServiceKey> dirty = ConcurrentHashMap.newKeySet();
  private final Map<Long, Pending> pending = new HashMap<>();
  private final AtomicLong clock = new AtomicLong(System.nanoTime());
  private DatagramSocket socket;
  private long timer = -1;
  private long sweeper = -1;

  public UdpPushVerticle(RegistryStore store, Switches switches, NodeMetrics metrics, String bind) {
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
    socket.handler(packet -> onAck(packet.data()));
    store.addListener(this);
    return socket.listen(0, bind).map(s -> {
      timer = vertx.setPeriodic(MERGE_WINDOW_MS, id -> flush());
      sweeper = vertx.setPeriodic(5_000, id -> expireTargets());
      return s;
    });
  }

  @Override
  public Future<?> stop() {
    store.removeListener(this);
    vertx.cancelTimer(timer);
    vertx.cancelTimer(sweeper);
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  /** Called from any event loop by the list handler. */
  @Override
  public void subscribe(ServiceKey service, String clientIp, int udpPort, String clusters) {
    if (!isIpLiteral(clientIp) || udpPort < 1 || udpPort > 65535 || clusters.length() > 1024) {
      return;
    }
    Map<Target, Long> m = targets.computeIfAbsent(service, k -> new ConcurrentHashMap<>());
    Target t = new Target(clientIp, udpPort, clusters);
    long now = System.currentTimeMillis();
    if (m.containsKey(t)) {
      m.put(t, now);
      return;
    }
    if (m.size() >= MAX_TARGETS_PER_SERVICE || targetCount.get() >= MAX_TARGETS) {
      return;
    }
    if (m.putIfAbsent(t, now) == null) {
      targetCount.incrementAndGet();
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

  private void flush() {
    long now = System.currentTimeMillis();
    if (!dirty.isEmpty() && switches.pushEnabled()) {
      for (Iterator<ServiceKey> it = dirty.iterator(); it.hasNext(); ) {
        ServiceKey k = it.next();
        it.remove();
        Map<Target, Long> m = targets.get(k);
        if (m == null) {
          continue;
        }
        for (Target t : m.keySet()) {
          push(k, t, now);
        }
      }
    } else if (!switches.pushEnabled()) {
      dirty.clear();
    }
    for (Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Pending> e = it.next();
      Pending p = e.getValue();
      if (now - p.sentAt < ACK_TIMEOUT_MS) {
        continue;
      }
      if (!p.retried) {
        e.setValue(new Pending(p.target, p.service, p.packet, now, true));
        send(p.target, p.packet);
      } else {
        it.remove();
        metrics.udpPushFailed.increment();
      }
    }
  }

  private void push(ServiceKey k, Target t, long now) {
    java.util.Set<String> clusters = null;
    if (!t.clusters.isEmpty()) {
      clusters = new java.util.HashSet<>(java.util.List.of(t.clusters.split(",")));
    }
    String info = ServiceView.serviceInfo(k, t.clusters, ServiceView.hosts(store.service(k), clusters, false),
        switches.defaultCacheMillis(), now);
    long ref = clock.incrementAndGet();
    String json = new JsonWriter().beginObject().field("type", "dom").field("data", info)
        .field("lastRefTime", ref).endObject().toString();
    Buffer packet = encode(json);
    pending.put(ref, new Pending(t, k, packet, now, false));
    send(t, packet);
  }

  private void send(Target t, Buffer packet) {
    metrics.udpPushSent.increment();
    socket.send(packet, t.port, t.ip).onFailure(err -> LOG.fine("push to " + t.ip + ":" + t.port + " failed: " + err));
  }

  private void onAck(Buffer data) {
    try {
      JsonNode n = Json.parse(data.getBytes());
      if (n != null && "push-ack".equals(n.path("type").asText()) && n.has("lastRefTime")) {
        if (pending.remove(n.get("lastRefTime").asLong()) != null) {
          metrics.udpPushAcked.increment();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not an ack we understand: ignored
    }
  }

  private void expireTargets() {
    long cutoff = System.currentTimeMillis() - Math.max(TARGET_TTL_MS, 3 * switches.defaultPushCacheMillis());
    for (Iterator<Map.Entry<ServiceKey, Map<Target, Long>>> it = targets.entrySet().iterator(); it.hasNext(); ) {
      Map<Target, Long> m = it.next().getValue();
      for (Iterator<Map.Entry<Target, Long>> t = m.entrySet().iterator(); t.hasNext(); ) {
        if (t.next().getValue() < cutoff) {
          t.remove();
          targetCount.decrementAndGet();
        }
      }
      if (m.isEmpty()) {
        it.remove();
      }
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

  static boolean isIpLiteral(String s) {
    if (s == null || s.isEmpty() || s.length() > 45) {
      return false;
    }
    if (s.indexOf(':') >= 0) {
      return s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }
}

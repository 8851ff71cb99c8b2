package dev.distro.registry.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One watch connection and its subscriptions (protocol in {@code docs/WATCH.md}). Each
 * subscription has its own cursor in the {@link EventLog}; changes after the cursor that match its
 * filter are sent in revision order, each once. When the socket's write queue is full the session
 * stops sending events and only remembers which services changed (coalescing); once it drains it
 * sends each such service's current state in one frame and carries on. A subscription that falls out
 * of the log, or remembers too many services, is reset (explicit reset frame, then a fresh
 * snapshot). A socket that stays full for the slow-close time is closed with 1013. So the memory a
 * connection holds is its write queue bound plus at most the dirty-service bound per subscription.
 */
final class WatchSession {

  static final short CLOSE_GOING_AWAY = 1001;
  static final short CLOSE_TOO_SLOW = 1013;
  static final short CLOSE_TOO_BIG = MessageAssembler.CLOSE_TOO_BIG;
  private static final Pattern NAMESPACE = Pattern.compile("[\\w-]{1,64}");
  private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9_:.-]{1,128}");
  private static final int DRAIN_BUDGET = 2_000;

  private final class Sub {
    final String id;
    final Filter filter;
    long cursor;
    long lastSentAt;
    boolean coalescing;
    boolean needsReset;
    final Set<ServiceKey> dirty = new LinkedHashSet<>();

    Sub(String id, Filter filter) {
      this.id = id;
      this.filter = filter;
    }
  }

  private final WatchHub hub;
  private final WatchLoop loop;
  private final ServerWebSocket ws;
  private final Predicate<String> mayRead;
  private final Map<String, Sub> subs = new LinkedHashMap<>();
  private long fullSince;
  private long lastPing = System.currentTimeMillis();
  private boolean closing;
  private final MessageAssembler assembler;

  WatchSession(WatchHub hub, WatchLoop loop, ServerWebSocket ws, Predicate<String> mayRead) {
    this.hub = hub;
    this.loop = loop;
    this.ws = ws;
    this.mayRead = mayRead;
    this.assembler = new MessageAssembler(hub.limits.maxFrameBytes());
  }

  void start() {
    ws.setWriteQueueMaxSize(hub.limits.maxQueuedBytes());
    // Messages are put together here from their frames (not by Vert.x's text handler, which decodes
    // invalid UTF-8 into replacement characters): at most maxFrameBytes per message, else 1009;
    // text must be valid UTF-8 as a whole, else 1007 (RFC 6455, 8.1).
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(t -> {
      // Netty reports a frame over the size limit (or a malformed frame) here.
      closeWith(CLOSE_TOO_BIG, "message too big or malformed: at most " + hub.limits.maxFrameBytes() + " bytes");
    });
    ws.drainHandler(v -> loop.wake());
    send(new JsonWriter().beginObject().field("type", "hello").field("epoch", hub.epoch)
        .field("revision", hub.log.head()).endObject().toString());
  }

  void closed() {
    hub.subscriptions.addAndGet(-subs.size());
    subs.clear();
  }

  // ---- client frames ----

  private void closeWith(short code, String reason) {
    if (!closing && !ws.isClosed()) {
      closing = true;
      assembler.close();
      ws.close(code, reason);
    }
  }

  private void onFrame(WebSocketFrame f) {
    if (closing || !(f.isText() || f.isBinary() || f.isContinuation())) {
      return;
    }
    MessageAssembler.FrameType type = f.isContinuation() ? MessageAssembler.FrameType.CONTINUATION
        : f.isText() ? MessageAssembler.FrameType.TEXT : MessageAssembler.FrameType.BINARY;
    MessageAssembler.Result r = assembler.frame(type, f.isFinal(), f.binaryData().getBytes());
    switch (r.kind()) {
      case TEXT -> onText(r.text());
      case BINARY -> error(null, "bad_frame", "binary frames are not part of this protocol");
      case CLOSE -> closeWith(r.closeCode(), r.reason());
      default -> { }
    }
  }

  private void onText(String text) {
    if (closing) {
      return;
    }
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(text);
    } catch (Exception e) {
      error(null, "bad_json", "the frame is not JSON");
      return;
    }
    if (n == null || !n.isObject()) {
      error(null, "bad_request", "a frame must be a JSON object");
      return;
    }
    String op = n.path("op").asText("");
    String id = n.path("id").isTextual() ? n.get("id").asText() : null;
    switch (op) {
      case "subscribe" -> subscribe(id, n);
      case "unsubscribe" -> unsubscribe(id);
      case "ping" -> send(new JsonWriter().beginObject().field("type", "pong").field("revision", hub.log.head())
          .endObject().toString());
      default -> error(id, "unknown_op", "unknown op '" + clip(op) + "' (expected subscribe, unsubscribe, ping)");
    }
  }

  private void subscribe(String id, JsonNode n) {
    if (id == null || id.isEmpty() || id.length() > 64) {
      error(null, "bad_request", "subscribe needs an 'id' of 1 to 64 characters");
      return;
    }
    if (subs.containsKey(id)) {
      error(id, "bad_request", "subscription '" + clip(id) + "' exists already");
      return;
    }
    if (subs.size() >= hub.limits.maxSubscriptions()) {
      error(id, "too_many_subscriptions", "at most " + hub.limits.maxSubscriptions() + " subscriptions per connection");
      return;
    }
    String ns = text(n, "namespace");
    String group = text(n, "group");
    String service = text(n, "service");
    if (ns != null && !NAMESPACE.matcher(ns).matches() || group != null && !GROUP.matcher(group).matches()
        || service != null && (service.length() > 512 || service.chars().anyMatch(Character::isISOControl))) {
      error(id, "bad_filter", "namespace, group or service is malformed or too long");
      return;
    }
    if (ns == null && (group != null || service != null) || group == null && service != null) {
      error(id, "bad_filter", "a group needs a namespace and a service needs a group");
      return;
    }
    if (!mayRead.test(ns)) {
      error(id, "forbidden", ns == null ? "a subscription without a namespace needs read permission on '*'"
          : "no read permission on namespace '" + ns + "'");
      return;
    }
    Sub sub = new Sub(id, new Filter(ns, group, service));
    subs.put(id, sub);
    hub.subscriptions.incrementAndGet();
    JsonNode resume = n.get("resume");
    if (resume != null && resume.isObject()) {
      String epoch = resume.path("epoch").asText("");
      long rev = resume.path("revision").asLong(-1);
      if (!epoch.equals(hub.epoch)) {
        reset(sub, "epoch");
        return;
      }
      if (rev < 0 || rev > hub.log.head()) {
        reset(sub, "unknown revision");
        return;
      }
      if (rev < hub.log.oldest() - 1) {
        reset(sub, "too old");
        return;
      }
      sub.cursor = rev;
      send(sub, frame("resumed", sub).field("revision", rev).endObject().toString());
      loop.wake();
      return;
    }
    snapshot(sub);
    loop.wake();
  }

  private void unsubscribe(String id) {
    if (id == null || subs.remove(id) == null) {
      error(id, "unknown_subscription", "no subscription '" + clip(String.valueOf(id)) + "'");
      return;
    }
    hub.subscriptions.decrementAndGet();
    send(new JsonWriter().beginObject().field("type", "unsubscribed").field("id", id).endObject().toString());
  }

  // ---- server frames ----

  private void reset(Sub sub, String reason) {
    hub.metrics.watchResets.increment();
    send(sub, frame("reset", sub).field("reason", reason).endObject().toString());
    snapshot(sub);
  }

  /** The current state of the filter, in chunks, stamped with the revision it is at least as new as. */
  private void snapshot(Sub sub) {
    long rev = hub.log.head();
    sub.cursor = rev;
    sub.coalescing = false;
    sub.needsReset = false;
    sub.dirty.clear();
    List<Instance> chunk = new ArrayList<>(hub.limits.snapshotChunk());
    ServiceKey exact = sub.filter.exact();
    Iterable<ServiceEntry> services = exact != null ? single(hub.store.service(exact)) : hub.store.services();
    for (ServiceEntry s : services) {
      if (!sub.filter.matches(s.key())) {
        continue;
      }
      for (Registration r : s.registrations()) {
        chunk.add(r.instance());
        if (chunk.size() == hub.limits.snapshotChunk()) {
          sendSnapshot(sub, rev, chunk, false);
          chunk.clear();
        }
      }
    }
    sendSnapshot(sub, rev, chunk, true);
  }

  private void sendSnapshot(Sub sub, long rev, List<Instance> chunk, boolean last) {
    JsonWriter w = frame("snapshot", sub).field("epoch", hub.epoch).field("revision", rev).name("instances")
        .beginArray();
    for (Instance i : chunk) {
      writeInstance(w, i);
    }
    send(sub, w.endArray().field("last", last).endObject().toString());
  }

  /**
   * Sends what the subscriptions have not seen yet, within a budget.
   *
   * @return true when work remains (the loop calls again)
   */
  boolean drain() {
    if (closing) {
      return false;
    }
    int budget = DRAIN_BUDGET;
    long head = hub.log.head();
    for (Sub sub : new ArrayList<>(subs.values())) {
      if (!ws.writeQueueFull() && (sub.coalescing || sub.needsReset)) {
        flushCoalesced(sub);
      }
      while (sub.cursor < head && budget-- > 0) {
        ChangeEvent e = hub.log.get(sub.cursor + 1);
        if (e == null) {
          reset(sub, "too old");
          break;
        }
        sub.cursor = e.revision();
        if (e.current() == null && e.previous() == null || !sub.filter.matches(e.service())) {
          continue;
        }
        if (sub.coalescing || ws.writeQueueFull()) {
          if (!sub.coalescing) {
            sub.coalescing = true;
          }
          hub.metrics.watchCoalesced.increment();
          if (sub.dirty.add(e.service()) && sub.dirty.size() > hub.limits.maxDirtyServices()) {
            sub.dirty.clear();
            sub.needsReset = true;
          }
          continue;
        }
        sendEvent(sub, e);
      }
    }
    if (ws.writeQueueFull()) {
      if (fullSince == 0) {
        fullSince = System.currentTimeMillis();
      }
    } else {
      fullSince = 0;
    }
    return budget <= 0;
  }

  /** After a full write queue: one frame per changed service with its current state. */
  private void flushCoalesced(Sub sub) {
    if (sub.needsReset) {
      reset(sub, "too slow");
      return;
    }
    for (var it = sub.dirty.iterator(); it.hasNext() && !ws.writeQueueFull(); ) {
      ServiceKey k = it.next();
      it.remove();
      JsonWriter w = frame("service", sub).field("revision", sub.cursor).field("namespace", k.namespace())
          .field("group", k.group()).field("service", k.name()).name("instances").beginArray();
      ServiceEntry s = hub.store.service(k);
      if (s != null) {
        for (Registration r : s.registrations()) {
          writeInstance(w, r.instance());
        }
      }
      send(sub, w.endArray().endObject().toString());
    }
    sub.coalescing = !sub.dirty.isEmpty();
  }

  private void sendEvent(Sub sub, ChangeEvent e) {
    String kind = switch (e.type()) {
      case ADDED -> "added";
      case MODIFIED -> "modified";
      default -> "deleted";
    };
    JsonWriter w = frame("event", sub).field("revision", e.revision()).field("kind", kind)
        .field("reason", e.reason().name().toLowerCase(java.util.Locale.ROOT)).name("instance");
    writeInstance(w, e.current() != null ? e.current() : e.previous());
    send(sub, w.endObject().toString());
    hub.metrics.watchEvents.increment();
  }

  /** Once a second: keepalive ping, bookmarks for idle subscriptions, the slow-consumer deadline. */
  void tick(long now) {
    if (closing) {
      return;
    }
    if (fullSince != 0 && now - fullSince > hub.limits.slowCloseMs()) {
      hub.metrics.watchSlowCloses.increment();
      closing = true;
      ws.close(CLOSE_TOO_SLOW, "consumer too slow");
      return;
    }
    if (now - lastPing >= hub.limits.pingMs()) {
      lastPing = now;
      ws.writePing(io.vertx.core.buffer.Buffer.buffer("k"));
    }
    long head = hub.log.head();
    for (Sub sub : subs.values()) {
      if (sub.cursor == head && !sub.coalescing && now - sub.lastSentAt >= hub.limits.bookmarkMs()
          && !ws.writeQueueFull()) {
        send(sub, frame("bookmark", sub).field("epoch", hub.epoch).field("revision", head).endObject().toString());
      }
    }
  }

  void goAway() {
    if (closing) {
      return;
    }
    closing = true;
    ws.writeTextMessage(new JsonWriter().beginObject().field("type", "goaway")
        .field("reason", "node shutting down: reconnect to another node and resume").endObject().toString());
    ws.close(CLOSE_GOING_AWAY, "node shutting down");
  }

  // ---- helpers ----

  private JsonWriter frame(String type, Sub sub) {
    return new JsonWriter().beginObject().field("type", type).field("id", sub.id);
  }

  private void send(Sub sub, String frame) {
    sub.lastSentAt = System.currentTimeMillis();
    send(frame);
  }

  private void send(String frame) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(frame);
    }
  }

  private void error(String id, String code, String message) {
    hub.metrics.watchErrors.increment();
    JsonWriter w = new JsonWriter().beginObject().field("type", "error");
    if (id != null) {
      w.field("id", clip(id));
    }
    send(w.field("code", code).field("message", message).endObject().toString());
  }

  static void writeInstance(JsonWriter w, Instance i) {
    w.beginObject().field("namespace", i.service().namespace()).field("group", i.service().group())
        .field("service", i.service().name()).field("cluster", i.cluster()).field("ip", i.ip())
        .field("port", i.port()).field("weight", i.weight()).field("healthy", i.healthy())
        .field("enabled", i.enabled()).field("metadata", i.metadata()).field("version", i.version()).endObject();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  private static Iterable<ServiceEntry> single(ServiceEntry e) {
    return e == null ? List.of() : List.of(e);
  }
}

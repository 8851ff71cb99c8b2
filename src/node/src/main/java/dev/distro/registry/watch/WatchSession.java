package dev.distro.registry.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One watch connection and its subscriptions (protocol in {@code docs/WATCH.md}).
 *
 * <p>Subscriptions with the same filter share one {@link Feed}: one cursor in the {@link EventLog},
 * one snapshot stream, one encoding of each frame, sent once per subscription id. Nothing is sent
 * unless the connection has room: fewer than {@code maxQueuedBytes} of its frames not yet written to
 * the socket, and the node-wide budget ({@link WatchHub#reserve}) not used up. A snapshot is
 * produced a chunk at a time, only when the previous chunk has gone out to every subscription of the
 * feed and there is room, from the store's live maps (never copied): it is stamped with the revision
 * at its start, and every service changed after that revision is sent again, whole, in a
 * {@code service} frame after the last chunk. While a feed cannot send (no room, or a snapshot in
 * progress) its cursor still advances and only the changed services are remembered (coalescing);
 * more than {@code maxDirtyServices} of them turn into a reset. So a connection holds at most its
 * queue bound, one encoded chunk per feed and the dirty-service bound per feed, whatever the
 * registry's size or the client does.
 *
 * <p>A connection whose queue stays full for the slow-close time is closed with 1013; while the
 * node's queued bytes are over half the budget, one that holds its share of the budget and has not
 * read for {@code pressureCloseMs} is closed with 1013 at once.
 */
final class WatchSession {

  static final short CLOSE_GOING_AWAY = 1001;
  static final short CLOSE_TOO_SLOW = 1013;
  static final short CLOSE_TOO_BIG = MessageAssembler.CLOSE_TOO_BIG;
  private static final Pattern NAMESPACE = Pattern.compile("[\\w-]{1,64}");
  private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9_:.-]{1,128}");
  /** How long a closing connection may take to deliver its close frame before its TCP connection is cut. */
  static final long ABORT_AFTER_MS = 2_000;
  /** Log entries one drain pass reads per session, before yielding the event loop. */
  private static final int DRAIN_EVENTS = 2_000;
  /** Bytes one drain pass queues per session, before yielding the event loop. */
  private static final int DRAIN_BYTES = 256 * 1024;
  /** A snapshot chunk closes once its encoding passes this size (or snapshotChunk instances). */
  private static final int CHUNK_CHARS = 32 * 1024;

  /**
   * A frame for every subscription of a feed ({@code only} null) or for one: {@code {"type":T,"id":<id>}
   * + rest}.
   */
  private record Out(String type, String rest, String only) {

    String forId(String id) {
      StringBuilder sb = new StringBuilder(rest.length() + type.length() + id.length() + 24);
      sb.append("{\"type\":\"").append(type).append("\",\"id\":");
      JsonWriter.quote(sb, id);
      return sb.append(rest).toString();
    }
  }

  /**
   * A snapshot being streamed: stamped with {@code revision}, read from the store's live maps. It
   * remembers the services it has started (references, not copies), so that a subscription joining
   * it midway can be sent those first ({@link #catchUp}).
   */
  private static final class Snapshot {
    final long revision;
    final Iterator<ServiceEntry> services;
    Iterator<Registration> instances = Collections.emptyIterator();
    final List<ServiceEntry> started = new ArrayList<>();
    int chunks;
    /** Subscriptions that joined midway, and the services started before they did. */
    final ArrayDeque<Snapshot> catchUps = new ArrayDeque<>(0);
    final String forId;

    Snapshot(long revision, Iterator<ServiceEntry> services, String forId) {
      this.revision = revision;
      this.services = services;
      this.forId = forId;
    }

    /** What a subscription joining now has missed: the services started so far, for it alone. */
    Snapshot catchUp(String id) {
      return new Snapshot(revision, new ArrayList<>(started).iterator(), id);
    }

    boolean done() {
      return !instances.hasNext() && !services.hasNext();
    }
  }

  /** The subscriptions of this connection that share a filter, and what they have been sent. */
  private final class Feed {
    final Filter filter;
    final List<String> ids = new ArrayList<>(1);
    long cursor;
    long lastSentAt = System.currentTimeMillis();
    boolean needsReset;
    final Set<ServiceKey> dirty = new LinkedHashSet<>();
    Snapshot snapshot;
    /** Frames for every id; the head one has gone out to ids before {@link #nextId}. */
    final ArrayDeque<Out> outbox = new ArrayDeque<>(2);
    int nextId;

    Feed(Filter filter) {
      this.filter = filter;
    }

    /** Nothing in flight and nothing owed: new events may go out as they come. */
    boolean live() {
      return snapshot == null && dirty.isEmpty() && !needsReset && outbox.isEmpty();
    }

    /** A snapshot in progress: another identical subscription may join it (and catch up). */
    boolean joinable() {
      return snapshot != null && !needsReset;
    }
  }

  private final WatchHub hub;
  private final WatchLoop loop;
  private final ServerWebSocket ws;
  private final Predicate<String> mayRead;
  private final MessageAssembler assembler;
  private final Map<String, Feed> subs = new LinkedHashMap<>();
  private final List<Feed> feeds = new ArrayList<>();
  /** Bytes written to the socket whose write has not completed yet. */
  private long queued;
  /** When a write last completed, or when the queue was last empty. */
  private long lastProgress = System.currentTimeMillis();
  /** Bytes queued in the current drain pass. */
  private long passBytes;
  /** A send was refused for lack of room: wake the loop when room comes back. */
  private boolean blocked;
  private long fullSince;
  private long lastPing = System.currentTimeMillis();
  private boolean closing;
  private boolean dead;

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
    // invalid UTF-8 into replacement characters): see MessageAssembler.
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(t -> {
      // Netty reports a frame over the size limit (or a malformed frame) here.
      closeWith(CLOSE_TOO_BIG, "message too big or malformed: at most " + hub.limits.maxFrameBytes() + " bytes");
    });
    ws.drainHandler(v -> loop.wake());
    control(new JsonWriter().beginObject().field("type", "hello").field("epoch", hub.epoch)
        .field("revision", hub.log.head()).endObject().toString());
  }

  void closed() {
    hub.subscriptions.addAndGet(-subs.size());
    subs.clear();
    feeds.clear();
    dead = true;
    hub.release(queued);
    queued = 0;
  }

  /** Bytes of this connection's frames not yet written to its socket. */
  long queued() {
    return queued;
  }

  // ---- client frames ----

  /**
   * Closes with a code and a reason. The close frame goes out behind the frames already queued; a
   * client that does not read would never get it, and Vert.x starts its closing timeout only once the
   * frame is written, so a connection still open {@link #ABORT_AFTER_MS} later is cut at the TCP level
   * (freeing its queue) and forgotten.
   */
  private void closeWith(short code, String reason) {
    if (!closing && !ws.isClosed()) {
      closing = true;
      assembler.close();
      ws.close(code, reason);
      loop.after(ABORT_AFTER_MS, () -> {
        if (!dead) {
          abort(ws);
          // Vert.x does not call the close handler of a socket cut while its close frame is pending
          loop.forget(this);
        }
      });
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
      case "ping" -> control(new JsonWriter().beginObject().field("type", "pong").field("revision", hub.log.head())
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
    Filter filter = new Filter(ns, group, service);
    hub.subscriptions.incrementAndGet();
    JsonNode resume = n.get("resume");
    if (resume == null || !resume.isObject()) {
      for (Feed f : feeds) {
        if (f.filter.equals(filter) && f.joinable()) {
          // the same snapshot, in progress: this subscription shares it, after the part it missed
          if (f.snapshot.chunks > 0) {
            f.snapshot.catchUps.add(f.snapshot.catchUp(id));
          }
          f.ids.add(id);
          subs.put(id, f);
          loop.wake();
          return;
        }
      }
    }
    Feed feed = new Feed(filter);
    feed.ids.add(id);
    feeds.add(feed);
    subs.put(id, feed);
    if (resume != null && resume.isObject()) {
      String epoch = resume.path("epoch").asText("");
      long rev = resume.path("revision").asLong(-1);
      if (!epoch.equals(hub.epoch)) {
        reset(feed, "epoch");
      } else if (rev < 0 || rev > hub.log.head()) {
        reset(feed, "unknown revision");
      } else if (rev < hub.log.oldest() - 1) {
        reset(feed, "too old");
      } else {
        feed.cursor = rev;
        feed.outbox.add(out("resumed", new JsonWriter().field("revision", rev)));
      }
    } else {
      startSnapshot(feed);
    }
    loop.wake();
  }

  private void unsubscribe(String id) {
    Feed f = id == null ? null : subs.remove(id);
    if (f == null) {
      error(id, "unknown_subscription", "no subscription '" + clip(String.valueOf(id)) + "'");
      return;
    }
    int i = f.ids.indexOf(id);
    f.ids.remove(i);
    if (f.snapshot != null) {
      f.snapshot.catchUps.removeIf(c -> c.forId.equals(id));
    }
    f.outbox.removeIf(o -> id.equals(o.only()));
    if (i < f.nextId) {
      f.nextId--;
    }
    if (f.ids.isEmpty()) {
      feeds.remove(f);
    }
    hub.subscriptions.decrementAndGet();
    control(new JsonWriter().beginObject().field("type", "unsubscribed").field("id", id).endObject().toString());
  }

  // ---- server frames ----

  private void reset(Feed f, String reason) {
    hub.metrics.watchResets.increment();
    f.outbox.clear();
    f.nextId = 0;
    f.outbox.add(out("reset", new JsonWriter().field("reason", reason)));
    startSnapshot(f);
  }

  private void startSnapshot(Feed f) {
    long rev = hub.log.head();
    f.cursor = rev;
    f.needsReset = false;
    f.dirty.clear();
    ServiceKey exact = f.filter.exact();
    Iterator<ServiceEntry> services;
    if (exact != null) {
      ServiceEntry e = hub.store.service(exact);
      services = e == null ? Collections.emptyIterator() : List.of(e).iterator();
    } else {
      services = hub.store.services().iterator();
    }
    f.snapshot = new Snapshot(rev, services, null);
  }

  /**
   * Encodes the snapshot's next chunk into the feed's outbox; ends the snapshot with its last chunk.
   * A subscription that joined midway first gets the services it missed, in chunks of its own.
   */
  private void nextChunk(Feed f) {
    Snapshot shared = f.snapshot;
    Snapshot s = shared.catchUps.isEmpty() ? shared : shared.catchUps.peek();
    JsonWriter w = new JsonWriter(new StringBuilder(CHUNK_CHARS + 1024)).field("epoch", hub.epoch)
        .field("revision", s.revision).name("instances").beginArray();
    int n = 0;
    while (n < hub.limits.snapshotChunk() && w.builder().length() < CHUNK_CHARS) {
      if (s.instances.hasNext()) {
        writeInstance(w, s.instances.next().instance());
        n++;
      } else if (s.services.hasNext()) {
        ServiceEntry e = s.services.next();
        if (f.filter.matches(e.key())) {
          s.instances = e.registrations().iterator();
          if (s == shared) {
            shared.started.add(e);
          }
        }
      } else {
        break;
      }
    }
    hub.snapshotChunks.increment();
    if (s != shared) {
      f.outbox.add(out("snapshot", w.endArray().field("last", false), s.forId));
      if (s.done()) {
        shared.catchUps.poll();
      }
      return;
    }
    boolean last = s.done();
    s.chunks++;
    f.outbox.add(out("snapshot", w.endArray().field("last", last)));
    if (last) {
      f.snapshot = null;
    }
  }

  /** One frame with a changed service's current state (after a full queue or a snapshot). */
  private void nextService(Feed f) {
    Iterator<ServiceKey> it = f.dirty.iterator();
    ServiceKey k = it.next();
    it.remove();
    JsonWriter w = new JsonWriter().field("revision", f.cursor).field("namespace", k.namespace())
        .field("group", k.group()).field("service", k.name()).name("instances").beginArray();
    ServiceEntry s = hub.store.service(k);
    if (s != null) {
      for (Registration r : s.registrations()) {
        writeInstance(w, r.instance());
      }
    }
    f.outbox.add(out("service", w.endArray()));
  }

  private Out eventOut(Feed f, ChangeEvent e) {
    String kind = switch (e.type()) {
      case ADDED -> "added";
      case MODIFIED -> "modified";
      default -> "deleted";
    };
    JsonWriter w = new JsonWriter().field("revision", e.revision()).field("kind", kind)
        .field("reason", e.reason().name().toLowerCase(java.util.Locale.ROOT)).name("instance");
    writeInstance(w, e.current() != null ? e.current() : e.previous());
    hub.metrics.watchEvents.add(f.ids.size());
    return out("event", w);
  }

  /**
   * Sends what the subscriptions have not seen yet, within a budget of log entries and bytes.
   *
   * @return true when work remains that could be sent now (the loop calls again)
   */
  boolean drain() {
    if (closing) {
      return false;
    }
    passBytes = 0;
    int budget = DRAIN_EVENTS;
    long head = hub.log.head();
    for (Feed f : new ArrayList<>(feeds)) {
      budget = drain(f, head, budget);
    }
    mergeIdenticalFeeds(head);
    boolean more = false;
    for (Feed f : feeds) {
      more |= f.cursor < head || !f.live();
    }
    return more && (budget <= 0 || passBytes >= DRAIN_BYTES);
  }

  private int drain(Feed f, long head, int budget) {
    flush(f);
    // advance the cursor: an event goes out when nothing is owed before it, else its service is remembered
    while (f.cursor < head && budget > 0) {
      budget--;
      ChangeEvent e = hub.log.get(f.cursor + 1);
      if (e == null) {
        reset(f, "too old");
        break;
      }
      f.cursor = e.revision();
      if (e.current() == null && e.previous() == null || !f.filter.matches(e.service())) {
        continue;
      }
      if (f.live() && room()) {
        f.outbox.add(eventOut(f, e));
        flush(f);
        continue;
      }
      hub.metrics.watchCoalesced.increment();
      if (f.dirty.add(e.service()) && f.dirty.size() > hub.limits.maxDirtyServices()) {
        f.dirty.clear();
        f.needsReset = true;
      }
    }
    // then what is owed: the snapshot's chunks, then the services changed meanwhile
    while (f.outbox.isEmpty() && room()) {
      if (f.needsReset) {
        reset(f, "too slow");
      } else if (f.snapshot != null) {
        nextChunk(f);
      } else if (!f.dirty.isEmpty()) {
        nextService(f);
      } else {
        break;
      }
      flush(f);
    }
    return budget;
  }

  /** Sends the outbox's frames to each id of the feed while there is room. */
  private void flush(Feed f) {
    while (!f.outbox.isEmpty()) {
      Out o = f.outbox.peek();
      if (o.only() != null) {
        if (!room() || !write(o.forId(o.only()), false)) {
          return;
        }
        f.outbox.poll();
        continue;
      }
      while (f.nextId < f.ids.size()) {
        if (!room() || !write(o.forId(f.ids.get(f.nextId)), false)) {
          return;
        }
        f.nextId++;
      }
      f.outbox.poll();
      f.nextId = 0;
      f.lastSentAt = System.currentTimeMillis();
    }
  }

  /** Feeds with the same filter that have both caught up become one (they would send the same frames). */
  private void mergeIdenticalFeeds(long head) {
    if (feeds.size() < 2) {
      return;
    }
    Map<Filter, Feed> first = new HashMap<>();
    for (Iterator<Feed> it = feeds.iterator(); it.hasNext(); ) {
      Feed f = it.next();
      if (f.cursor != head || !f.live()) {
        continue;
      }
      Feed into = first.putIfAbsent(f.filter, f);
      if (into != null) {
        into.ids.addAll(f.ids);
        into.lastSentAt = Math.min(into.lastSentAt, f.lastSentAt);
        for (String id : f.ids) {
          subs.put(id, into);
        }
        it.remove();
      }
    }
  }

  /** Once a second: keepalive ping, bookmarks for idle subscriptions, the slow-consumer deadlines. */
  void tick(long now) {
    if (closing) {
      return;
    }
    passBytes = 0;
    if (!full()) {
      fullSince = 0;
    } else if (fullSince == 0) {
      fullSince = now;
    }
    if (fullSince != 0 && now - fullSince > hub.limits.slowCloseMs()) {
      slowClose("consumer too slow: its queue stayed full for " + hub.limits.slowCloseMs() / 1000 + " s");
      return;
    }
    if (hub.underPressure() && queued >= hub.share() && now - lastProgress >= hub.limits.pressureCloseMs()) {
      slowClose("consumer too slow: not reading while the node's watch budget is nearly used");
      return;
    }
    if (now - lastPing >= hub.limits.pingMs() && room()) {
      lastPing = now;
      ws.writePing(Buffer.buffer("k"));
    }
    long head = hub.log.head();
    for (Feed f : feeds) {
      if (f.cursor == head && f.live() && now - f.lastSentAt >= hub.limits.bookmarkMs() && room()) {
        f.outbox.add(out("bookmark", new JsonWriter().field("epoch", hub.epoch).field("revision", head)));
        flush(f);
      }
    }
  }

  private void slowClose(String reason) {
    if (!closing) {
      hub.metrics.watchSlowCloses.increment();
    }
    closeWith(CLOSE_TOO_SLOW, reason);
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

  // ---- writing ----

  /** Whether this connection's own queue is at its bound. */
  private boolean full() {
    return queued >= hub.limits.maxQueuedBytes() || ws.writeQueueFull();
  }

  /** Whether subscription frames may be queued now. */
  private boolean room() {
    if (closing || queued >= hub.limits.maxQueuedBytes() || passBytes >= DRAIN_BYTES || ws.writeQueueFull()) {
      return false;
    }
    if (queued >= hub.share() && hub.underPressure()) {
      // over half the budget: no connection grows past its share, so the rest stays for the others
      hub.starved();
      return false;
    }
    return true;
  }

  /**
   * Queues one frame if the node-wide budget allows, and counts it until its write completes.
   *
   * @return false when refused (the caller keeps it for later)
   */
  private boolean write(String frame, boolean control) {
    if (ws.isClosed() || closing) {
      return false;
    }
    long n = utf8Length(frame);
    if (!hub.reserve(n, control)) {
      hub.starved();
      return false;
    }
    if (queued == 0) {
      lastProgress = System.currentTimeMillis();
    }
    queued += n;
    passBytes += n;
    ws.writeTextMessage(frame).onComplete(ar -> {
      if (dead) {
        return;
      }
      queued -= n;
      hub.release(n);
      lastProgress = System.currentTimeMillis();
      if (blocked && queued <= hub.limits.maxQueuedBytes() / 2) {
        blocked = false;
        loop.wake();
      }
    });
    if (queued >= hub.limits.maxQueuedBytes()) {
      blocked = true;
    }
    return true;
  }

  /**
   * A reply to the client (hello, pong, error, unsubscribed): queued even when subscription frames
   * wait, up to one more maxFrameBytes; a client that keeps asking but does not read is closed.
   */
  private void control(String frame) {
    if (closing || ws.isClosed()) {
      return;
    }
    if (queued >= hub.limits.maxQueuedBytes() + hub.limits.maxFrameBytes() || !write(frame, true)) {
      slowClose("consumer too slow: it sends requests but does not read the answers");
    }
  }

  private void error(String id, String code, String message) {
    hub.metrics.watchErrors.increment();
    JsonWriter w = new JsonWriter().beginObject().field("type", "error");
    if (id != null) {
      w.field("id", clip(id));
    }
    control(w.field("code", code).field("message", message).endObject().toString());
  }

  /**
   * Cuts the TCP connection under a WebSocket (Vert.x has no public call for it). The socket handed
   * to the server's WebSocket handler is the handshake (a future of the socket), so look through it.
   */
  static void abort(ServerWebSocket ws) {
    Object impl = ws instanceof io.vertx.core.Future<?> f && f.succeeded() ? f.result() : ws;
    if (impl instanceof WebSocketInternal internal) {
      internal.channelHandlerContext().channel().close();
    } else {
      throw new IllegalStateException("cannot cut a WebSocket of " + ws.getClass().getName());
    }
  }

  /** A feed frame: {@code fields} holds the fields after type and id (no object start). */
  private static Out out(String type, JsonWriter fields) {
    return out(type, fields, null);
  }

  private static Out out(String type, JsonWriter fields, String only) {
    String rest = fields.endObject().toString();
    return new Out(type, rest.equals("}") ? rest : "," + rest, only);
  }

  static void writeInstance(JsonWriter w, Instance i) {
    w.beginObject().field("namespace", i.service().namespace()).field("group", i.service().group())
        .field("service", i.service().name()).field("cluster", i.cluster()).field("ip", i.ip())
        .field("port", i.port()).field("weight", i.weight()).field("healthy", i.healthy())
        .field("enabled", i.enabled()).field("metadata", i.metadata()).field("version", i.version()).endObject();
  }

  /** The size of {@code s} in UTF-8, without encoding it. */
  static long utf8Length(String s) {
    long n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        n += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2; // a surrogate pair: 4 bytes for 2 chars
      }
    }
    return n;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}

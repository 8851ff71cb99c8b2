package dev.distro.registry.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.support.Json;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One watch connection and its subscriptions (protocol in {@code docs/WATCH.md}): the client's
 * messages (subscribe, unsubscribe, ping) and the answers to them, the drain passes and the
 * once-a-second tick. Subscriptions with the same filter share one {@link Feed} (its cursor, its
 * snapshot stream, its coalescing); frames are encoded by {@link Frames} and written by the
 * connection's {@link FrameWriter}, which counts them until written.
 *
 * <p>Nothing is sent unless the connection has room: fewer than {@code maxQueuedBytes} of its frames
 * not yet written to the socket, and the node-wide budget ({@link WatchHub#reserve}) not used up. So a
 * connection holds at most its queue bound, one encoded chunk per feed and the dirty-service bound per
 * feed, whatever the registry's size or the client does.
 *
 * <p>A connection whose queue stays full for the slow-close time is closed with 1013; while the
 * node's queued bytes are over half the budget, one that holds its share of the budget and has not
 * read for {@code pressureCloseMs} is closed with 1013 at once.
 */
final class WatchSession {

  static final short CLOSE_TOO_SLOW = 1013;
  static final short CLOSE_TOO_BIG = MessageAssembler.CLOSE_TOO_BIG;
  private static final Pattern NAMESPACE = Pattern.compile("[\\w-]{1,64}");
  private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9_:.-]{1,128}");
  /** Log entries one drain pass reads per session, before yielding the event loop. */
  private static final int DRAIN_EVENTS = 2_000;

  private final WatchHub hub;
  private final WatchLoop loop;
  private final ServerWebSocket ws;
  private final Predicate<String> mayRead;
  private final MessageAssembler assembler;
  private final FrameWriter writer;
  private final Map<String, Feed> subs = new LinkedHashMap<>();
  private final List<Feed> feeds = new ArrayList<>();

  WatchSession(WatchHub hub, WatchLoop loop, ServerWebSocket ws, Predicate<String> mayRead) {
    this.hub = hub;
    this.loop = loop;
    this.ws = ws;
    this.mayRead = mayRead;
    this.assembler = new MessageAssembler(hub.limits.maxFrameBytes());
    this.writer = new FrameWriter(hub, loop, ws);
  }

  void start() {
    writer.start();
    // Messages are put together here from their frames (not by Vert.x's text handler, which decodes
    // invalid UTF-8 into replacement characters): see MessageAssembler.
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(t -> {
      // Netty reports a frame over the size limit (or a malformed frame) here.
      closeWith(CLOSE_TOO_BIG, "message too big or malformed: at most " + hub.limits.maxFrameBytes() + " bytes");
    });
    control(Frames.hello(hub.epoch, hub.log.head()));
  }

  void closed() {
    hub.subscriptions.addAndGet(-subs.size());
    subs.clear();
    feeds.clear();
    writer.release();
  }

  // ---- client frames ----

  /** Closes with a code and a reason ({@link FrameWriter#close}: cut if the close frame cannot go out). */
  private void closeWith(short code, String reason) {
    if (writer.close(code, reason, () -> loop.forget(this))) {
      assembler.close();
    }
  }

  private void onFrame(WebSocketFrame f) {
    if (writer.closing() || !(f.isText() || f.isBinary() || f.isContinuation())) {
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
    if (writer.closing()) {
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
      case "ping" -> control(Frames.pong(hub.log.head()));
      default -> error(id, "unknown_op", "unknown op '" + Frames.clip(op) + "' (expected subscribe, unsubscribe, ping)");
    }
  }

  private void subscribe(String id, JsonNode n) {
    if (id == null || id.isEmpty() || id.length() > 64) {
      error(null, "bad_request", "subscribe needs an 'id' of 1 to 64 characters");
      return;
    }
    if (subs.containsKey(id)) {
      error(id, "bad_request", "subscription '" + Frames.clip(id) + "' exists already");
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
          f.join(id);
          subs.put(id, f);
          loop.wake();
          return;
        }
      }
    }
    Feed feed = new Feed(filter, id, hub, writer);
    feeds.add(feed);
    subs.put(id, feed);
    if (resume != null && resume.isObject()) {
      String epoch = resume.path("epoch").asText("");
      long rev = resume.path("revision").asLong(-1);
      if (!epoch.equals(hub.epoch)) {
        feed.reset("epoch");
      } else if (rev < 0 || rev > hub.log.head()) {
        feed.reset("unknown revision");
      } else if (rev < hub.log.oldest() - 1) {
        feed.reset("too old");
      } else {
        feed.resumeAt(rev);
      }
    } else {
      feed.startSnapshot();
    }
    loop.wake();
  }

  private void unsubscribe(String id) {
    Feed f = id == null ? null : subs.remove(id);
    if (f == null) {
      error(id, "unknown_subscription", "no subscription '" + Frames.clip(String.valueOf(id)) + "'");
      return;
    }
    if (f.leave(id)) {
      feeds.remove(f);
    }
    hub.subscriptions.decrementAndGet();
    control(Frames.unsubscribed(id));
  }

  // ---- server frames ----

  /**
   * Sends what the subscriptions have not seen yet, within a budget of log entries and bytes.
   *
   * @return true when work remains that could be sent now (the loop calls again)
   */
  boolean drain() {
    if (writer.closing()) {
      return false;
    }
    writer.newPass();
    int budget = DRAIN_EVENTS;
    long head = hub.log.head();
    for (Feed f : new ArrayList<>(feeds)) {
      budget = f.drain(head, budget);
    }
    mergeIdenticalFeeds(head);
    boolean more = false;
    for (Feed f : feeds) {
      more |= f.cursor < head || !f.live();
    }
    return more && (budget <= 0 || writer.passSpent());
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
        into.absorb(f);
        for (String id : f.ids) {
          subs.put(id, into);
        }
        it.remove();
      }
    }
  }

  /** Once a second: the slow-consumer deadlines, keepalive ping, bookmarks for idle subscriptions. */
  void tick(long now) {
    if (writer.closing()) {
      return;
    }
    writer.newPass();
    String tooSlow = writer.tooSlow(now);
    if (tooSlow != null) {
      slowClose(tooSlow);
      return;
    }
    writer.pingIfDue(now);
    long head = hub.log.head();
    for (Feed f : feeds) {
      f.bookmarkIfIdle(head, now);
    }
  }

  private void slowClose(String reason) {
    if (!writer.closing()) {
      hub.metrics.watchSlowCloses.increment();
    }
    closeWith(CLOSE_TOO_SLOW, reason);
  }

  void goAway() {
    writer.goAway();
  }

  /**
   * A reply to the client (hello, pong, error, unsubscribed): queued even when subscription frames
   * wait, up to one more maxFrameBytes; a client that keeps asking but does not read is closed.
   */
  private void control(String frame) {
    if (!writer.open()) {
      return;
    }
    if (writer.queued() >= hub.limits.maxQueuedBytes() + hub.limits.maxFrameBytes() || !writer.write(frame, true)) {
      slowClose("consumer too slow: it sends requests but does not read the answers");
    }
  }

  private void error(String id, String code, String message) {
    hub.metrics.watchErrors.increment();
    control(Frames.error(id, code, message));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
  }
}

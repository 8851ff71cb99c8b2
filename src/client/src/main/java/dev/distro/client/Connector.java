package dev.distro.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distro.client.WatchStatus.State;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The connection side of a {@link WatchClient}: picks a node, connects, subscribes (resuming where
 * it can), applies each frame to the {@link Mirror} and hands the changes to the {@link ChangeHub},
 * and on any failure moves on with backoff. Everything here runs on one Vert.x context (never
 * blocking it); the public side reaches it through {@code runOnContext} and reads only the volatile
 * status fields.
 *
 * <p>Node choice: a random node first; after an established connection drops, the same node once
 * (a resume there keeps the stream without a snapshot), unless it said goaway; after a failed
 * attempt, the next node in the list, waiting {@link Backoff#delay} for the number of failures in
 * a row (reset once every subscription is live again).
 *
 * <p>Resume: each subscription remembers the epoch and revision of the last complete state it
 * holds (a snapshot's last chunk, an event, a bookmark; never a {@code service} frame, which may be
 * one of several owed after that revision). On the same epoch it subscribes with them; otherwise,
 * or after a {@code reset}, the snapshot is applied service by service as a replacement of the
 * cached list, and services it does not contain are emptied at its last chunk: so only what differs
 * from the cache reaches the application.
 */
final class Connector {

  private static final System.Logger LOG = System.getLogger(Connector.class.getName());
  /** Error codes that end a subscription (the node will not accept it as it is). */
  private static final Set<String> FATAL_SUBSCRIBE_ERRORS = Set.of("bad_filter", "forbidden", "too_many_subscriptions",
      "bad_request");

  /** A subscription's state on this side. */
  static final class Sub {
    final String id;
    final WatchFilter filter;
    final WatchSubscription handle;
    /** The epoch and revision of the complete state held; valid only when {@code resumable}. */
    String epoch;
    long revision;
    boolean resumable;
    /** Subscribed on the current connection and waiting for its snapshot or resume answer. */
    boolean syncing;
    /** A snapshot being received: the services it has listed so far, and the one still open. */
    Set<ServiceKey> seen;
    ServiceKey openKey;
    List<Instance> openList;

    Sub(String id, WatchFilter filter, WatchSubscription handle) {
      this.id = id;
      this.filter = filter;
      this.handle = handle;
    }
  }

  /** A frame the protocol defines, with a field missing or of the wrong kind. */
  static final class BadFrame extends RuntimeException {
    BadFrame(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final WatchClientOptions options;
  private final List<HostPort> nodes;
  private final Mirror mirror;
  private final ChangeHub hub;
  private final WebSocketClient wsClient;
  /** For the readiness check before each connection (null when it is off). */
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final String uri;

  // context-confined
  private final Map<String, Sub> subs = new LinkedHashMap<>();
  private int nextSubId;
  private int nodeIndex;
  private int failures;
  private long gen;
  private WebSocket ws;
  private boolean helloSeen;
  private boolean goAway;
  private long connectedAt;
  private long lastPingAt;
  private long tick = -1;
  private long retryTimer = -1;
  private boolean started;
  private boolean closed;

  // read by any thread
  private volatile State state = State.CONNECTING;
  private volatile HostPort node;
  private volatile String epoch;
  private volatile long revision;
  private volatile long lastFrameAt;
  private volatile long reconnects;
  private volatile String lastError;

  Connector(Vertx vertx, WatchClientOptions options, Mirror mirror, ChangeHub hub) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.mirror = mirror;
    this.hub = hub;
    List<HostPort> list = new ArrayList<>();
    for (String n : options.getNodes()) {
      list.add(HostPort.parse(n));
    }
    this.nodes = List.copyOf(list);
    this.nodeIndex = ThreadLocalRandom.current().nextInt(nodes.size());
    WebSocketClientOptions wso = new WebSocketClientOptions()
        .setMaxMessageSize(options.getMaxMessageBytes())
        .setMaxFrameSize(Math.min(options.getMaxMessageBytes(), 1024 * 1024))
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.getConnectTimeoutMs()))
        .setSsl(options.isSsl())
        .setTrustAll(options.isTrustAll())
        .setVerifyHost(options.isVerifyHost())
        .setClosingTimeout(2);
    if (options.getTrustOptions() != null) {
      wso.setTrustOptions(options.getTrustOptions());
    }
    this.wsClient = vertx.createWebSocketClient(wso);
    if (options.isCheckReadiness()) {
      HttpClientOptions ho = new HttpClientOptions()
          .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.getConnectTimeoutMs()))
          .setSsl(options.isSsl()).setTrustAll(options.isTrustAll()).setVerifyHost(options.isVerifyHost())
          .setKeepAlive(false);
      if (options.getTrustOptions() != null) {
        ho.setTrustOptions(options.getTrustOptions());
      }
      this.http = vertx.createHttpClient(ho);
    } else {
      this.http = null;
    }
    String token = options.getAccessToken();
    this.uri = WatchClientOptions.WATCH_PATH
        + (token == null || token.isEmpty() ? "" : "?accessToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  // ---- called from any thread ----

  void start() {
    context.runOnContext(v -> {
      if (!started && !closed) {
        started = true;
        connect();
      }
    });
  }

  WatchSubscription subscribe(WatchFilter filter) {
    WatchSubscription[] holder = new WatchSubscription[1];
    holder[0] = new WatchSubscription(filter, () -> context.runOnContext(v -> unsubscribe(holder[0])));
    context.runOnContext(v -> {
      if (closed) {
        settle(holder[0], new IllegalStateException("client closed"));
        return;
      }
      Sub s = new Sub("s" + (++nextSubId), filter, holder[0]);
      subs.put(s.id, s);
      if (helloSeen && ws != null) {
        sendSubscribe(s);
      }
    });
    return holder[0];
  }

  CompletableFuture<Void> close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      closed = true;
      state = State.CLOSED;
      cancelTimers();
      WebSocket w = ws;
      ws = null;
      gen++;
      for (Sub s : subs.values()) {
        settle(s.handle, new IllegalStateException("client closed"));
      }
      Future<Void> closing = w == null ? Future.succeededFuture()
          : w.close((short) 1000, "client closing").recover(t -> Future.succeededFuture());
      closing.eventually(() -> wsClient.close())
          .eventually(() -> http == null ? Future.succeededFuture() : http.close())
          .onComplete(ar -> done.complete(null));
    });
    return done;
  }

  WatchStatus status() {
    HostPort n = node;
    return new WatchStatus(state, n == null ? null : n.toString(), epoch, revision, lastFrameAt, reconnects, lastError);
  }

  // ---- on the context ----

  private void connect() {
    if (closed) {
      return;
    }
    retryTimer = -1;
    state = State.CONNECTING;
    HostPort target = nodes.get(nodeIndex);
    long g = ++gen;
    helloSeen = false;
    goAway = false;
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(target.host()).setPort(target.port())
        .setURI(uri).setSsl(options.isSsl()).setConnectTimeout(options.getConnectTimeoutMs())
        .setTimeout(options.getConnectTimeoutMs());
    ready(target).compose(v -> wsClient.connect(o)).onComplete(ar -> {
      if (g != gen || closed) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        failed(target + ": " + ar.cause(), false);
        return;
      }
      WebSocket w = ar.result();
      ws = w;
      node = target;
      connectedAt = System.currentTimeMillis();
      lastFrameAt = connectedAt;
      lastPingAt = connectedAt;
      w.textMessageHandler(text -> onFrame(g, text));
      w.binaryMessageHandler(b -> LOG.log(Level.DEBUG, "binary frame from {0} skipped", target));
      w.exceptionHandler(t -> LOG.log(Level.DEBUG, "watch connection to {0}: {1}", target, t.toString()));
      w.closeHandler(x -> {
        if (g == gen && ws == w) {
          failed(target + " closed the connection (" + w.closeStatusCode() + " " + w.closeReason() + ")", true);
        }
      });
      long period = Math.max(50, Math.min(1_000, options.getPingIntervalMs() / 2));
      tick = vertx.setPeriodic(period, id -> tick(g));
    });
  }

  /**
   * The node's readiness probe ({@code /health/ready}, open with auth on): a node that is starting
   * (its snapshot not loaded yet), stopping, or out of service for clock skew answers 503, and its
   * watch snapshot would not be the registry's state; the client moves to another node instead.
   */
  private Future<Void> ready(HostPort target) {
    if (http == null) {
      return Future.succeededFuture();
    }
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.host())
        .setPort(target.port()).setURI("/health/ready").setSsl(options.isSsl())
        .setTimeout(options.getConnectTimeoutMs());
    return http.request(ro).compose(req -> req.send().compose(resp -> resp.body().compose(body -> {
      if (resp.statusCode() == 200) {
        return Future.succeededFuture();
      }
      String why = body.toString().trim();
      return Future.failedFuture(new WatchException("not_ready", "not ready (" + resp.statusCode()
          + (why.isEmpty() ? "" : " " + clip(why)) + ")"));
    })));
  }

  /** Liveness, once per tick: the hello within the connect timeout, a ping when due, a frame within the idle timeout. */
  private void tick(long g) {
    if (g != gen || ws == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (!helloSeen && now - connectedAt > options.getConnectTimeoutMs()) {
      drop("no hello from " + node + " within " + options.getConnectTimeoutMs() + " ms");
    } else if (now - lastFrameAt > options.getIdleTimeoutMs()) {
      drop("no frame from " + node + " for " + (now - lastFrameAt) + " ms");
    } else if (helloSeen && now - lastPingAt >= options.getPingIntervalMs()) {
      lastPingAt = now;
      send("{\"op\":\"ping\"}");
    }
  }

  /** Leaves the current connection (the node misbehaved or went silent) and moves on. */
  private void drop(String why) {
    WebSocket w = ws;
    if (w != null) {
      w.close((short) 1000, "client leaving").onFailure(t -> { });
    }
    failed(why, true);
  }

  /**
   * The current attempt or connection ended: record it and schedule the next attempt.
   *
   * @param connection whether a connection had been open (else the attempt failed)
   */
  private void failed(String why, boolean connection) {
    if (closed) {
      return;
    }
    // only a connection that was live earns a quick retry of the same node; one that failed before
    // (no hello, or closed while a subscription was still syncing) counts as a failed attempt
    boolean established = connection && helloSeen && state == State.LIVE;
    gen++;
    ws = null;
    cancelTimers();
    lastError = why;
    for (Sub s : subs.values()) {
      s.syncing = false;
      s.seen = null; // an unfinished snapshot: what it applied stays, the next one completes it
      s.openKey = null;
      s.openList = null;
    }
    if (connection) {
      reconnects++;
    }
    long delay;
    if (established && !goAway) {
      delay = ThreadLocalRandom.current().nextLong(options.getInitialBackoffMs() + 1);
      LOG.log(Level.INFO, "watch: {0}; reconnecting to it", why);
    } else {
      failures++;
      nodeIndex = (nodeIndex + 1) % nodes.size();
      delay = Backoff.delay(failures, options.getInitialBackoffMs(), options.getMaxBackoffMs());
      LOG.log(Level.INFO, "watch: {0}; trying {1} in {2} ms", why, nodes.get(nodeIndex), delay);
    }
    node = null;
    state = State.WAITING;
    retryTimer = vertx.setTimer(Math.max(1, delay), id -> connect());
  }

  private void cancelTimers() {
    if (tick >= 0) {
      vertx.cancelTimer(tick);
      tick = -1;
    }
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private void send(String frame) {
    WebSocket w = ws;
    if (w != null) {
      w.writeTextMessage(frame).onFailure(t -> LOG.log(Level.DEBUG, "watch write failed: {0}", t.toString()));
    }
  }

  private void sendSubscribe(Sub s) {
    ObjectNode f = json.createObjectNode().put("op", "subscribe").put("id", s.id);
    if (s.filter.namespace() != null) {
      f.put("namespace", s.filter.namespace());
    }
    if (s.filter.group() != null) {
      f.put("group", s.filter.group());
    }
    if (s.filter.service() != null) {
      f.put("service", s.filter.service());
    }
    if (s.resumable && epoch != null && epoch.equals(s.epoch)) {
      f.putObject("resume").put("epoch", s.epoch).put("revision", s.revision);
    } else {
      s.resumable = false;
    }
    s.syncing = true;
    state = State.SYNCING;
    send(f.toString());
  }

  private void unsubscribe(WatchSubscription handle) {
    Sub s = null;
    for (Iterator<Sub> it = subs.values().iterator(); it.hasNext();) {
      Sub x = it.next();
      if (x.handle == handle) {
        s = x;
        it.remove();
      }
    }
    if (s == null) {
      return;
    }
    if (ws != null && helloSeen) {
      send(json.createObjectNode().put("op", "unsubscribe").put("id", s.id).toString());
    }
    WatchFilter gone = s.filter;
    publish(mirror.clear(k -> gone.matches(k) && subs.values().stream().noneMatch(o -> o.filter.matches(k))));
    maybeLive();
  }

  private void onFrame(long g, String text) {
    if (g != gen || closed) {
      return;
    }
    lastFrameAt = System.currentTimeMillis();
    JsonNode f;
    try {
      f = json.readTree(text);
    } catch (Exception e) {
      LOG.log(Level.WARNING, "watch: a frame from {0} is not JSON, skipped: {1}", node, clip(text));
      return;
    }
    if (f == null || !f.isObject()) {
      LOG.log(Level.WARNING, "watch: a frame from {0} is not a JSON object, skipped: {1}", node, clip(text));
      return;
    }
    String type = f.path("type").asText("");
    try {
      switch (type) {
        case "hello" -> onHello(f);
        case "snapshot" -> withSub(f, s -> onSnapshot(s, f));
        case "event" -> withSub(f, s -> onEvent(s, f));
        case "service" -> withSub(f, s -> onService(f));
        case "bookmark" -> withSub(f, s -> onBookmark(s, f));
        case "resumed" -> withSub(f, s -> {
          s.syncing = false;
          ready(s);
        });
        case "reset" -> withSub(f, s -> {
          LOG.log(Level.INFO, "watch: {0} reset subscription {1} ({2}): a snapshot follows", node, s.id,
              f.path("reason").asText());
          s.resumable = false;
          s.syncing = true;
          s.seen = null;
          state = State.SYNCING;
        });
        case "error" -> onError(f);
        case "goaway" -> goAway = true;
        case "pong", "unsubscribed" -> {
        }
        default -> LOG.log(Level.DEBUG, "watch: frame of unknown type from {0} skipped: {1}", node, clip(text));
      }
    } catch (BadFrame | IllegalArgumentException | NullPointerException e) {
      // the mirror may now miss what that frame said: start again from a fresh snapshot
      LOG.log(Level.WARNING, "watch: bad {0} frame from {1} ({2}); reconnecting for a fresh snapshot: {3}", type,
          node, e.getMessage(), clip(text));
      for (Sub s : subs.values()) {
        s.resumable = false;
      }
      drop("bad frame from " + node);
    }
  }

  private void withSub(JsonNode f, java.util.function.Consumer<Sub> action) {
    Sub s = subs.get(f.path("id").asText(""));
    if (s != null) {
      action.accept(s);
    }
  }

  private void onHello(JsonNode f) {
    String e = text(f, "epoch");
    helloSeen = true;
    if (!e.equals(epoch)) {
      revision = 0; // revisions count within one epoch: the status shows what was applied from this one
    }
    epoch = e;
    if (subs.isEmpty()) {
      maybeLive();
    }
    for (Sub s : subs.values()) {
      sendSubscribe(s);
    }
  }

  private void onSnapshot(Sub s, JsonNode f) {
    if (s.seen == null) {
      s.seen = new HashSet<>();
      s.openKey = null;
      s.openList = null;
    }
    JsonNode list = f.get("instances");
    if (list == null || !list.isArray()) {
      throw new BadFrame("snapshot without instances");
    }
    for (JsonNode n : list) {
      Instance i = instance(n);
      if (!i.service().equals(s.openKey)) {
        closeOpenService(s);
        s.openKey = i.service();
        s.openList = new ArrayList<>();
      }
      s.openList.add(i);
    }
    if (f.path("last").asBoolean(false)) {
      closeOpenService(s);
      Set<ServiceKey> seen = s.seen;
      WatchFilter filter = s.filter;
      publish(mirror.clear(k -> filter.matches(k) && !seen.contains(k)));
      s.seen = null;
      s.epoch = f.path("epoch").asText(epoch);
      s.revision = f.path("revision").asLong();
      s.resumable = true;
      s.syncing = false;
      advance(s.revision);
      ready(s);
    }
  }

  /** A service of a snapshot is complete once the next one starts (a snapshot lists services one after another). */
  private void closeOpenService(Sub s) {
    if (s.openKey != null) {
      s.seen.add(s.openKey);
      publish(mirror.replace(s.openKey, s.openList));
      s.openKey = null;
      s.openList = null;
    }
  }

  private void onEvent(Sub s, JsonNode f) {
    JsonNode n = f.get("instance");
    if (n == null || !n.isObject()) {
      throw new BadFrame("event without instance");
    }
    Instance i = instance(n);
    String kind = text(f, "kind");
    switch (kind) {
      case "added", "modified" -> publish(mirror.put(i));
      case "deleted" -> publish(mirror.remove(i));
      default -> throw new BadFrame("unknown kind " + kind);
    }
    long r = f.path("revision").asLong(-1);
    if (s.resumable && r > s.revision) {
      s.revision = r;
      advance(r);
    }
  }

  private void onService(JsonNode f) {
    ServiceKey k = new ServiceKey(text(f, "namespace"), text(f, "group"), text(f, "service"));
    JsonNode list = f.get("instances");
    if (list == null || !list.isArray()) {
      throw new BadFrame("service without instances");
    }
    List<Instance> instances = new ArrayList<>(list.size());
    for (JsonNode n : list) {
      Instance i = instance(n);
      if (!i.service().equals(k)) {
        throw new BadFrame("service frame of " + k + " lists an instance of " + i.service());
      }
      instances.add(i);
    }
    publish(mirror.replace(k, instances));
  }

  private void onBookmark(Sub s, JsonNode f) {
    long r = f.path("revision").asLong(-1);
    String e = f.path("epoch").asText(null);
    if (s.resumable && e != null && e.equals(s.epoch) && r > s.revision) {
      s.revision = r;
      advance(r);
    }
  }

  private void onError(JsonNode f) {
    String code = f.path("code").asText("?");
    String message = f.path("message").asText("");
    Sub s = subs.get(f.path("id").asText(""));
    if (s != null && FATAL_SUBSCRIBE_ERRORS.contains(code)) {
      LOG.log(Level.WARNING, "watch: {0} refused subscription {1} to {2}: {3} {4}", node, s.id, s.filter, code, message);
      subs.remove(s.id);
      settle(s.handle, new WatchException(code, message));
      maybeLive();
    } else {
      LOG.log(Level.WARNING, "watch: error from {0}: {1} {2}", node, code, message);
    }
  }

  private void ready(Sub s) {
    settle(s.handle, null);
    maybeLive();
  }

  /** Completes a subscription's ready future on the delivery executor: its continuations never run on the event loop. */
  private void settle(WatchSubscription handle, Throwable failure) {
    if (handle.ready().isDone()) {
      return;
    }
    try {
      options.getDeliveryExecutor().execute(() -> {
        if (failure == null) {
          handle.ready().complete(null);
        } else {
          handle.ready().completeExceptionally(failure);
        }
      });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the delivery executor refused a task: {0}", e.toString());
    }
  }

  /** LIVE once every subscription has its state on this connection; the failure count starts again. */
  private void maybeLive() {
    if (ws == null || !helloSeen) {
      return;
    }
    for (Sub s : subs.values()) {
      if (s.syncing) {
        state = State.SYNCING;
        return;
      }
    }
    state = State.LIVE;
    failures = 0;
  }

  private void advance(long r) {
    if (r > revision) {
      revision = r;
    }
  }

  private void publish(ServiceChange c) {
    if (c != null) {
      hub.publish(c);
    }
  }

  private void publish(List<ServiceChange> changes) {
    for (ServiceChange c : changes) {
      hub.publish(c);
    }
  }

  private static Instance instance(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new BadFrame("instance is not an object");
    }
    JsonNode port = n.get("port");
    if (port == null || !port.canConvertToInt()) {
      throw new BadFrame("instance without port");
    }
    Map<String, String> metadata = new HashMap<>();
    JsonNode md = n.get("metadata");
    if (md != null && md.isObject()) {
      md.properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    }
    return new Instance(new ServiceKey(text(n, "namespace"), text(n, "group"), text(n, "service")),
        text(n, "cluster"), text(n, "ip"), port.asInt(), n.path("weight").asDouble(1.0),
        n.path("healthy").asBoolean(true), n.path("enabled").asBoolean(true), metadata, n.path("version").asLong(0));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new BadFrame("no text field '" + field + "'");
    }
    return v.asText();
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}

package dev.distro.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.distro.Digests;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.distro.PeerAnswer;
import dev.distro.registry.distro.SyncHandler;
import dev.distro.registry.distro.SyncReport;
import dev.distro.registry.model.Instance;
import dev.distro.registry.node.NodeContext;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The peer port: ping, digest, sync, verify, repair and snapshot, and with {@code fault-injection}
 * on (test only) the fault plan. Every request must carry the cluster secret
 * ({@value PeerClient#SECRET_HEADER}); without it the answer is 401 whatever the path, and nothing
 * is read or changed. Bodies are bounded; heavy work (digests, repairs) runs on a worker.
 */
final class PeerApi {

  private static final Logger LOG = Logger.getLogger(PeerApi.class.getName());
  static final int MAX_PEER_BODY = 64 * 1024 * 1024;
  private static final int SNAPSHOT_CHUNK = 512;
  /** 1,000 addresses of 300 characters, with room for escapes. */
  static final int MAX_FAULTS_BODY = 2 * 1024 * 1024;

  private final NodeContext node;
  private final Cluster cluster;
  private final RegistryStore store;
  private final byte[] secret;
  private final Vertx vertx;
  private final SyncHandler sync;

  PeerApi(Vertx vertx, NodeContext node, Cluster cluster) {
    this.vertx = vertx;
    this.node = node;
    this.cluster = cluster;
    this.store = node.store;
    this.secret = node.config.clusterSecret.getBytes(StandardCharsets.UTF_8);
    this.sync = new SyncHandler(vertx, node);
  }

  void handle(HttpServerRequest req) {
    String given = req.getHeader(PeerClient.SECRET_HEADER);
    if (given == null || !MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8))) {
      node.metrics.clientErrors.increment();
      req.response().setStatusCode(401).putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON).end("{\"error\":\"unauthorized\"}");
      return;
    }
    String route = req.method().name() + " " + req.path();
    switch (route) {
      case "GET /distro/ping" -> ping(req);
      case "GET /distro/digest" -> digest(req);
      case "GET /distro/snapshot" -> snapshot(req);
      case "POST /distro/sync" -> withBody(req, MAX_PEER_BODY, body -> answer(req, sync.handle(body)));
      case "POST /distro/verify" -> withBody(req, MAX_PEER_BODY, body -> verify(req, body));
      case "POST /distro/repair" -> withBody(req, MAX_PEER_BODY, body -> repair(req, body));
      case "GET /distro/faults" -> {
        if (node.runtimeFaults == null) {
          unknown(req, route);
        } else {
          reply(req, 200, node.runtimeFaults.rules().toJson());
        }
      }
      case "POST /distro/faults" -> {
        if (node.runtimeFaults == null) {
          unknown(req, route);
        } else {
          withBody(req, MAX_FAULTS_BODY, body -> faults(req, body));
        }
      }
      default -> unknown(req, route);
    }
  }

  /** What any path the peer port does not serve answers (the fault routes too when fault injection is off). */
  private static void unknown(HttpServerRequest req, String route) {
    reply(req, 404, "{\"error\":\"no such peer api: " + route.replace("\"", "") + "\"}");
  }

  /** Replaces the whole fault plan (test only): {@code {}} heals. A bad body changes nothing. */
  private void faults(HttpServerRequest req, JsonNode body) {
    RuntimeFaultPlan.Rules rules;
    try {
      rules = RuntimeFaultPlan.Rules.fromJson(body);
    } catch (IllegalArgumentException e) {
      reply(req, 400, new JsonWriter().beginObject().field("error", "bad fault plan: " + e.getMessage())
          .endObject().toString());
      return;
    }
    node.runtimeFaults.replace(rules);
    reply(req, 200, rules.toJson());
  }

  private void ping(HttpServerRequest req) {
    JsonWriter w = new JsonWriter().beginObject().field("address", cluster.self())
        .field("state", node.shuttingDown() ? "DOWN" : cluster.selfState().name())
        .field("revision", store.revision()).field("clock", store.clock().millis()).endObject();
    reply(req, 200, w.toString());
  }

  /**
   * The whole registry in one number, for an outside harness comparing nodes for convergence:
   * {@link Digests#combine} of the bucket digests over every instance held (owned or replica), with
   * the counts beside it. Computed on a worker; read without a lock, so under writes the counts and
   * the digest may come from slightly different moments.
   */
  private void digest(HttpServerRequest req) {
    String state = node.shuttingDown() ? "DOWN" : cluster.selfState().name();
    long revision = store.revision();
    vertx.executeBlocking(() -> {
      long digest = Digests.combine(Digests.compute(store, i -> true));
      return new JsonWriter().beginObject().field("address", cluster.self()).field("state", state)
          .field("revision", revision).field("instances", store.instanceCount())
          .field("services", store.serviceCount()).field("tombstones", store.tombstones().size())
          .field("digest", String.format("%016x", digest)).endObject().toString();
    }, false).onComplete(ar -> reply(req, ar.succeeded() ? 200 : 500,
        ar.succeeded() ? ar.result() : "{\"error\":\"digest failed\"}"));
  }

  /** Compares the owner's bucket digests with this node's copies of its entries; answers the buckets that differ. */
  private void verify(HttpServerRequest req, JsonNode body) {
    if (cluster.selfState() != Member.State.UP) {
      reply(req, 503, "{\"error\":\"not verifying while " + cluster.selfState() + "\"}");
      return;
    }
    String from = body.path("from").asText("");
    JsonNode buckets = body.get("buckets");
    Rendezvous ring = senderRing(body, from);
    if (!isMember(from) || buckets == null || !buckets.isArray() || buckets.size() != Digests.BUCKETS
        || ring == BAD_RING) {
      reply(req, 400, "{\"error\":\"bad verify request\"}");
      return;
    }
    long[] theirs = new long[Digests.BUCKETS];
    for (int i = 0; i < theirs.length; i++) {
      theirs[i] = buckets.get(i).asLong();
    }
    cluster.verifiedBy(from, store.clock().monotonicMillis());
    // versions newer than the sender's cutoff are left out on both sides (absent: nothing is)
    JsonNode cutoff = body.get("settledBefore");
    long settledBefore = cutoff != null && cutoff.canConvertToLong() ? cutoff.asLong() : Long.MAX_VALUE;
    // "the sender's instances" as the sender's ring says, so that a moment of disagreement between
    // the rings (a member just came back) is not a mismatch
    vertx.executeBlocking(() -> Digests.compute(store, i -> from.equals(ownerIn(ring, i.ip(), i.port()))
        && Versions.millisOf(i.version()) <= settledBefore), false)
        .onComplete(ar -> {
          if (ar.failed()) {
            reply(req, 500, "{\"error\":\"digest failed\"}");
            return;
          }
          long[] mine = ar.result();
          JsonWriter w = new JsonWriter().beginObject().name("mismatched").beginArray();
          for (int i = 0; i < mine.length; i++) {
            if (mine[i] != theirs[i]) {
              w.value(i);
            }
          }
          reply(req, 200, w.endArray().endObject().toString());
        });
  }

  /**
   * How old a copy must be before a repair may drop it for being absent from the owner: a younger
   * one may still be on its way to the owner (a sync in flight or being retried).
   */
  private long repairGraceMs() {
    return Math.max(2_000, 2 * node.config.verifyIntervalMs);
  }

  /**
   * The owner's full content of some buckets (every instance it holds there and the deletes it
   * remembers): apply what is newer, and drop this node's copies of the owner's entries in those
   * buckets that the owner does not hold, once they are older than {@link #repairGraceMs()}.
   */
  private void repair(HttpServerRequest req, JsonNode body) {
    String from = body.path("from").asText("");
    long asOf = body.path("asOf").asLong(0);
    JsonNode buckets = body.get("buckets");
    JsonNode entries = body.get("entries");
    Rendezvous ring = senderRing(body, from);
    if (!isMember(from) || asOf <= 0 || buckets == null || !buckets.isArray() || entries == null
        || !entries.isArray() || ring == BAD_RING) {
      reply(req, 400, "{\"error\":\"bad repair request\"}");
      return;
    }
    vertx.executeBlocking(() -> {
      Set<Integer> targeted = new HashSet<>();
      for (JsonNode b : buckets) {
        targeted.add(b.asInt(-1));
      }
      SyncCodec.Outcome out = new SyncCodec.Outcome();
      Set<String> listed = new HashSet<>();
      JsonWriter newer = new JsonWriter().beginArray();
      int returned = 0;
      for (JsonNode e : entries) {
        int stale = out.stale;
        String key = SyncCodec.apply(store, e, Reason.REPAIR, out, ownerships(from, ring));
        if (key != null) {
          listed.add(key);
          if (out.stale > stale && SyncCodec.writeNewer(newer, store, e)) {
            returned++;
          }
        }
      }
      int removed = 0;
      long settled = Versions.versionAt(Versions.millisOf(asOf) - repairGraceMs());
      for (ServiceEntry s : store.services()) {
        for (Registration r : s.registrations()) {
          Instance i = r.instance();
          if (!targeted.contains(Digests.bucketOf(i)) || listed.contains(i.globalKey())
              || !senderOwns(from, ring, i.ip(), i.port())) {
            continue;
          }
          if (r.clientSeen() > 0) {
            // The client was heard here and the owner has never heard of the instance (a
            // registration applied here whose sync to the owner was dropped): the owner learns of
            // it from this answer rather than this node forgetting it.
            SyncCodec.writePut(newer, i, r.clientSeen());
            returned++;
          } else if (store.removeStale(r, settled) != null) {
            removed++;
          }
        }
      }
      node.metrics.repairs.increment();
      SyncReport.refused(node.metrics, cluster.self(), from, "repair", out);
      if (out.applied + removed + returned > 0) {
        LOG.info("repair from " + from + ": " + buckets.size() + " buckets, " + out.applied + " applied, "
            + removed + " removed, " + returned + " newer here returned to the owner");
      }
      JsonWriter w = SyncReport.write(new JsonWriter().beginObject(), out).field("removed", removed);
      if (returned > 0) {
        w.name("newer").raw(newer.endArray().toString());
      }
      return w.endObject().toString();
    }, false).onComplete(ar -> reply(req, ar.succeeded() ? 200 : 500,
        ar.succeeded() ? ar.result() : "{\"error\":\"repair failed\"}"));
  }

  /**
   * The full registry as newline-delimited entries (services, instances, remembered deletes),
   * streamed with backpressure: never one buffer holding everything.
   */
  private void snapshot(HttpServerRequest req) {
    if (cluster.selfState() != Member.State.UP || node.shuttingDown()) {
      reply(req, 503, "{\"error\":\"not serving snapshots while " + cluster.selfState() + "\"}");
      return;
    }
    HttpServerResponse resp = req.response();
    resp.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "application/x-ndjson");
    List<Iterator<?>> sources = new ArrayList<>();
    sources.add(store.services().iterator());
    sources.add(store.tombstones().entrySet().iterator());
    Context ctx = vertx.getOrCreateContext();
    new Object() {
      Iterator<Registration> regs = null;
      int source = 0;

      void pump() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        int n = 0;
        while (n < SNAPSHOT_CHUNK) {
          if (regs != null && regs.hasNext()) {
            SyncCodec.writeRegistration(new JsonWriter(sb), regs.next());
            sb.append('\n');
            n++;
            continue;
          }
          regs = null;
          if (source >= sources.size()) {
            break;
          }
          Iterator<?> it = sources.get(source);
          if (!it.hasNext()) {
            source++;
            continue;
          }
          Object o = it.next();
          if (o instanceof ServiceEntry s) {
            if (s.meta().explicit() || s.meta().version() > 0) {
              SyncCodec.writeService(new JsonWriter(sb), s.key(), s.meta());
              sb.append('\n');
              n++;
            }
            regs = s.registrations().iterator();
          } else if (o instanceof Map.Entry<?, ?> e && e.getValue() instanceof RegistryStore.Tombstone t) {
            SyncCodec.writeTombstone(new JsonWriter(sb), (String) e.getKey(), t.version());
            sb.append('\n');
            n++;
          }
        }
        boolean done = source >= sources.size() && regs == null;
        if (sb.length() > 0) {
          resp.write(sb.toString());
        }
        if (done) {
          resp.end();
        } else if (resp.writeQueueFull()) {
          resp.drainHandler(v -> pump());
        } else {
          ctx.runOnContext(v -> pump());
        }
      }
    }.pump();
  }

  private SyncCodec.Ownerships ownerships(String from, Rendezvous senderRing) {
    return new SyncCodec.Ownerships() {
      @Override
      public boolean ownedHere(String ip, int port) {
        return cluster.isResponsible(ip, port);
      }

      @Override
      public boolean senderOwns(String ip, int port) {
        return PeerApi.this.senderOwns(from, senderRing, ip, port);
      }
    };
  }

  /**
   * The sender owns {@code ip:port} by this node's ring and, when it sent its own, by that one too.
   * A repair may override a remembered delete or drop a copy only then: while the rings disagree
   * (a member just came back, one side has not seen it yet) neither side's view alone decides.
   */
  private boolean senderOwns(String from, Rendezvous senderRing, String ip, int port) {
    return from.equals(cluster.ownerOf(ip, port)) && (senderRing == null || from.equals(senderRing.ownerOf(ip, port)));
  }

  private String ownerIn(Rendezvous senderRing, String ip, int port) {
    return senderRing != null ? senderRing.ownerOf(ip, port) : cluster.ownerOf(ip, port);
  }

  /** A ring no request can carry: the marker for a malformed one. */
  private static final Rendezvous BAD_RING = new Rendezvous(List.of());
  private static final int MAX_RING = 4096;

  /**
   * The ring the sender used for this verify round ({@code "ring"}: its members), null when it sent
   * none, {@link #BAD_RING} when it is not a list of at most {@value #MAX_RING} member addresses
   * that includes the sender.
   */
  private static Rendezvous senderRing(JsonNode body, String from) {
    JsonNode ring = body.get("ring");
    if (ring == null || ring.isNull()) {
      return null;
    }
    if (!ring.isArray() || ring.size() > MAX_RING) {
      return BAD_RING;
    }
    List<String> members = new ArrayList<>();
    for (JsonNode m : ring) {
      if (!m.isTextual() || m.asText().isEmpty() || m.asText().length() > 300) {
        return BAD_RING;
      }
      members.add(m.asText());
    }
    return members.contains(from) ? new Rendezvous(members) : BAD_RING;
  }

  private boolean isMember(String address) {
    for (Member m : cluster.members()) {
      if (m.address().equals(address) && !m.self()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads a JSON body of at most {@code max} bytes, then runs {@code then} on the event
   * loop. A body over {@link #INLINE_PARSE} bytes (a repair of large buckets) is parsed on a worker:
   * parsing megabytes must not hold the event loop.
   */
  private void withBody(HttpServerRequest req, int max, java.util.function.Consumer<JsonNode> then) {
    readBody(req, max).onComplete(ar -> {
      if (ar.failed()) {
        reply(req, 413, "{\"error\":\"" + ar.cause().getMessage().replace("\"", "'") + "\"}");
        return;
      }
      Buffer raw = ar.result();
      Future<JsonNode> parsed = raw.length() <= INLINE_PARSE ? parse(raw)
          : vertx.executeBlocking(() -> parse(raw).result(), false);
      parsed.onComplete(pr -> {
        JsonNode body = pr.succeeded() ? pr.result() : null;
        if (body == null) {
          reply(req, 400, "{\"error\":\"malformed JSON\"}");
          return;
        }
        if (!body.isObject()) {
          reply(req, 400, "{\"error\":\"expected a JSON object\"}");
          return;
        }
        try {
          then.accept(body);
        } catch (RuntimeException e) {
          LOG.warning("peer request " + req.path() + " failed: " + e);
          reply(req, 500, "{\"error\":\"internal error\"}");
        }
      });
    });
  }

  static final int INLINE_PARSE = 256 * 1024;

  /** Completes with the tree, or with null when the bytes are not JSON. */
  private static Future<JsonNode> parse(Buffer raw) {
    try {
      return Future.succeededFuture(Json.parse(raw.getBytes()));
    } catch (Exception e) {
      return Future.succeededFuture(null);
    }
  }

  static Future<Buffer> readBody(HttpServerRequest req, int max) {
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (len != null) {
      try {
        if (Long.parseLong(len.trim()) > max) {
          return Future.failedFuture("body over " + max + " bytes");
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture("bad content-length");
      }
    }
    Promise<Buffer> p = Promise.promise();
    Buffer acc = Buffer.buffer();
    req.handler(chunk -> {
      if (acc.length() + chunk.length() > max) {
        req.handler(null);
        p.tryFail("body over " + max + " bytes");
        req.connection().close();
        return;
      }
      acc.appendBuffer(chunk);
    });
    req.exceptionHandler(p::tryFail);
    req.endHandler(v -> p.tryComplete(acc));
    return p.future();
  }

  private static void answer(HttpServerRequest req, Future<PeerAnswer> answer) {
    answer.onSuccess(a -> reply(req, a.status(), a.json()));
  }

  private static void reply(HttpServerRequest req, int status, String json) {
    HttpServerResponse resp = req.response();
    if (!resp.ended() && !resp.closed()) {
      resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Call.JSON).end(json);
    }
  }
}

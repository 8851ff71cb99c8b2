package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Scan;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.logging.Logger;

/**
 * Anti-entropy. Every verify interval this node sends each live peer the {@link Digests} of the
 * instances it owns: {@value Digests#BUCKETS} numbers, whatever the number of instances. The peer
 * answers which buckets differ from its copies; this node then sends the full content of those
 * buckets only (a repair), and the peer applies what is newer and drops what the owner no longer
 * has. A verify received also tells the peer that this owner is alive, which keeps its replicas of
 * this node's instances from being evicted. Old tombstones are pruned here too.
 */
public final class VerifyVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(VerifyVerticle.class.getName());
  private static final ObjectMapper MAPPER = dev.distro.registry.support.Json.MAPPER;

  private final NodeConfig config;
  private final RegistryStore store;
  private final Counters metrics;
  private final Liveness liveness;
  private final Cluster cluster;
  private final PeerClients peerClients;
  private final RoundDigests digests;
  /** Wall ms of the oldest local change a peer has not acknowledged ({@code Long.MAX_VALUE}: none). */
  private final ToLongFunction<String> oldestUnacked;
  private PeerClient peers;
  private long timer = -1;
  private boolean running;

  public VerifyVerticle(NodeConfig config, RegistryStore store, Counters metrics, Cluster cluster, Liveness liveness,
      PeerClients peerClients) {
    this(config, store, metrics, cluster, liveness, peerClients, peer -> Long.MAX_VALUE, RoundDigests.watching(store));
  }

  /**
   * {@code oldestUnacked}: the sync's {@link DistroSyncVerticle#oldestUnacked}; {@code digests}: the
   * node's, shared with the verify handler (and a listener of the store).
   */
  public VerifyVerticle(NodeConfig config, RegistryStore store, Counters metrics, Cluster cluster, Liveness liveness,
      PeerClients peerClients, ToLongFunction<String> oldestUnacked, RoundDigests digests) {
    this.oldestUnacked = oldestUnacked;
    this.digests = digests;
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.liveness = liveness;
    this.cluster = cluster;
    this.peerClients = peerClients;
  }

  @Override
  public Future<?> start() {
    liveness.watch("verify", context);
    peers = peerClients.create(vertx);
    timer = vertx.setPeriodic(config.verifyIntervalMs, id -> round());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    peers.close();
    return Future.succeededFuture();
  }

  /**
   * How old a version must be to count in a round's digests (both sides leave newer ones out): a
   * write younger than this may still be in a sync batch, and counting it would make its bucket
   * differ and push the whole bucket as a repair (under a registration storm, most buckets, every
   * round). A copy that is still missing or stale after this long is found by the next round.
   */
  long settleMs() {
    return Math.min(config.verifyIntervalMs, MAX_SETTLE_MS);
  }

  static final long MAX_SETTLE_MS = 2_000;

  /**
   * How far back a slow sync may move a round's cutoff: a change a peer has not acknowledged is
   * still on its way, so the round leaves it out however old it is, up to this age (well inside the
   * tombstones' lifetime, which the settled digests of deletes need). Before, a sync lagging more
   * than the settle time under load made every round find differences and push whole buckets as
   * repairs, which loaded the saturated nodes further.
   */
  static final long MAX_BACKLOG_SETTLE_MS = 30_000;

  /**
   * The cutoff of a round to {@code targets} at wall ms {@code now}, moved back to a multiple of the
   * verify interval ({@link RoundDigests#align}): the members' rounds of one interval then share it,
   * and each member answers its own round and its peers' verifies from one walk.
   */
  long settledBefore(long now, List<String> targets) {
    long cutoff = now - settleMs();
    for (String peer : targets) {
      long oldest = oldestUnacked.applyAsLong(peer);
      if (oldest != Long.MAX_VALUE) {
        cutoff = Math.min(cutoff, Math.max(now - MAX_BACKLOG_SETTLE_MS, oldest - 1));
      }
    }
    return RoundDigests.align(cutoff, config.verifyIntervalMs);
  }

  /** How long a tombstone is kept: long enough for any in-flight stale copy to arrive and lose. */
  long tombstoneTtlMs() {
    return Math.max(60_000, 6 * config.verifyIntervalMs);
  }

  /**
   * One verify round to every live peer; skipped while the previous one is still running. A peer
   * still loading its snapshot is left out: its digests cannot match yet, and repairing it would
   * push whole buckets it is about to receive anyway.
   */
  public Future<Void> round() {
    if (running || cluster.selfState() != Member.State.UP) {
      return Future.succeededFuture();
    }
    store.pruneTombstones(store.clock().monotonicMillis() - tombstoneTtlMs());
    List<String> targets = new ArrayList<>();
    for (Member m : cluster.livePeers()) {
      if (m.state() != Member.State.STARTING && m.state() != Member.State.SKEWED) {
        targets.add(m.address());
      }
    }
    if (targets.isEmpty()) {
      return Future.succeededFuture();
    }
    running = true;
    long settledBefore = settledBefore(store.clock().millis(), targets);
    // One ring for the whole round (digests and repairs), and it travels with them: a peer whose
    // ring differs for a moment (a member just came back) judges "owned by the sender" by this one.
    Rendezvous ring = cluster.view().ring();
    return digests.of(vertx, cluster.self(), ring, settledBefore)
        .compose(mine -> {
          StringBuilder sb = new StringBuilder(Digests.BUCKETS * 21 + 64);
          JsonWriter w = new JsonWriter(sb).beginObject().field("from", cluster.self())
              .field("settledBefore", settledBefore);
          writeRing(w, ring);
          w.name("buckets").beginArray();
          for (long d : mine) {
            w.value(d);
          }
          String body = w.endArray().endObject().toString();
          List<Future<Void>> all = new ArrayList<>();
          for (String peer : targets) {
            all.add(verify(peer, body, ring));
          }
          return Future.join(all).<Void>mapEmpty().otherwiseEmpty();
        })
        .onComplete(ar -> {
          running = false;
          metrics.verifyRounds.increment();
        });
  }

  private boolean ownedHere(Rendezvous ring, Instance i) {
    return cluster.self().equals(Ownership.ownerIn(ring, i));
  }

  private static void writeRing(JsonWriter w, Rendezvous ring) {
    w.name("ring").beginArray();
    for (String m : ring.members()) {
      w.value(m);
    }
    w.endArray();
  }

  private Future<Void> verify(String peer, String body, Rendezvous ring) {
    metrics.verifyBytesSent.add(body.length());
    return peers.peer(peer, HttpMethod.POST, "/distro/verify", Buffer.buffer(body), 5_000)
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return Future.failedFuture("verify answered " + resp.statusCode());
          }
          JsonNode mismatched;
          try {
            mismatched = MAPPER.readTree(resp.body().getBytes()).get("mismatched");
          } catch (Exception e) {
            return Future.failedFuture(e);
          }
          Set<Integer> buckets = new HashSet<>();
          if (mismatched != null && mismatched.isArray()) {
            for (JsonNode b : mismatched) {
              int i = b.asInt(-1);
              if (i >= 0 && i < Digests.BUCKETS) {
                buckets.add(i);
              }
            }
          }
          if (buckets.isEmpty()) {
            return Future.succeededFuture();
          }
          metrics.mismatchedBuckets.add(buckets.size());
          return repair(peer, buckets, ring);
        })
        .recover(err -> {
          metrics.verifyFailures.increment();
          SyncReport.WARNINGS.warn(LOG, cluster.self() + "|verify|" + peer, () -> cluster.self() + ": verify or repair"
              + " with " + peer + " failed (" + err.getMessage() + "); the next round tries again");
          return Future.succeededFuture();
        });
  }

  /**
   * Pushes the content of the differing buckets: the instances this node owns there and its
   * tombstones there. Whole buckets travel together (the peer drops copies a listed bucket does not
   * contain), in requests of about {@link #REPAIR_ENTRIES} entries each, sent one after another, so
   * that no body approaches the peer's size limit however large the registry.
   */
  private Future<Void> repair(String peer, Set<Integer> buckets, Rendezvous ring) {
    return vertx.executeBlocking(() -> {
      long asOf = store.versions().next();
      Map<Integer, List<Registration>> content = new TreeMap<>();
      for (int b : buckets) {
        content.put(b, new ArrayList<>());
      }
      Scan.registrations(store, r -> {
        Instance i = r.instance();
        List<Registration> in = content.get(Digests.bucketOf(r));
        if (in != null && ownedHere(ring, i)) {
          in.add(r);
        }
      });
      Map<Integer, List<Map.Entry<String, Long>>> dead = new HashMap<>();
      for (var t : store.tombstones().entrySet()) {
        if (!t.getKey().startsWith("svc:")) {
          int b = Digests.bucketOf(t.getKey());
          if (content.containsKey(b)) {
            dead.computeIfAbsent(b, k -> new ArrayList<>()).add(Map.entry(t.getKey(), t.getValue().version()));
          }
        }
      }
      List<String> bodies = new ArrayList<>();
      List<Integer> chunk = new ArrayList<>();
      int size = 0;
      for (var e : content.entrySet()) {
        int n = e.getValue().size() + dead.getOrDefault(e.getKey(), List.of()).size();
        if (!chunk.isEmpty() && size + n > repairEntries) {
          bodies.add(repairBody(asOf, ring, chunk, content, dead));
          chunk = new ArrayList<>();
          size = 0;
        }
        chunk.add(e.getKey());
        size += n;
      }
      if (!chunk.isEmpty()) {
        bodies.add(repairBody(asOf, ring, chunk, content, dead));
      }
      return bodies;
    }, false).compose(bodies -> sendInTurn(peer, bodies, 0));
  }

  static final int REPAIR_ENTRIES = 10_000;
  /** Entries per repair request; tests lower it to exercise several requests. */
  static volatile int repairEntries = REPAIR_ENTRIES;

  private String repairBody(long asOf, Rendezvous ring, List<Integer> chunk,
      Map<Integer, List<Registration>> content,
      Map<Integer, List<Map.Entry<String, Long>>> dead) {
    JsonWriter w = new JsonWriter(new StringBuilder(64 * 1024)).beginObject().field("from", cluster.self())
        .field("asOf", asOf);
    writeRing(w, ring);
    w.name("buckets").beginArray();
    for (int b : chunk) {
      w.value(b);
    }
    w.endArray().name("entries").beginArray();
    for (int b : chunk) {
      for (Registration r : content.get(b)) {
        SyncCodec.writePut(w, r.instance(), store.clientSeen(r));
      }
      for (var t : dead.getOrDefault(b, List.of())) {
        SyncCodec.writeTombstone(w, t.getKey(), t.getValue());
      }
    }
    return w.endArray().endObject().toString();
  }

  private Future<Void> sendInTurn(String peer, List<String> bodies, int i) {
    if (i >= bodies.size()) {
      return Future.succeededFuture();
    }
    return peers.peer(peer, HttpMethod.POST, "/distro/repair", Buffer.buffer(bodies.get(i)), 10_000)
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return Future.failedFuture("repair answered " + resp.statusCode());
          }
          JsonNode answer = DistroSyncVerticle.answer(resp.body());
          SyncReport.answered(metrics, cluster.self(), peer, "repair", answer);
          return applyNewer(peer, answer).compose(v -> sendInTurn(peer, bodies, i + 1));
        });
  }

  /**
   * Applies what the repaired peer answered it holds newer than this owner's listing
   * ({@code "newer"}): changes it made to this node's instances that never reached this node.
   * They are applied as changes from a peer, by the same rules as a sync.
   */
  private Future<Void> applyNewer(String peer, JsonNode answer) {
    JsonNode newer = answer == null ? null : answer.get("newer");
    if (newer == null || !newer.isArray() || newer.isEmpty()) {
      return Future.succeededFuture();
    }
    SyncCodec.OwnerFacts owners = new SyncCodec.OwnerFacts() {
      @Override
      public boolean ownedHere(Instance i) {
        return cluster.isResponsible(i);
      }
    };
    return vertx.executeBlocking(() -> {
      SyncCodec.Tally out = new SyncCodec.Tally();
      for (JsonNode e : newer) {
        SyncCodec.apply(store, e, Reason.SYNC, out, owners);
      }
      metrics.repairReturns.add(out.applied);
      SyncReport.refused(metrics, cluster.self(), peer, "repair answer", out);
      if (out.applied > 0) {
        LOG.info(cluster.self() + ": " + peer + " held " + out.applied + " of this node's instances newer than"
            + " it (changes made there that never reached this node): applied");
      }
      return null;
    }, false);
  }
}

package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Receives a repair: the owner's full content of some buckets (every instance it holds there and
 * the deletes it remembers, {@code {"from", "asOf", "buckets", "entries", "ring"?}}). Applies what
 * is newer, drops this node's copies of the owner's entries in those buckets that the owner does
 * not hold once they are older than {@link #graceMs}, and answers the counts with, under
 * {@code "newer"}, the entries this node holds newer (made before the owner's listing, or heard
 * from their client) for the owner to take. Runs on a worker.
 */
public final class RepairHandler {

  private static final Logger LOG = Logger.getLogger(RepairHandler.class.getName());

  private final Vertx vertx;
  private final RegistryStore store;
  private final Cluster cluster;
  private final Counters metrics;
  private final long verifyIntervalMs;
  private final Senders senders;

  public RepairHandler(Vertx vertx, RegistryStore store, Cluster cluster, Counters metrics, long verifyIntervalMs) {
    this.vertx = vertx;
    this.store = store;
    this.cluster = cluster;
    this.metrics = metrics;
    this.verifyIntervalMs = verifyIntervalMs;
    this.senders = new Senders(cluster);
  }

  /**
   * How old a copy must be before a repair may drop it for being absent from the owner: a younger
   * one may still be on its way to the owner (a sync in flight or being retried).
   */
  static long graceMs(long verifyIntervalMs) {
    return Math.max(2_000, 2 * verifyIntervalMs);
  }

  public Future<PeerAnswer> handle(JsonNode body) {
    String from = body.path("from").asText("");
    long asOf = body.path("asOf").asLong(0);
    JsonNode buckets = body.get("buckets");
    JsonNode entries = body.get("entries");
    Rendezvous ring = Senders.ring(body, from);
    if (!senders.isMember(from) || asOf <= 0 || buckets == null || !buckets.isArray() || entries == null
        || !entries.isArray() || ring == Senders.BAD_RING) {
      return Future.succeededFuture(PeerAnswer.error(400, "bad repair request"));
    }
    return vertx.executeBlocking(() -> repair(from, asOf, buckets, entries, ring), false)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? PeerAnswer.ok(ar.result())
            : PeerAnswer.error(500, "repair failed")));
  }

  /** Carries a validated repair out on the calling thread; the answer's body. */
  String repair(String from, long asOf, JsonNode buckets, JsonNode entries, Rendezvous ring) {
    Set<Integer> targeted = new HashSet<>();
    for (JsonNode b : buckets) {
      targeted.add(b.asInt(-1));
    }
    SyncCodec.Tally out = new SyncCodec.Tally();
    Set<String> listed = new HashSet<>();
    JsonWriter newer = new JsonWriter().beginArray();
    int returned = 0;
    SyncCodec.OwnerFacts owners = senders.ownerFacts(from, ring);
    for (JsonNode e : entries) {
      int stale = out.stale;
      String key = SyncCodec.apply(store, e, Reason.REPAIR, out, owners);
      if (key != null) {
        listed.add(key);
        if (out.stale > stale && SyncCodec.writeNewer(newer, store, e, asOf)) {
          returned++;
        }
      }
    }
    int removed = 0;
    long settled = Versions.versionAt(Versions.millisOf(asOf) - graceMs(verifyIntervalMs));
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        Instance i = r.instance();
        if (!targeted.contains(Digests.bucketOf(r)) || listed.contains(i.globalKey())
            || !senders.senderOwns(from, ring, i)) {
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
    metrics.repairs.increment();
    SyncReport.refused(metrics, cluster.self(), from, "repair", out);
    if (out.applied + removed + returned > 0) {
      LOG.info("repair from " + from + ": " + buckets.size() + " buckets, " + out.applied + " applied, "
          + removed + " removed, " + returned + " newer here returned to the owner");
    }
    JsonWriter w = SyncReport.write(new JsonWriter().beginObject(), out).field("removed", removed);
    if (returned > 0) {
      w.name("newer").raw(newer.endArray().toString());
    }
    return w.endObject().toString();
  }
}

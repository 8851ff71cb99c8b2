package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Receives a verify round ({@code {"from", "buckets": [256 digests], "ring"?, "settledBefore"?}}):
 * compares the owner's bucket digests with this node's copies of its entries (computed on a
 * worker) and answers the buckets that differ, {@code {"mismatched": [...]}}.
 */
public final class VerifyHandler {

  private final Vertx vertx;
  private final RegistryStore store;
  private final Cluster cluster;
  private final Senders senders;
  private final RoundDigests digests;

  public VerifyHandler(Vertx vertx, RegistryStore store, Cluster cluster) {
    this(vertx, store, cluster, RoundDigests.watching(store));
  }

  /** {@code digests}: the node's, shared with its verify rounds. */
  public VerifyHandler(Vertx vertx, RegistryStore store, Cluster cluster, RoundDigests digests) {
    this.vertx = vertx;
    this.store = store;
    this.cluster = cluster;
    this.senders = new Senders(cluster);
    this.digests = digests;
  }

  public Future<PeerAnswer> handle(JsonNode body) {
    if (cluster.selfState() != Member.State.UP) {
      return Future.succeededFuture(PeerAnswer.error(503, "not verifying while " + cluster.selfState()));
    }
    String from = body.path("from").asText("");
    JsonNode buckets = body.get("buckets");
    Rendezvous ring = Senders.ring(body, from);
    if (!senders.isMember(from) || buckets == null || !buckets.isArray() || buckets.size() != Digests.BUCKETS
        || ring == Senders.BAD_RING) {
      return Future.succeededFuture(PeerAnswer.error(400, "bad verify request"));
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
    // (a sender without a ring: this node's)
    return digests.of(vertx, from, ring != null ? ring : cluster.view().ring(), settledBefore)
        .transform(ar -> Future.succeededFuture(ar.failed() ? PeerAnswer.error(500, "digest failed")
            : PeerAnswer.ok(mismatched(ar.result(), theirs))));
  }

  /** {@code {"mismatched": [the buckets whose digests differ]}}. */
  static String mismatched(long[] mine, long[] theirs) {
    JsonWriter w = new JsonWriter().beginObject().name("mismatched").beginArray();
    for (int i = 0; i < mine.length; i++) {
      if (mine[i] != theirs[i]) {
        w.value(i);
      }
    }
    return w.endArray().endObject().toString();
  }
}

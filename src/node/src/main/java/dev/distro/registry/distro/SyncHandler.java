package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Versions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Receives a sync batch ({@code {"from": member, "entries": [...]}}): applies each entry under the
 * merge rules, records the replication lag, counts and logs what it refused, and answers the
 * counts ({@link SyncReport}). A batch of up to {@value #INLINE_MAX} entries is applied on the
 * calling event loop; a larger one on an ordered worker, so batches keep their order.
 */
public final class SyncHandler {

  /** Sync batches up to this many entries are applied on the event loop; larger ones on a worker. */
  public static final int INLINE_MAX = 256;

  private final Vertx vertx;
  private final RegistryStore store;
  private final Cluster cluster;
  private final Counters metrics;
  private final PrometheusMeters meters;
  private final Senders senders;

  public SyncHandler(Vertx vertx, RegistryStore store, Cluster cluster, Counters metrics, PrometheusMeters meters) {
    this.vertx = vertx;
    this.store = store;
    this.cluster = cluster;
    this.metrics = metrics;
    this.meters = meters;
    this.senders = new Senders(cluster);
  }

  /** The answer to a parsed sync body; an unexpected failure of a small batch is thrown. */
  public Future<PeerAnswer> handle(JsonNode body) {
    JsonNode entries = body.get("entries");
    if (entries == null || !entries.isArray()) {
      return Future.succeededFuture(PeerAnswer.error(400, "entries missing"));
    }
    return handle(body.path("from").asText(""), fields(entries));
  }

  private static List<SyncCodec.Fields> fields(JsonNode entries) {
    List<SyncCodec.Fields> fields = new ArrayList<>(entries.size());
    for (JsonNode e : entries) {
      fields.add(e::get);
    }
    return fields;
  }

  /** Applies a parsed array of entries on the calling thread; the answer's body. */
  String apply(JsonNode entries, String from) {
    return apply(fields(entries), from);
  }

  /** The answer to a sync body read from the stream ({@link SyncBatch}), as for its tree. */
  public Future<PeerAnswer> handle(SyncBatch body) {
    if (body.entries() == null) {
      return Future.succeededFuture(PeerAnswer.error(400, "entries missing"));
    }
    return handle(body.from(), body.entries());
  }

  private Future<PeerAnswer> handle(String from, List<? extends SyncCodec.Fields> entries) {
    if (entries.size() <= INLINE_MAX) {
      return Future.succeededFuture(PeerAnswer.ok(apply(entries, from)));
    }
    return vertx.executeBlocking(() -> apply(entries, from), true)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? PeerAnswer.ok(ar.result())
            : PeerAnswer.error(500, "sync failed")));
  }

  /** Applies the entries on the calling thread; the answer's body. */
  String apply(List<? extends SyncCodec.Fields> entries, String from) {
    SyncCodec.OwnerFacts owners = senders.ownerFacts(from, null);
    SyncCodec.Tally out = new SyncCodec.Tally();
    long now = store.clock().millis();
    for (SyncCodec.Fields e : entries) {
      SyncCodec.apply(store, e, Reason.SYNC, out, owners);
      JsonNode v = e.get("v");
      meters.replicationLag(now - Versions.millisOf(v == null ? 0 : v.asLong(0)));
    }
    metrics.syncEntriesReceived.add(entries.size());
    SyncReport.refused(metrics, cluster.self(), from, "sync", out);
    return SyncReport.answer(out);
  }
}

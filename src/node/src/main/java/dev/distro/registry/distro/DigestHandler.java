package dev.distro.registry.distro;

import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.support.JsonWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * What a peer or an outside harness reads of this node's state: the ping answer (address, state,
 * revision and this node's clock reading, from which peers estimate skew) and the whole-registry
 * digest.
 */
public final class DigestHandler {

  private final Vertx vertx;
  private final RegistryStore store;
  private final Cluster cluster;
  private final NodeStatus status;

  public DigestHandler(Vertx vertx, RegistryStore store, Cluster cluster, NodeStatus status) {
    this.vertx = vertx;
    this.store = store;
    this.cluster = cluster;
    this.status = status;
  }

  private String state() {
    return status.shuttingDown() ? "DOWN" : cluster.selfState().name();
  }

  /** {@code {"address", "state", "revision", "clock"}}. */
  public PeerAnswer ping() {
    return PeerAnswer.ok(new JsonWriter().beginObject().field("address", cluster.self())
        .field("state", state()).field("revision", store.revision())
        .field("clock", store.clock().millis()).endObject().toString());
  }

  /**
   * The whole registry in one number, for an outside harness comparing nodes for convergence:
   * {@link Digests#combine} of the bucket digests over every instance held (owned or replica), with
   * the counts beside it. Computed on a worker; read without a lock, so under writes the counts and
   * the digest may come from slightly different moments.
   */
  public Future<PeerAnswer> digest() {
    String state = state();
    long revision = store.revision();
    return vertx.executeBlocking(() -> {
      long digest = Digests.combine(Digests.compute(store, i -> true));
      return new JsonWriter().beginObject().field("address", cluster.self()).field("state", state)
          .field("revision", revision).field("instances", store.instanceCount())
          .field("services", store.serviceCount()).field("tombstones", store.tombstones().size())
          .field("digest", String.format("%016x", digest)).endObject().toString();
    }, false).transform(ar -> Future.succeededFuture(ar.succeeded() ? PeerAnswer.ok(ar.result())
        : PeerAnswer.error(500, "digest failed")));
  }
}

package dev.distro.registry.distro;

import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ChangeEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * Sends one change to the peers now, ahead of the batch sync, for a write that must not be
 * acknowledged before a peer has it (a deregistration: the node may crash before its next sync
 * batch, and a client that deregistered does not come back to repeat it). The returned future
 * never fails.
 */
@FunctionalInterface
public interface ImmediateReplication {

  /** A standalone node's: nothing to send, done at once. */
  ImmediateReplication NONE = change -> Future.succeededFuture();

  Future<Void> replicate(ChangeEvent change);

  /** One peer's answer to a sync body: its status, or a failure when it gave none in time. */
  @FunctionalInterface
  interface Sender {
    Future<Integer> send(String member, Buffer body, long timeoutMs);
  }

  /** Over the peer port's {@code POST /distro/sync}. */
  static ImmediateReplication toPeers(Vertx vertx, Cluster cluster, RegistryStore store, long forwardTimeoutMs,
      PeerClient peers) {
    return new ImmediateReplicationImpl(vertx, cluster, store, forwardTimeoutMs, (member, body, timeoutMs) ->
        peers.peer(member, HttpMethod.POST, "/distro/sync", body, timeoutMs).map(r -> r.statusCode()));
  }
}

package dev.distro.registry.distro;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ChangeEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends the change to every UP peer at once and completes when the first acknowledges it (200),
 * when all have failed, or after {@link #waitMs}. The batch sync sends the change as well; the
 * second copy is stale and skipped.
 */
final class ImmediateReplicationImpl implements ImmediateReplication {

  private final Vertx vertx;
  private final Cluster cluster;
  private final RegistryStore store;
  private final long forwardTimeoutMs;
  private final Sender sender;

  ImmediateReplicationImpl(Vertx vertx, Cluster cluster, RegistryStore store, long forwardTimeoutMs, Sender sender) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.store = store;
    this.forwardTimeoutMs = forwardTimeoutMs;
    this.sender = sender;
  }

  /**
   * How long a deregistration waits for a peer to have it: half the forward timeout. The request
   * may itself be a forward whose sender waits the forward timeout for this answer; an equal wait
   * here would answer just as the sender gives up and applies the deregistration a second time.
   */
  static long waitMs(long forwardTimeoutMs) {
    return Math.max(1, forwardTimeoutMs / 2);
  }

  @Override
  public Future<Void> replicate(ChangeEvent change) {
    List<String> targets = new ArrayList<>();
    for (Member m : cluster.livePeers()) {
      if (m.state() == Member.State.UP) {
        targets.add(m.address());
      }
    }
    if (targets.isEmpty()) {
      return Future.succeededFuture();
    }
    Buffer body = Buffer.buffer(SyncCodec.syncBody(cluster.self(), List.of(change), store));
    Promise<Void> done = Promise.promise();
    long wait = waitMs(forwardTimeoutMs);
    long timer = vertx.setTimer(wait, id -> done.tryComplete());
    int[] pending = {targets.size()};
    for (String t : targets) {
      sender.send(t, body, wait).onComplete(ar -> {
        if (ar.succeeded() && ar.result() == 200 || --pending[0] == 0) {
          done.tryComplete();
        }
      });
    }
    return done.future().andThen(ar -> vertx.cancelTimer(timer));
  }
}

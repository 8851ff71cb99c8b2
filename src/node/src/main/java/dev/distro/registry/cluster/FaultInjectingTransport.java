package dev.distro.registry.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.NoRouteToHostException;

/**
 * Test only: a {@link PeerTransport} in front of another that applies a {@link FaultPlan} to every
 * request this node sends. A cut link fails at once as unreachable (a partition, never a member that
 * is gone); a delay holds the request back on a timer, then sends it with its usual deadline.
 * {@link PeerClients} installs it only when the node was given a plan or runs with
 * {@code --fault-injection=true}.
 */
final class FaultInjectingTransport implements PeerTransport {

  private final PeerTransport next;
  private final FaultPlan plan;
  private final String self;
  private final Vertx vertx;

  FaultInjectingTransport(PeerTransport next, FaultPlan plan, String self, Vertx vertx) {
    this.next = next;
    this.plan = plan;
    this.self = self;
    this.vertx = vertx;
  }

  @Override
  public Future<Response> send(String member, Request request) {
    if (plan.drops(self, member)) {
      return Future.failedFuture(new NoRouteToHostException("fault plan: link " + self + " -> " + member + " cut"));
    }
    long delay = plan.delayMs(self, member);
    if (delay > 0) {
      return vertx.timer(delay).compose(v -> next.send(member, request));
    }
    return next.send(member, request);
  }

  @Override
  public void close() {
    next.close();
  }
}

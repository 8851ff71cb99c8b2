package dev.distro.registry.cluster;

import dev.distro.registry.config.NodeConfig;
import io.vertx.core.Vertx;

/**
 * Makes this node's {@link PeerClient}s, one per verticle, each on the event loop of the verticle
 * that asks: the HTTP transport, with the {@link FaultInjectingTransport} in front of it only when
 * the node has a fault plan (a test's plan, or {@code --fault-injection=true}). Without one, no
 * code of fault injection runs on a request.
 */
public final class PeerClients {

  private final NodeConfig config;
  private final String self;
  private final FaultPlan faults;

  /** @param faults the plan for outgoing peer traffic; {@link FaultPlan#NONE} or null: none */
  public PeerClients(NodeConfig config, String self, FaultPlan faults) {
    this.config = config;
    this.self = self;
    this.faults = faults == FaultPlan.NONE ? null : faults;
  }

  /** A client living on the calling verticle's event loop; close it in the verticle's {@code stop()}. */
  public PeerClient create(Vertx vertx) {
    PeerTransport http = new HttpPeerTransport(vertx, config, self);
    return new PeerClient(faults == null ? http : new FaultInjectingTransport(http, faults, self, vertx));
  }

  /** For a request made outside a {@link PeerClient} (the snapshot stream): the plan cuts the link to {@code member}. */
  public boolean cut(String member) {
    return faults != null && faults.drops(self, member);
  }
}

package dev.distro.registry.node;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.store.NodeMetrics;
import dev.distro.registry.store.RegistryStore;
import java.util.List;
import java.util.function.Supplier;

/**
 * The objects one node's verticles share, built once by {@code Main} and handed to every verticle
 * through its constructor: configuration, the registry, switches, counters, the ownership function
 * and the member view, and the node's lifecycle flags.
 */
public final class NodeContext {

  public final NodeConfig config;
  public final RegistryStore store;
  public final Switches switches;
  public final NodeMetrics metrics;
  private volatile Ownership ownership;
  private volatile Supplier<List<Member>> members;
  private volatile boolean ready;
  private volatile boolean shuttingDown;
  private volatile String notReadyReason = "starting";
  public final long startedAt;

  public NodeContext(NodeConfig config, RegistryStore store) {
    this.config = config;
    this.store = store;
    this.switches = new Switches();
    this.metrics = new NodeMetrics();
    this.ownership = Ownership.SELF;
    this.startedAt = store.clock().millis();
    Member self = new Member(config.self(), config.host, config.port, Member.State.UP, 0, true);
    this.members = () -> List.of(self);
    store.addListener(metrics);
  }

  public Ownership ownership() {
    return ownership;
  }

  /** Whether this node is responsible for {@code ip:port} under the current ownership. */
  public boolean isResponsibleHere(String ip, int port) {
    return ownership.isResponsible(ip, port);
  }

  public void ownership(Ownership o) {
    this.ownership = o;
  }

  public List<Member> members() {
    return members.get();
  }

  public void members(Supplier<List<Member>> m) {
    this.members = m;
  }

  public boolean ready() {
    return ready && !shuttingDown;
  }

  public String notReadyReason() {
    return shuttingDown ? "shutting down" : ready ? null : notReadyReason;
  }

  public void markReady() {
    ready = true;
  }

  public void markNotReady(String reason) {
    notReadyReason = reason;
    ready = false;
  }

  public void markShuttingDown() {
    shuttingDown = true;
  }

  public boolean shuttingDown() {
    return shuttingDown;
  }

  /** The Nacos server status: an overriding switch, else UP once ready, else STARTING (DOWN when stopping). */
  public String status() {
    String o = switches.overriddenServerStatus();
    if (o != null) {
      return o;
    }
    if (shuttingDown) {
      return "DOWN";
    }
    return ready ? "UP" : "STARTING";
  }
}

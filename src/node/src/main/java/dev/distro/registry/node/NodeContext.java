package dev.distro.registry.node;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.push.PushTargets;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.watch.WatchHub;
import java.util.List;

/**
 * The objects one node's verticles share, built once by {@code Main} and handed to every verticle
 * through its constructor: configuration, the registry, switches, counters, the ownership function
 * and the member view, and the node's lifecycle flags.
 */
public final class NodeContext {

  public final NodeConfig config;
  public final RegistryStore store;
  public final Switches switches;
  public final Counters metrics;
  public final Cluster cluster;
  public final WatchHub watch;
  public final Liveness liveness;
  public final PrometheusMeters meters;
  /** Client authentication (off unless {@code --auth-enabled}); its tokens come from the token file. */
  public final AccessControl access;
  /** The plan {@code POST /distro/faults} edits; null unless {@code --fault-injection=true} (test only). */
  public final RuntimeFaultPlan runtimeFaults;
  private volatile PushTargets push = PushTargets.NONE;
  public final NodeStatus status;
  /** Makes the verticles' peer clients; fault injection only with a plan (test only). */
  public final PeerClients peerClients;

  public NodeContext(NodeConfig config, RegistryStore store, Switches switches, NodeStatus status, Counters metrics,
      PrometheusMeters meters, Cluster cluster, WatchHub watch, Liveness liveness, AccessControl access,
      RuntimeFaultPlan runtimeFaults, PeerClients peerClients) {
    this.peerClients = peerClients;
    this.config = config;
    this.store = store;
    this.switches = switches;
    this.status = status;
    this.metrics = metrics;
    this.meters = meters;
    this.cluster = cluster;
    this.watch = watch;
    this.liveness = liveness;
    this.access = access;
    this.runtimeFaults = runtimeFaults;
  }

  public Ownership ownership() {
    return cluster;
  }

  /** Where list calls register UDP push targets (set once the push verticle runs). */
  public PushTargets push() {
    return push;
  }

  public void push(PushTargets targets) {
    this.push = targets;
  }

  public List<Member> members() {
    return cluster.members();
  }

  public boolean ready() {
    return status.ready();
  }

  public String notReadyReason() {
    return status.notReadyReason();
  }

  public void markReady() {
    status.markReady();
  }

  public void markNotReady(String reason) {
    status.markNotReady(reason);
  }

  public void markShuttingDown() {
    status.markShuttingDown();
  }

  public boolean shuttingDown() {
    return status.shuttingDown();
  }

  public String status() {
    return status.serverStatus();
  }
}

package dev.distro.registry.http;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.cluster.PeerClients;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.distro.RoundDigests;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.push.PushTargets;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.watch.WatchHub;

/**
 * What the HTTP layer works with, built by {@code Node.start} and given to each {@link HttpVerticle}:
 * its constructor's argument list, named. The classes of the layer take from it what they use.
 */
public final class HttpParts {

  public final NodeConfig config;
  public final RegistryStore store;
  public final Switches switches;
  /** Readiness, shutdown and the Nacos server status. */
  public final NodeStatus status;
  public final Counters metrics;
  public final PrometheusMeters meters;
  /** Members, their health and the ownership ring. */
  public final Cluster cluster;
  public final WatchHub watch;
  public final Liveness liveness;
  /** Client authentication (off unless {@code --auth-enabled}); its tokens come from the token file. */
  public final AccessControl access;
  /** The plan {@code POST /distro/faults} edits; null unless {@code --fault-injection=true} (test only). */
  public final RuntimeFaultPlan runtimeFaults;
  /** Makes the verticle's peer client (forwards, immediate replication). */
  public final PeerClients peerClients;
  /** Where list calls register UDP push targets. */
  public final PushTargets push;
  /** The verify digests shared with the verify rounds (null when standalone). */
  public final RoundDigests digests;

  public HttpParts(NodeConfig config, RegistryStore store, Switches switches, NodeStatus status, Counters metrics,
      PrometheusMeters meters, Cluster cluster, WatchHub watch, Liveness liveness, AccessControl access,
      RuntimeFaultPlan runtimeFaults, PeerClients peerClients, PushTargets push, RoundDigests digests) {
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
    this.peerClients = peerClients;
    this.push = push;
    this.digests = digests;
  }
}

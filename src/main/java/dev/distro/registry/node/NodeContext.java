package dev.distro.registry.node;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.push.PushTargets;
import dev.distro.registry.store.NodeMetrics;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.watch.EventLog;
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
  public final NodeMetrics metrics;
  public final Cluster cluster;
  public final WatchHub watch;
  public final Liveness liveness = new Liveness();
  private volatile PushTargets push = PushTargets.NONE;
  private volatile boolean ready;
  private volatile boolean shuttingDown;
  private volatile String notReadyReason = "starting";
  public final long startedAt;

  public NodeContext(NodeConfig config, RegistryStore store, Cluster cluster) {
    this.config = config;
    this.store = store;
    this.switches = new Switches();
    this.metrics = new NodeMetrics();
    this.cluster = cluster;
    this.startedAt = store.clock().millis();
    store.addListener(metrics);
    EventLog log = new EventLog(config.watchLogSize);
    store.addListener(log);
    this.watch = new WatchHub(store, log, metrics, WatchHub.Limits.DEFAULT);
    store.addListener(watch);
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

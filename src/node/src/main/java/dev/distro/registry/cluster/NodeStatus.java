package dev.distro.registry.cluster;

import dev.distro.registry.config.Switches;

/**
 * This node's lifecycle as clients and probes see it: not ready (with a reason) until the snapshot
 * loaded, ready, out of service again (clock skew), shutting down. Written by {@code Node} and the
 * clock-skew rule, read on any thread by the probes, the client API's gate and the peer answers.
 */
public final class NodeStatus {

  private final Switches switches;
  private volatile boolean ready;
  private volatile boolean shuttingDown;
  private volatile String notReadyReason = "starting";

  public NodeStatus(Switches switches) {
    this.switches = switches;
  }

  public boolean ready() {
    return ready && !shuttingDown;
  }

  /** Why the node is not ready, or null when it is. */
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
  public String serverStatus() {
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

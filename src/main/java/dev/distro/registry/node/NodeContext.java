package dev.distro.registry.node;

import dev.distro.registry.auth.AccessControl;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Ownership;
import dev.distro.registry.cluster.RuntimeFaultPlan;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.config.Switches;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.metrics.NodeMeters;
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
  public final NodeMeters meters;
  /** Client authentication (off unless {@code --auth-enabled}); its tokens come from the token file. */
  public final AccessControl access;
  /** The plan {@code POST /distro/faults} edits; null unless {@code --fault-injection=true} (test only). */
  public final RuntimeFaultPlan runtimeFaults;
  private volatile PushTargets push = PushTargets.NONE;
  private volatile boolean ready;
  private volatile boolean shuttingDown;
  private volatile String notReadyReason = "starting";
  public final long startedAt;

  public NodeContext(NodeConfig config, RegistryStore store, Cluster cluster) {
    this(config, store, cluster, NodeMeters.create());
  }

  public NodeContext(NodeConfig config, RegistryStore store, Cluster cluster, NodeMeters meters) {
    this.config = config;
    this.store = store;
    this.switches = new Switches();
    this.metrics = new NodeMetrics();
    this.cluster = cluster;
    this.access = new AccessControl(config.authEnabled);
    this.runtimeFaults = config.faultInjection ? new RuntimeFaultPlan() : null;
    this.startedAt = store.clock().millis();
    store.addListener(metrics);
    EventLog log = new EventLog(config.watchLogSize);
    store.addListener(log);
    this.watch = new WatchHub(store, log, metrics,
        WatchHub.Limits.DEFAULT.withBudgetBytes(config.watchBudgetBytes));
    store.addListener(watch);
    this.meters = meters;
    bindMeters();
  }

  public Ownership ownership() {
    return cluster;
  }

  private void bindMeters() {
    NodeMetrics m = metrics;
    meters.counter("distro_registrations", "instances added (client or peer)", m.registrations);
    meters.counter("distro_deregistrations", "instances removed by a deregister or a peer", m.deregistrations);
    meters.counter("distro_expirations", "instances removed by heartbeat expiry", m.expirations);
    meters.counter("distro_health_sweeps", "lease sweeps completed (the heartbeat TTL's rounds)", m.healthSweeps);
    meters.counter("distro_unhealthy_marks", "instances marked unhealthy by the TTL", m.unhealthyMarks);
    meters.counter("distro_beats", "heartbeats received", m.beats);
    meters.counter("distro_changes", "registry changes (revisions)", m.changes);
    meters.counter("distro_forwards", "writes forwarded to their owner", m.forwards);
    meters.counter("distro_forward_failures", "forwards that failed and were applied locally", m.forwardFailures);
    meters.counter("distro_cut_off_writes", "client writes applied while cut off from most members, answered 503",
        m.cutOffWrites);
    meters.counter("distro_sync_batches", "sync batches acknowledged by peers", m.syncBatchesSent);
    meters.counter("distro_sync_entries", "changes sent in acknowledged sync batches", m.syncEntriesSent);
    meters.counter("distro_sync_failures", "sync batches that failed (retried with backoff)", m.syncFailures);
    meters.counter("distro_sync_overflows", "per-peer sync queues dropped for size", m.syncOverflows);
    meters.counter("distro_sync_entries_received", "changes received from peers", m.syncEntriesReceived);
    for (SyncCodec.Rejection r : SyncCodec.Rejection.values()) {
      meters.counter("distro_peer_entries_rejected", "reason", r.tag,
          "entries from peers (sync, repair, snapshot) this node refused, by reason",
          NodeMetrics.byTag(m.peerEntriesRejected, r.tag));
      meters.counter("distro_entries_rejected_by_peers", "reason", r.tag,
          "entries this node sent (sync, repair) that the peer answered it refused, by reason",
          NodeMetrics.byTag(m.entriesRejectedByPeers, r.tag));
    }
    meters.counter("distro_verify_failures", "verify exchanges or repairs with a peer that failed", m.verifyFailures);
    meters.counter("distro_repair_returns", "entries a repaired peer held newer than this owner, applied here",
        m.repairReturns);
    meters.counter("distro_verify_rounds", "verify rounds run", m.verifyRounds);
    meters.counter("distro_verify_bytes", "verify bytes sent", m.verifyBytesSent);
    meters.counter("distro_verify_mismatched_buckets", "buckets found different by peers", m.mismatchedBuckets);
    meters.counter("distro_repairs", "repairs applied here", m.repairs);
    meters.counter("distro_snapshot_loads", "snapshots loaded at start", m.snapshotLoads);
    meters.counter("distro_watch_events", "watch events sent", m.watchEvents);
    meters.counter("distro_watch_coalesced", "watch changes coalesced for slow clients", m.watchCoalesced);
    meters.counter("distro_watch_resets", "watch resets (too old, other epoch, too slow)", m.watchResets);
    meters.counter("distro_watch_slow_closes", "watch connections closed as too slow", m.watchSlowCloses);
    meters.counter("distro_udp_push_sent", "UDP pushes sent (retries included)", m.udpPushSent);
    meters.counter("distro_udp_push_acked", "UDP pushes acknowledged", m.udpPushAcked);
    meters.counter("distro_udp_push_failed", "UDP pushes never acknowledged", m.udpPushFailed);
    meters.counter("distro_udp_push_targets_dropped", "UDP push targets dropped after consecutive unacknowledged"
        + " pushes", m.udpPushTargetsDropped);
    meters.counter("distro_client_errors", "requests refused with a 4xx", m.clientErrors);
    meters.counter("distro_server_errors", "requests failed with a 5xx", m.serverErrors);
    cluster.onMembersLeft(left -> left.forEach(meters::forgetPeer));
    meters.gauge("distro_instances", "instances held", store, RegistryStore::instanceCount);
    meters.gauge("distro_services", "services held", store, RegistryStore::serviceCount);
    meters.gauge("distro_revision", "the node's change revision", store, RegistryStore::revision);
    meters.gauge("distro_ready", "1 when ready", this, c -> c.ready() ? 1 : 0);
    meters.gauge("distro_clock_skewed", "1 while this node is out of service because its wall clock disagrees"
        + " with most members'", cluster, c -> c.selfState() == Member.State.SKEWED ? 1 : 0);
    meters.gauge("distro_watch_connections", "open watch connections", watch, WatchHub::connections);
    meters.gauge("distro_watch_subscriptions", "watch subscriptions", watch, WatchHub::subscriptions);
    meters.gauge("distro_watch_queued_bytes", "bytes queued to watchers, not yet written to their sockets", watch,
        WatchHub::queuedBytes);
    meters.gauge("distro_watch_budget_bytes", "the node-wide bound on bytes queued to watchers", watch,
        WatchHub::budgetBytes);
    meters.gauge("distro_event_loop_silence_seconds", "longest time since a watched event loop last ran",
        liveness, l -> l.maxSilenceMs() / 1000.0);
    for (Member.State state : Member.State.values()) {
      meters.gauge("distro_members", "state", state.name(), "members by state as seen by this node", cluster,
          c -> c.members().stream().filter(x -> x.state() == state).count());
    }
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

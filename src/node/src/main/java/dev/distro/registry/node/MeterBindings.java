package dev.distro.registry.node;

import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.metrics.PrometheusMeters;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Liveness;
import dev.distro.registry.watch.WatchHub;

/**
 * The node's Prometheus meters: its counters ({@link Counters}) and gauges over the registry, the
 * members, the watchers and the event loops, named and described in one list.
 */
public final class MeterBindings {

  private MeterBindings() {
  }

  /** Registers every meter of the node on {@code meters}. */
  static void bind(PrometheusMeters meters, Counters m, RegistryStore store, Cluster cluster, NodeStatus status,
      WatchHub watch, Liveness liveness) {
    counters(meters, m);
    gauges(meters, store, cluster, status, watch, liveness);
  }

  /** The gRPC port's connections and pushes. */
  static void grpc(PrometheusMeters meters, dev.distro.registry.grpc.SdkConnections g) {
    meters.gauge("distro_grpc_connections", "gRPC client connections held", g, c -> c.size());
    meters.gauge("distro_grpc_connections_refused", "gRPC connections refused for the limit (since start)", g,
        c -> c.refused());
    meters.counter("distro_grpc_pushes", "pushes sent to gRPC subscribers", g.pushesSent);
    meters.counter("distro_grpc_pushes_acked", "pushes the gRPC client acknowledged", g.pushesAcked);
    meters.counter("distro_grpc_pushes_failed", "pushes unanswered within 5 s or refused (sent again)", g.pushesFailed);
    meters.counter("distro_grpc_detections_failed", "gRPC connections closed for not answering detection",
        g.detectionsFailed);
    meters.counter("distro_grpc_resets", "gRPC clients asked to move (node stopping or cut off)", g.resetsSent);
  }

  /** The counters of {@link Counters}, with their Prometheus names. */
  public static void counters(PrometheusMeters meters, Counters m) {
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
          Counters.byTag(m.peerEntriesRejected, r.tag));
      meters.counter("distro_entries_rejected_by_peers", "reason", r.tag,
          "entries this node sent (sync, repair) that the peer answered it refused, by reason",
          Counters.byTag(m.entriesRejectedByPeers, r.tag));
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
  }

  private static void gauges(PrometheusMeters meters, RegistryStore store, Cluster cluster, NodeStatus status,
      WatchHub watch, Liveness liveness) {
    cluster.onMembersLeft(left -> left.forEach(meters::forgetPeer));
    meters.gauge("distro_instances", "instances held", store, RegistryStore::instanceCount);
    meters.gauge("distro_services", "services held", store, RegistryStore::serviceCount);
    meters.gauge("distro_revision", "the node's change revision", store, RegistryStore::revision);
    meters.gauge("distro_ready", "1 when ready", status, s -> s.ready() ? 1 : 0);
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
}

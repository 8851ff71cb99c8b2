package dev.distro.registry.http;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.Scan;
import dev.distro.registry.support.JsonWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Map;

/** Operator endpoints: server status and counters, members, switches, probes. */
final class OperatorApi {

  private final HttpParts node;
  private final Passes passes;

  OperatorApi(HttpParts node, Passes passes) {
    this.node = node;
    this.passes = passes;
  }

  /**
   * {@code {"status":"UP"}}, or every figure with {@code onlyStatus=false}; the responsible count
   * walks the whole registry, so it is counted in a {@link Passes pass}, off the event loop.
   */
  void metrics(Call c) {
    boolean onlyStatus = Params.bool("onlyStatus", c.param("onlyStatus"), true);
    if (onlyStatus) {
      c.json(figures(true, 0));
    } else {
      passes.answer(c, this::responsibleCount, n -> c.json(figures(false, n)));
    }
  }

  private String figures(boolean onlyStatus, long responsible) {
    JsonWriter w = new JsonWriter().beginObject().field("status", node.status.serverStatus());
    if (!onlyStatus) {
      Counters m = node.metrics;
      OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
      Runtime rt = Runtime.getRuntime();
      int instances = node.store.instanceCount();
      w.field("serviceCount", node.store.serviceCount())
          .field("instanceCount", instances)
          .field("subscribeCount", 0)
          .field("responsibleInstanceCount", responsible)
          .field("clientCount", instances)
          .field("revision", node.store.revision())
          .field("registrations", m.registrations.sum())
          .field("deregistrations", m.deregistrations.sum())
          .field("updates", m.updates.sum())
          .field("beats", m.beats.sum())
          .field("unhealthyMarks", m.unhealthyMarks.sum())
          .field("expirations", m.expirations.sum())
          .field("changes", m.changes.sum())
          .field("forwards", m.forwards.sum())
          .field("forwardFailures", m.forwardFailures.sum())
          .field("cutOffWrites", m.cutOffWrites.sum())
          .field("syncBatchesSent", m.syncBatchesSent.sum())
          .field("syncEntriesSent", m.syncEntriesSent.sum())
          .field("syncFailures", m.syncFailures.sum())
          .field("verifyRounds", m.verifyRounds.sum())
          .field("mismatchedBuckets", m.mismatchedBuckets.sum())
          .field("repairs", m.repairs.sum())
          .field("snapshotLoads", m.snapshotLoads.sum())
          .field("watchConnections", node.watch.connections())
          .field("watchSubscriptions", node.watch.subscriptions())
          .field("watchEvents", m.watchEvents.sum())
          .field("watchCoalesced", m.watchCoalesced.sum())
          .field("watchResets", m.watchResets.sum())
          .field("watchSlowCloses", m.watchSlowCloses.sum())
          .field("udpPushSent", m.udpPushSent.sum())
          .field("udpPushAcked", m.udpPushAcked.sum())
          .field("udpPushFailed", m.udpPushFailed.sum())
          .field("udpPushTargetsDropped", m.udpPushTargetsDropped.sum())
          .field("cpu", Math.max(0, os.getSystemLoadAverage()) / Math.max(1, os.getAvailableProcessors()))
          .field("load", os.getSystemLoadAverage())
          .field("mem", (double) (rt.totalMemory() - rt.freeMemory()) / rt.maxMemory());
    }
    return w.endObject().toString();
  }

  /** Instances this node is responsible for: a walk over the whole registry (run it in a pass). */
  private long responsibleCount() {
    if (node.config.standalone()) {
      return node.store.instanceCount();
    }
    return Scan.count(node.store, r -> node.cluster.isResponsible(r.instance()));
  }

  /** {@code {"servers":[member...]}} as Nacos's {@code /operator/servers}. */
  void servers(Call c) {
    JsonWriter w = new JsonWriter().beginObject().name("servers");
    writeMembers(w);
    c.json(w.endObject().toString());
  }

  /** {@code /nacos/v1/core/cluster/nodes}: Nacos's RestResult envelope around the members. */
  void clusterNodes(Call c) {
    JsonWriter w = new JsonWriter().beginObject().field("code", 200).name("message").raw("null").name("data");
    writeMembers(w);
    c.json(w.endObject().toString());
  }

  private void writeMembers(JsonWriter w) {
    w.beginArray();
    for (Member m : node.cluster.members()) {
      w.beginObject()
          .field("ip", m.host())
          .field("port", m.port())
          .field("state", m.state().name())
          .field("address", m.address())
          .field("failAccessCnt", m.failedPings())
          .field("self", m.self())
          .field("extendInfo", Map.of())
          .name("abilities").raw("{}")
          .endObject();
    }
    w.endArray();
  }

  void getSwitches(Call c) {
    c.json(node.switches.toJson());
  }

  void putSwitches(Call c) {
    try {
      node.switches.set(c.param("entry"), c.param("value"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    c.ok();
  }
}

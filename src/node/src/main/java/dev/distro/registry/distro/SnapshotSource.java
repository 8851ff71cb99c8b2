package dev.distro.registry.distro;

import dev.distro.registry.cluster.Member;
import dev.distro.registry.cluster.Cluster;
import dev.distro.registry.cluster.NodeStatus;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.Tombstone;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.JsonWriter;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The full registry as newline-delimited entries (services with settings, instances, remembered
 * deletes), read in chunks of at most {@value #CHUNK} lines so that the writer can stream it with
 * backpressure: never one buffer holding everything. Reads the live maps without a lock, like the
 * other whole-registry passes.
 */
public final class SnapshotSource {

  static final int CHUNK = 512;

  private final List<Iterator<?>> sources;
  private Iterator<Registration> regs;
  private int source;

  private SnapshotSource(RegistryStore store) {
    this.sources = List.of(store.services().iterator(), store.tombstones().entrySet().iterator());
  }

  /** Null when this node serves snapshots now, else the refusal (a 503: it is not UP). */
  public static PeerAnswer refusal(Cluster cluster, NodeStatus status) {
    if (cluster.selfState() != Member.State.UP || status.shuttingDown()) {
      return PeerAnswer.error(503, "not serving snapshots while " + cluster.selfState());
    }
    return null;
  }

  public static SnapshotSource of(RegistryStore store) {
    return new SnapshotSource(store);
  }

  /** The next lines (each ending in a newline; empty when none is left). */
  public String next() {
    StringBuilder sb = new StringBuilder(64 * 1024);
    int n = 0;
    while (n < CHUNK) {
      if (regs != null && regs.hasNext()) {
        SyncCodec.writeRegistration(new JsonWriter(sb), regs.next());
        sb.append('\n');
        n++;
        continue;
      }
      regs = null;
      if (source >= sources.size()) {
        break;
      }
      Iterator<?> it = sources.get(source);
      if (!it.hasNext()) {
        source++;
        continue;
      }
      Object o = it.next();
      if (o instanceof ServiceEntry s) {
        if (s.meta().explicit() || s.meta().version() > 0) {
          SyncCodec.writeService(new JsonWriter(sb), s.key(), s.meta());
          sb.append('\n');
          n++;
        }
        regs = s.registrations().iterator();
      } else if (o instanceof Map.Entry<?, ?> e && e.getValue() instanceof Tombstone t) {
        SyncCodec.writeTombstone(new JsonWriter(sb), (String) e.getKey(), t.version());
        sb.append('\n');
        n++;
      }
    }
    return sb.toString();
  }

  /** True once every entry was returned by {@link #next}. */
  public boolean done() {
    return source >= sources.size() && regs == null;
  }
}

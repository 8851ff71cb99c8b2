package dev.distro.registry.store;

import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.model.ServiceMeta;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.ChangeEvent.Type;
import dev.distro.registry.store.MergeRules.Decision;
import dev.distro.registry.store.MergeRules.Facts;
import java.util.Map;

/**
 * Changes from peers (sync, snapshot, repair): {@link MergeRules} decides which state wins, and this
 * class carries the decision out under the store's write lock, with the store's write primitives
 * ({@code putLocked}, {@code removeLocked}, {@code commit}) and its {@link Tombstones}. It is the
 * remote half of {@link RegistryStore} (whose {@code applyRemote*} and {@code removeStale} methods
 * come here) and holds no state of its own.
 */
final class PeerWrites {

  private final RegistryStore store;
  private final Versions versions;
  private final Tombstones tombstones;

  PeerWrites(RegistryStore store, Versions versions, Tombstones tombstones) {
    this.store = store;
    this.versions = versions;
    this.tombstones = tombstones;
  }

  /** An instance from a peer, as {@link MergeRules#put} decides from {@code facts}. */
  ChangeEvent put(Instance incoming, Reason reason, Facts facts) {
    long now = store.clock().monotonicMillis();
    versions.observe(incoming.version());
    String globalKey = incoming.globalKey();
    return store.locked(() -> {
      Registration reg = store.find(incoming.service(), incoming.localId());
      Tombstone t = tombstones.get(globalKey);
      Decision d = MergeRules.put(reg == null ? null : reg.instance, clientSeen(reg), t, incoming, facts);
      return switch (d.kind()) {
        case APPLY -> {
          if (t != null) {
            tombstones.remove(globalKey, t);
          }
          // a newer tombstone cannot have come meanwhile: the write lock is held
          yield store.putLocked(incoming, incoming.version(), reason, now, false, false);
        }
        case REASSERT -> reassertLocked(reg);
        case DELETE_AT -> deleteAtLocked(reg, globalKey, d.version(), reason, now);
        default -> null;
      };
    });
  }

  /** A delete from a peer, as {@link MergeRules#delete} decides. */
  ChangeEvent delete(ServiceKey key, String localId, long version, Reason reason, boolean ownedHere) {
    long now = store.clock().monotonicMillis();
    versions.observe(version);
    Facts facts = ownedHere ? new Facts(true, false, 0) : Facts.NONE;
    return store.locked(() -> {
      Registration reg = store.find(key, localId);
      Decision d = MergeRules.delete(reg == null ? null : reg.instance, clientSeen(reg), version, facts);
      return switch (d.kind()) {
        case DELETE_AT -> deleteAtLocked(reg, key.toString() + '#' + localId, d.version(), reason, now);
        case REASSERT -> reassertLocked(reg);
        default -> null;
      };
    });
  }

  /**
   * When this node last heard {@code reg}'s client, for the rules: a live gRPC connection here is
   * hearing it now and for as long as it lives, so no peer's delete or mark is after that (a peer's
   * clock may be ahead of this one's within the skew bound).
   */
  private long clientSeen(Registration reg) {
    if (reg == null) {
      return 0;
    }
    return store.heldLive(reg) ? Long.MAX_VALUE : reg.clientSeen();
  }

  /** A replica the owner no longer lists, dropped as {@link MergeRules#repairOmits} decides. */
  ChangeEvent removeStale(Registration reg, long asOf) {
    long now = store.clock().monotonicMillis();
    return store.locked(() -> reg.removed() || MergeRules.repairOmits(reg.instance, asOf) != Decision.DROP
        ? null : store.removeLocked(reg, Reason.REPAIR, versions.next(), now, false));
  }

  /** Service settings from a peer, as {@link MergeRules#servicePut} decides. */
  ChangeEvent putService(ServiceKey key, ServiceMeta meta) {
    versions.observe(meta.version());
    return store.locked(() -> {
      ServiceEntry entry = store.service(key);
      Decision d = MergeRules.servicePut(entry == null ? -1 : entry.meta.version(), tombstones.ofService(key),
          meta.version());
      return d.kind() == MergeRules.Kind.APPLY ? store.putServiceLocked(key, meta, Reason.SYNC) : null;
    });
  }

  /** A service delete from a peer: remembered; the service stays (its settings reset) if it has instances. */
  ChangeEvent deleteService(ServiceKey key, long version) {
    long now = store.clock().monotonicMillis();
    versions.observe(version);
    return store.locked(() -> {
      tombstones.keepNewerService(key, version, now);
      ServiceEntry entry = store.service(key);
      if (entry == null
          || MergeRules.serviceDelete(entry.meta.version(), version).kind() != MergeRules.Kind.DELETE_AT) {
        return null;
      }
      if (!entry.instances.isEmpty()) {
        entry.meta = new ServiceMeta(0f, Map.of(), ServiceMeta.NO_SELECTOR, false, version);
        return store.commit(entry, null, Type.SERVICE_UPDATED, Reason.SYNC, null, null, version);
      }
      store.removeServiceLocked(key, entry);
      return store.commit(entry, null, Type.SERVICE_DELETED, Reason.SYNC, null, null, version);
    });
  }

  /** Publishes the current instance again under a new version (a local change, so it replicates). */
  private ChangeEvent reassertLocked(Registration reg) {
    Instance prev = reg.instance;
    Instance next = prev.withVersion(versions.next());
    reg.replace(next);
    return store.commit(reg, Type.MODIFIED, Reason.BEAT, prev, next, next.version());
  }

  /** Removes {@code reg} if held, and remembers the delete at {@code version} (the newer one kept). */
  private ChangeEvent deleteAtLocked(Registration reg, String globalKey, long version, Reason reason, long now) {
    if (reg != null) {
      return store.removeLocked(reg, reason, version, now, true);
    }
    tombstones.keepNewer(globalKey, version, now);
    return null;
  }
}

package dev.distro.registry.cluster;

import dev.distro.registry.model.Instance;
import dev.distro.registry.store.Registration;
import java.util.function.BiConsumer;

/**
 * Decides which member is responsible for an instance, by its {@code ip:port}. Every node computes
 * the same answer from the same member list.
 */
public interface Ownership {

  /** Standalone: this node owns everything, held instances included. */
  Ownership SELF = new Ownership() {
    @Override
    public boolean isResponsible(String ip, int port) {
      return true;
    }

    @Override
    public boolean isResponsible(Instance i) {
      return true;
    }
  };

  boolean isResponsible(String ip, int port);

  /**
   * This node is responsible for {@code i}: the member holding its connection when a gRPC
   * connection holds it, else by its {@code ip:port}.
   */
  default boolean isResponsible(Instance i) {
    String holder = i.holderNode();
    return holder != null ? holder.equals(self()) : isResponsible(i.ip(), i.port());
  }

  /** The responsible member for {@code i} (its holder's, else by {@code ip:port}); null when unknown. */
  default String ownerOf(Instance i) {
    String holder = i.holderNode();
    return holder != null ? holder : ownerOf(i.ip(), i.port());
  }

  /** The responsible member for {@code i} under {@code ring}: its holder, else the ring's owner. */
  static String ownerIn(Rendezvous ring, Instance i) {
    return ownerIn(ring, i.ip(), i.port(), i.holderNode());
  }

  /** The same for an entry known by its parts ({@code holderNode} null: not held by a connection). */
  static String ownerIn(Rendezvous ring, String ip, int port, String holderNode) {
    return holderNode != null ? holderNode : ring.ownerOf(ip, port);
  }

  /**
   * The same for a registration, keeping the ring's answer on it ({@link Registration#ownerSlot}):
   * the next asks under the same ring (every verify walk) hash no address.
   */
  static String ownerIn(Rendezvous ring, Registration r) {
    Instance i = r.instance();
    if (i.holderNode() != null) {
      return i.holderNode();
    }
    int index = ring.indexIn(r.ownerSlot());
    if (index < 0) {
      index = ring.ownerIndexOf(i.ip(), i.port());
      r.ownerSlot(ring.slot(index));
    }
    return index < 0 ? null : ring.memberAt(index);
  }

  /** This node's member address (what holders name); standalone's default is null. */
  default String self() {
    return null;
  }

  /** The responsible member's address; null when unknown (the default: only "here or not" is known). */
  default String ownerOf(String ip, int port) {
    return null;
  }

  /**
   * When {@code owner} last showed it still holds its instances (its last verify round here), in
   * ms; replicas of a live owner are never evicted. The default never evicts.
   */
  default long lastRenewedBy(String owner) {
    return Long.MAX_VALUE;
  }

  /** Whether leases may expire now (false while this node is cut off from most members). */
  default boolean canExpire() {
    return true;
  }

  /**
   * The current ring, compared by identity to tell whether it changed (null when ownership never
   * changes, as in standalone mode).
   */
  default Rendezvous ring() {
    return null;
  }

  /** Registers a callback for ownership changes (old ring, new ring); the default never changes. */
  default void onRingChange(BiConsumer<Rendezvous, Rendezvous> listener) {
  }
}

package dev.distro.registry.cluster;

import java.util.function.BiConsumer;

/**
 * Decides which member is responsible for an instance, by its {@code ip:port}. Every node computes
 * the same answer from the same member list.
 */
public interface Ownership {

  /** Standalone: this node owns everything. */
  Ownership SELF = (ip, port) -> true;

  boolean isResponsible(String ip, int port);

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

package dev.distro.registry.cluster;

/**
 * Decides which member is responsible for an instance, by its {@code ip:port}. Every node computes
 * the same answer from the same member list.
 */
public interface Ownership {

  /** Standalone: this node owns everything. */
  Ownership SELF = (ip, port) -> true;

  boolean isResponsible(String ip, int port);
}

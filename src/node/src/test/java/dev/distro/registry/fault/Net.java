package dev.distro.registry.fault;

import java.util.List;

/**
 * Where the fault suite's nodes live and how their links are broken: separate Linux network
 * namespaces on a bridge ({@link NamespaceNet}), or loopback with the nodes' own fault hook
 * ({@link HookNet}). Node indexes are 0-based.
 */
interface Net extends AutoCloseable {

  /** One line for the report: what the nodes run on. */
  String label();

  /** The address node {@code i} advertises and clients and peers reach it at. */
  String host(int i);

  /** The client port of node {@code i} (its gRPC port is this + 1000, its peer port this + 1001). */
  int port(int i);

  /** Prepended to node {@code i}'s command line (e.g. {@code ip netns exec ...}). */
  List<String> launchPrefix(int i);

  /** Called once the nodes answer, for mechanisms that talk to them. */
  default void nodesUp(FaultNodes nodes) { }

  /** Cuts node {@code i} from every peer: both directions, or only the peers' traffic to it. Returns how. */
  String partition(int i, boolean bothWays) throws Exception;

  /** Drops {@code percent} of the packets (or requests) on every peer link. Returns how. */
  String loss(double percent) throws Exception;

  /** Delays peer traffic by {@code ms} ± {@code jitterMs}. Returns how. */
  String delay(int ms, int jitterMs) throws Exception;

  /** Removes every fault. */
  void heal() throws Exception;

  @Override
  void close();
}

package dev.distro.registry.cluster;

/**
 * A test-only seam on peer traffic (sync, verify, snapshot, ping, forwarding): drops or delays
 * requests from one member to another. Production nodes use {@link #NONE}.
 */
public interface FaultPlan {

  FaultPlan NONE = new FaultPlan() { };

  /** True when requests from {@code from} to {@code to} must fail as if the link were cut. */
  default boolean drops(String from, String to) {
    return false;
  }

  /** Extra delay (ms) before a request from {@code from} to {@code to} is sent. */
  default long delayMs(String from, String to) {
    return 0;
  }
}

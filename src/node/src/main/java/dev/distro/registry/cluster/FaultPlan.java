package dev.distro.registry.cluster;

/**
 * A test-only seam on peer traffic (sync, verify, snapshot, ping, forwarding): drops or delays
 * requests from one member to another. Production nodes use {@link #NONE}; with
 * {@code --fault-injection=true} a node adds its {@link RuntimeFaultPlan}.
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

  /** A plan that drops what either drops and delays by the sum of both delays. */
  static FaultPlan both(FaultPlan a, FaultPlan b) {
    if (a == NONE) {
      return b;
    }
    if (b == NONE) {
      return a;
    }
    return new FaultPlan() {
      @Override
      public boolean drops(String from, String to) {
        return a.drops(from, to) || b.drops(from, to);
      }

      @Override
      public long delayMs(String from, String to) {
        return a.delayMs(from, to) + b.delayMs(from, to);
      }
    };
  }
}

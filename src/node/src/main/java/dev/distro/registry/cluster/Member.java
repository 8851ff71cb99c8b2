package dev.distro.registry.cluster;

/**
 * A member of the cluster as seen by this node.
 *
 * @param address {@code host:port} of the member's client port, its identity
 * @param state UP, SUSPICIOUS, DOWN, STARTING (loading its snapshot) or SKEWED (its wall clock
 *     disagrees with most members': out of service until it agrees)
 * @param failedPings consecutive pings that failed
 */
public record Member(String address, String host, int port, State state, int failedPings, boolean self) {

  public enum State { UP, SUSPICIOUS, DOWN, STARTING, SKEWED }
}

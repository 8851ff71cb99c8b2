package dev.distro.client;

/**
 * The client's health, as of one moment: what it is doing, the node it is connected to (null when
 * none), that node's epoch, the last revision applied from it, when the last frame arrived (epoch
 * millis, 0 before the first), how many times the client has reconnected, and the last failure.
 */
public record WatchStatus(State state, String node, String epoch, long revision, long lastFrameAtMillis,
    long reconnects, String lastError) {

  public enum State {
    /** Dialling a node, or waiting for its hello. */
    CONNECTING,
    /** Connected; every subscription has its initial state (snapshot or resume). */
    LIVE,
    /** Connected, but a subscription's snapshot (or the node's answer to a resume) is still coming. */
    SYNCING,
    /** Waiting before the next attempt (backoff). */
    WAITING,
    /** {@link WatchClient#close()} was called. */
    CLOSED
  }

  /** Whether the client is connected to a node (LIVE or SYNCING). */
  public boolean connected() {
    return state == State.LIVE || state == State.SYNCING;
  }
}

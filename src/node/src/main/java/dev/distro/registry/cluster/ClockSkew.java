package dev.distro.registry.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * How far each peer's wall clock is from this node's, measured in every ping (NTP-style: the peer
 * answers with its clock; the offset is its reading minus this node's clock at the middle of the
 * round trip), and whether this node's clock is the odd one out.
 *
 * <p>Wall clocks matter in one place: the versions that order writes to one instance are hybrid
 * logical clocks whose physical part is wall time, and peers refuse versions from far in the
 * future. A member whose clock is far off would have its writes refused (ahead) or outvoted (behind)
 * by the others. So a member whose clock disagrees with most of the others by more than the bound
 * steps out of service (see {@link FailureDetector}); with only one peer measured there is no
 * majority to tell which clock is wrong, and both sides only warn.
 *
 * <p>Written by the {@link FailureDetector} (on the lookup verticle's event loop), read from any thread.
 */
public final class ClockSkew {

  private static final Logger LOG = Logger.getLogger(ClockSkew.class.getName());

  private final Map<String, Long> offsets = new ConcurrentHashMap<>();
  private final long boundMs;

  /** @param boundMs the largest offset tolerated (0: never judged) */
  public ClockSkew(long boundMs) {
    this.boundMs = boundMs;
  }

  public long boundMs() {
    return boundMs;
  }

  /**
   * Records a ping's measurement of {@code peer}: its clock read {@code peerClock} while this node's
   * read {@code sentAt} when the ping left and {@code rttMs} passed until the answer came.
   */
  public void measured(String peer, long peerClock, long sentAt, long rttMs) {
    long offset = peerClock - (sentAt + rttMs / 2);
    Long before = offsets.put(peer, offset);
    if (boundMs <= 0) {
      return;
    }
    boolean off = Math.abs(offset) > boundMs;
    boolean wasOff = before != null && Math.abs(before) > boundMs;
    if (off && !wasOff) {
      LOG.warning("member " + peer + "'s wall clock is " + describe(offset) + " this node's (bound "
          + boundMs + " ms): versions from the member that is off are refused or outvoted until the clocks agree");
    } else if (!off && wasOff) {
      LOG.info("member " + peer + "'s wall clock agrees with this node's again (" + offset + " ms)");
    }
  }

  /** Forgets a peer that did not answer (an old offset says nothing about its clock now). */
  public void forget(String peer) {
    offsets.remove(peer);
  }

  /** The last measured offset of {@code peer} (ms, positive: its clock is ahead), or null. */
  public Long offset(String peer) {
    return offsets.get(peer);
  }

  /**
   * Null when this node's clock agrees with most peers that answer pings, else why not: at least two
   * peers are measured and more than half of them are more than {@code boundMs} off.
   */
  public String verdict(long boundMs) {
    if (boundMs <= 0) {
      return null;
    }
    int measured = 0;
    int off = 0;
    long sum = 0;
    for (long o : offsets.values()) {
      measured++;
      if (Math.abs(o) > boundMs) {
        off++;
        sum += o;
      }
    }
    if (measured < 2 || off * 2 <= measured) {
      return null;
    }
    return "this node's wall clock is " + describe(-sum / off) + " the clocks of " + off + " of " + measured
        + " members (bound " + this.boundMs + " ms)";
  }

  /**
   * True when at least two peers are measured and most of them are within {@code boundMs}: positive
   * evidence that this node's clock is right again (no answers at all prove nothing).
   */
  public boolean agrees(long boundMs) {
    int measured = 0;
    int within = 0;
    for (long o : offsets.values()) {
      measured++;
      if (Math.abs(o) <= boundMs) {
        within++;
      }
    }
    return measured >= 2 && within * 2 > measured;
  }

  private static String describe(long offsetMs) {
    return Math.abs(offsetMs) + " ms " + (offsetMs > 0 ? "ahead of" : "behind");
  }
}

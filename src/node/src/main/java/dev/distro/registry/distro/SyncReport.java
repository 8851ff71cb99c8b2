package dev.distro.registry.distro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.distro.SyncCodec.Tally;
import dev.distro.registry.distro.SyncCodec.Rejection;
import dev.distro.registry.model.Clock;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.support.LogThrottle;
import java.util.Iterator;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Both ends of a refused peer entry. The receiver counts it by reason
 * ({@code distro_peer_entries_rejected}), logs a WARNING (at most one per node, reason and
 * {@link LogThrottle#DEFAULT_INTERVAL_MS}) and names the reasons in its answer:
 * <pre>{"applied":3,"stale":0,"rejected":2,"reasons":{"clock_ahead":2},"maxAheadMs":7200000}</pre>
 * The sender reads them back, counts them ({@code distro_entries_rejected_by_peers}) and logs
 * them the same way: a change a peer refuses does not reach it, so both operators must see it.
 */
public final class SyncReport {

  private static final Logger LOG = Logger.getLogger(SyncReport.class.getName());
  /** Shared by the nodes of a JVM; keys carry the node's own address. */
  static final LogThrottle WARNINGS = new LogThrottle(Clock.SYSTEM, LogThrottle.DEFAULT_INTERVAL_MS);

  private SyncReport() { }

  /** Writes the outcome's counts (and reasons, when some entries were refused) into an open object. */
  public static JsonWriter write(JsonWriter w, Tally out) {
    w.field("applied", out.applied).field("stale", out.stale).field("rejected", out.rejected);
    if (out.rejected > 0) {
      w.name("reasons").beginObject();
      for (Rejection r : Rejection.values()) {
        if (out.rejected(r) > 0) {
          w.field(r.tag, out.rejected(r));
        }
      }
      w.endObject();
      if (out.maxAheadMs > 0) {
        w.field("maxAheadMs", out.maxAheadMs);
      }
    }
    return w;
  }

  /** The answer to a sync: {@link #write} as one object. */
  public static String answer(Tally out) {
    return write(new JsonWriter().beginObject(), out).endObject().toString();
  }

  /**
   * Receiver: counts what this node refused from {@code from} and logs it.
   *
   * @param via sync, repair, snapshot or repair-return
   */
  public static void refused(Counters metrics, String self, String from, String via, Tally out) {
    if (out.rejected == 0) {
      return;
    }
    for (Rejection r : Rejection.values()) {
      int n = out.rejected(r);
      if (n == 0) {
        continue;
      }
      Counters.byTag(metrics.peerEntriesRejected, r.tag).add(n);
      String detail = out.detail[r.ordinal()];
      WARNINGS.warn(LOG, self + "|in|" + r.tag, () -> self + ": refused " + n + " entr" + (n == 1 ? "y" : "ies")
          + " of a " + via + " from " + from + " (" + r.tag + ": "
          + (r == Rejection.CLOCK_AHEAD ? clockText(out.maxAheadMs, "this node's") : detail) + ")");
    }
  }

  /**
   * Sender: reads the reasons in a peer's answer, counts and logs them.
   *
   * @return the number of entries the peer refused (0 when its answer names none)
   */
  public static int answered(Counters metrics, String self, String peer, String via, JsonNode answer) {
    if (answer == null || answer.path("rejected").asInt(0) <= 0) {
      return 0;
    }
    int total = answer.path("rejected").asInt(0);
    long ahead = answer.path("maxAheadMs").asLong(0);
    JsonNode reasons = answer.path("reasons");
    int named = 0;
    StringBuilder text = new StringBuilder();
    if (reasons.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = reasons.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        int n = Math.max(0, Math.min(total - named, e.getValue().asInt(0)));
        if (n == 0) {
          continue;
        }
        named += n;
        Rejection r = Rejection.ofTag(e.getKey());
        Counters.byTag(metrics.entriesRejectedByPeers, r.tag).add(n);
        text.append(text.length() == 0 ? "" : ", ").append(r.tag).append('=').append(n);
        if (r == Rejection.CLOCK_AHEAD && ahead > 0) {
          text.append(" (").append(clockText(ahead, "its")).append(')');
        }
      }
    }
    if (named < total) {
      Counters.byTag(metrics.entriesRejectedByPeers, Rejection.OTHER.tag).add(total - named);
      text.append(text.length() == 0 ? "" : ", ").append("unnamed=").append(total - named);
    }
    WARNINGS.warn(LOG, self + "|out|" + peer, () -> self + ": " + peer + " refused " + total + " entr"
        + (total == 1 ? "y" : "ies") + " of a " + via + " (" + text + "); those changes do not reach it");
    return total;
  }

  private static String clockText(long aheadMs, String whose) {
    return "versions up to " + (aheadMs / 1000) + " s ahead of " + whose + " clock, more than the "
        + (SyncCodec.MAX_VERSION_AHEAD_MS / 1000) + " s allowed: check both nodes' clocks";
  }
}

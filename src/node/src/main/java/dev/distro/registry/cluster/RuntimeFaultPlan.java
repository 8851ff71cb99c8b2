package dev.distro.registry.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.config.ConfigException;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.support.JsonWriter;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * A fault plan changed while the node runs (test only, {@code --fault-injection=true}): a harness
 * running real node processes cuts, delays or drops this node's outgoing peer traffic through
 * {@code POST /distro/faults}. The {@link Rules} in force are immutable and swapped whole (an
 * {@link AtomicReference}, i.e. a volatile field), so every request sees one consistent set; read
 * from any thread, random draws from {@link ThreadLocalRandom}.
 */
public final class RuntimeFaultPlan implements FaultPlan {

  private static final Logger LOG = Logger.getLogger(RuntimeFaultPlan.class.getName());
  public static final long MAX_DELAY_MS = 60_000;
  public static final int MAX_DROP = 1_000;
  public static final int MAX_ADDRESS_LENGTH = 300;

  /**
   * What the plan does to every outgoing peer request (pings, sync, verify, repair, forwards,
   * snapshot): fail it as if the link were cut when its target is in {@code drop}, or with
   * probability {@code lossPercent}/100; otherwise delay it by a uniform draw from
   * [{@code delayMs - jitterMs}, {@code delayMs + jitterMs}].
   */
  public record Rules(Set<String> drop, double lossPercent, long delayMs, long jitterMs) {

    public static final Rules NONE = new Rules(Set.of(), 0, 0, 0);

    /** @throws IllegalArgumentException with a message for the caller when a value is out of range */
    public Rules {
      drop = Set.copyOf(drop);
      if (drop.size() > MAX_DROP) {
        throw new IllegalArgumentException("drop lists " + drop.size() + " addresses (at most " + MAX_DROP + ")");
      }
      if (!(lossPercent >= 0 && lossPercent <= 100)) {
        throw new IllegalArgumentException("lossPercent must be from 0 to 100");
      }
      if (delayMs < 0 || delayMs > MAX_DELAY_MS) {
        throw new IllegalArgumentException("delayMs must be from 0 to " + MAX_DELAY_MS);
      }
      if (jitterMs < 0 || jitterMs > MAX_DELAY_MS) {
        throw new IllegalArgumentException("jitterMs must be from 0 to " + MAX_DELAY_MS);
      }
      if (jitterMs > delayMs) {
        throw new IllegalArgumentException("jitterMs (" + jitterMs + ") must not exceed delayMs (" + delayMs + ")");
      }
    }

    /**
     * Reads {@code {"drop":["host:port",...],"lossPercent":n,"delayMs":n,"jitterMs":n}}: every
     * field optional (absent or null: none, 0), nothing else allowed. A drop address is checked and
     * normalized as a cluster.conf line is ({@code host} alone means port 8848).
     *
     * @throws IllegalArgumentException with a message for the caller
     */
    public static Rules fromJson(JsonNode body) {
      if (body == null || !body.isObject()) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("drop", "lossPercent", "delayMs", "jitterMs").contains(f)) {
          throw new IllegalArgumentException("unknown field '" + truncate(f) + "' (expected drop, lossPercent,"
              + " delayMs, jitterMs)");
        }
      }
      Set<String> drop = new HashSet<>();
      JsonNode d = body.get("drop");
      if (d != null && !d.isNull()) {
        if (!d.isArray()) {
          throw new IllegalArgumentException("drop must be an array of member addresses (host:port)");
        }
        if (d.size() > MAX_DROP) {
          throw new IllegalArgumentException("drop lists " + d.size() + " addresses (at most " + MAX_DROP + ")");
        }
        for (JsonNode a : d) {
          if (!a.isTextual()) {
            throw new IllegalArgumentException("drop must be an array of member addresses (host:port)");
          }
          String s = a.asText();
          if (s.length() > MAX_ADDRESS_LENGTH) {
            throw new IllegalArgumentException("a drop address is longer than " + MAX_ADDRESS_LENGTH + " characters");
          }
          try {
            drop.add(NodeConfig.normalizeMember(s.trim(), "drop"));
          } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
          }
        }
      }
      JsonNode loss = body.get("lossPercent");
      if (loss != null && !loss.isNull() && !loss.isNumber()) {
        throw new IllegalArgumentException("lossPercent must be a number from 0 to 100");
      }
      return new Rules(drop, loss == null ? 0 : loss.asDouble(), millis(body, "delayMs"), millis(body, "jitterMs"));
    }

    private static long millis(JsonNode body, String name) {
      JsonNode n = body.get(name);
      if (n == null || n.isNull()) {
        return 0;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        throw new IllegalArgumentException(name + " must be an integer from 0 to " + MAX_DELAY_MS);
      }
      return n.asLong();
    }

    private static String truncate(String s) {
      String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
      return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The rules as the API answers them; drop addresses sorted. */
    public String toJson() {
      JsonWriter w = new JsonWriter().beginObject().name("drop").beginArray();
      for (String a : new TreeSet<>(drop)) {
        w.value(a);
      }
      return w.endArray().field("lossPercent", lossPercent).field("delayMs", delayMs).field("jitterMs", jitterMs)
          .endObject().toString();
    }
  }

  private final AtomicReference<Rules> rules = new AtomicReference<>(Rules.NONE);

  public Rules rules() {
    return rules.get();
  }

  /** Puts {@code next} in force in place of the whole current plan (logged); returns the previous one. */
  public Rules replace(Rules next) {
    Rules previous = rules.getAndSet(next);
    LOG.info("fault plan now " + next.toJson() + " (was " + previous.toJson() + ")");
    return previous;
  }

  @Override
  public boolean drops(String from, String to) {
    Rules r = rules.get();
    return r.drop.contains(to) || r.lossPercent > 0 && ThreadLocalRandom.current().nextDouble(100) < r.lossPercent;
  }

  @Override
  public long delayMs(String from, String to) {
    Rules r = rules.get();
    if (r.jitterMs == 0) {
      return r.delayMs;
    }
    return Math.max(0, r.delayMs + ThreadLocalRandom.current().nextLong(-r.jitterMs, r.jitterMs + 1));
  }
}

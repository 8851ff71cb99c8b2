package dev.distro.registry.config;

import dev.distro.registry.support.JsonWriter;
import java.util.Locale;
import java.util.Set;

/**
 * Runtime switches, read and changed through {@code /nacos/v1/ns/operator/switches} as in Nacos.
 * They are local to this node (Nacos replicates them through its CP store; we have none).
 */
public final class Switches {

  public static final Set<String> SERVER_STATUSES = Set.of("UP", "DOWN", "STARTING", "PAUSED", "WRITE_ONLY", "READ_ONLY");

  private volatile String overriddenServerStatus;
  private volatile boolean lightBeatEnabled = true;
  private volatile long clientBeatInterval = 5_000;
  private volatile boolean healthCheckEnabled = true;
  private volatile boolean autoChangeHealthCheckEnabled = true;
  private volatile boolean pushEnabled = true;
  private volatile long defaultPushCacheMillis = 10_000;
  private volatile long defaultCacheMillis = 10_000;

  public String overriddenServerStatus() {
    return overriddenServerStatus;
  }

  public boolean lightBeatEnabled() {
    return lightBeatEnabled;
  }

  public long clientBeatInterval() {
    return clientBeatInterval;
  }

  /** When false the TTL sweep neither marks instances unhealthy nor removes them. */
  public boolean healthCheckEnabled() {
    return healthCheckEnabled;
  }

  public boolean pushEnabled() {
    return pushEnabled;
  }

  public long defaultPushCacheMillis() {
    return defaultPushCacheMillis;
  }

  /** The {@code cacheMillis} of list responses. */
  public long defaultCacheMillis() {
    return defaultCacheMillis;
  }

  /**
   * Sets one entry.
   *
   * @throws IllegalArgumentException with a message for the client when the entry or value is bad
   */
  public void set(String entry, String value) {
    if (entry == null || entry.isEmpty()) {
      throw new IllegalArgumentException("Param 'entry' is required.");
    }
    if (value == null) {
      throw new IllegalArgumentException("Param 'value' is required.");
    }
    switch (entry) {
      case "overriddenServerStatus" -> {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("NULL")) {
          overriddenServerStatus = null;
        } else if (SERVER_STATUSES.contains(v)) {
          overriddenServerStatus = v;
        } else {
          throw new IllegalArgumentException("illegal value for overriddenServerStatus: " + value
              + " (expected one of " + SERVER_STATUSES + " or null)");
        }
      }
      case "lightBeatEnabled" -> lightBeatEnabled = bool(entry, value);
      case "healthCheckEnabled" -> healthCheckEnabled = bool(entry, value);
      case "autoChangeHealthCheckEnabled" -> autoChangeHealthCheckEnabled = bool(entry, value);
      case "pushEnabled" -> pushEnabled = bool(entry, value);
      case "clientBeatInterval" -> clientBeatInterval = millis(entry, value, 500, 3_600_000);
      case "defaultPushCacheMillis" -> defaultPushCacheMillis = millis(entry, value, 1_000, 3_600_000);
      case "defaultCacheMillis" -> defaultCacheMillis = millis(entry, value, 1_000, 3_600_000);
      default -> throw new IllegalArgumentException("update entry not found: " + entry);
    }
  }

  public String toJson() {
    JsonWriter w = new JsonWriter().beginObject()
        .field("name", "00-00---000-NACOS_SWITCH_DOMAIN-000---00-00")
        .field("clientBeatInterval", clientBeatInterval)
        .field("lightBeatEnabled", lightBeatEnabled)
        .field("healthCheckEnabled", healthCheckEnabled)
        .field("autoChangeHealthCheckEnabled", autoChangeHealthCheckEnabled)
        .field("pushEnabled", pushEnabled)
        .field("defaultPushCacheMillis", defaultPushCacheMillis)
        .field("defaultCacheMillis", defaultCacheMillis)
        .field("distroEnabled", true)
        .field("overriddenServerStatus", overriddenServerStatus);
    return w.endObject().toString();
  }

  private static boolean bool(String entry, String v) {
    if ("true".equalsIgnoreCase(v)) {
      return true;
    }
    if ("false".equalsIgnoreCase(v)) {
      return false;
    }
    throw new IllegalArgumentException("illegal value for " + entry + ": " + v + " (expected true or false)");
  }

  private static long millis(String entry, String v, long min, long max) {
    try {
      long n = Long.parseLong(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("illegal value for " + entry + ": " + v + " (expected milliseconds from "
        + min + " to " + max + ")");
  }
}

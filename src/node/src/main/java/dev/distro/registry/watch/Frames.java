package dev.distro.registry.watch;

import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.support.JsonWriter;
import java.util.Locale;

/**
 * The JSON of the frames a watch connection sends (their fields in {@code docs/WATCH.md}): replies
 * to the client as whole strings, subscription frames as an {@link Out} encoded once per feed and
 * completed with each subscription's id as it goes out.
 */
final class Frames {

  private Frames() {
  }

  /**
   * A frame for every subscription of a feed ({@code only} null) or for one: {@code {"type":T,"id":<id>}
   * + rest}.
   */
  record Out(String type, String rest, String only) {

    String forId(String id) {
      StringBuilder sb = new StringBuilder(rest.length() + type.length() + id.length() + 24);
      sb.append("{\"type\":\"").append(type).append("\",\"id\":");
      JsonWriter.quote(sb, id);
      return sb.append(rest).toString();
    }
  }

  /** A feed frame: {@code fields} holds the fields after type and id (no object start). */
  static Out out(String type, JsonWriter fields) {
    return out(type, fields, null);
  }

  static Out out(String type, JsonWriter fields, String only) {
    String rest = fields.endObject().toString();
    return new Out(type, rest.equals("}") ? rest : "," + rest, only);
  }

  /** A change to an instance the feed's filter matches. */
  static Out event(ChangeEvent e) {
    String kind = switch (e.type()) {
      case ADDED -> "added";
      case MODIFIED -> "modified";
      default -> "deleted";
    };
    JsonWriter w = new JsonWriter().field("revision", e.revision()).field("kind", kind)
        .field("reason", e.reason().name().toLowerCase(Locale.ROOT)).name("instance");
    writeInstance(w, e.current() != null ? e.current() : e.previous());
    return out("event", w);
  }

  static String hello(String epoch, long revision) {
    return new JsonWriter().beginObject().field("type", "hello").field("epoch", epoch)
        .field("revision", revision).endObject().toString();
  }

  static String pong(long revision) {
    return new JsonWriter().beginObject().field("type", "pong").field("revision", revision).endObject().toString();
  }

  static String unsubscribed(String id) {
    return new JsonWriter().beginObject().field("type", "unsubscribed").field("id", id).endObject().toString();
  }

  /** An error reply; {@code id} (clipped) when it concerns a subscription, else null. */
  static String error(String id, String code, String message) {
    JsonWriter w = new JsonWriter().beginObject().field("type", "error");
    if (id != null) {
      w.field("id", clip(id));
    }
    return w.field("code", code).field("message", message).endObject().toString();
  }

  static String goAway() {
    return new JsonWriter().beginObject().field("type", "goaway")
        .field("reason", "node shutting down: reconnect to another node and resume").endObject().toString();
  }

  static void writeInstance(JsonWriter w, Instance i) {
    w.beginObject().field("namespace", i.service().namespace()).field("group", i.service().group())
        .field("service", i.service().name()).field("cluster", i.cluster()).field("ip", i.ip())
        .field("port", i.port()).field("weight", i.weight()).field("healthy", i.healthy())
        .field("enabled", i.enabled()).field("metadata", i.metadata()).field("version", i.version()).endObject();
  }

  /** The size of {@code s} in UTF-8, without encoding it. */
  static long utf8Length(String s) {
    long n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        n += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2; // a surrogate pair: 4 bytes for 2 chars
      }
    }
    return n;
  }

  /** A client-supplied string cut to 64 characters for an answer. */
  static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}

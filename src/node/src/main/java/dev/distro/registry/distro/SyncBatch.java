package dev.distro.registry.distro;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distro.registry.support.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A sync body ({@code {"from": member, "entries": [...]}}) read from the stream, without the tree
 * Jackson would build for it: each entry keeps only the fields {@link SyncCodec#apply} reads, each
 * as the very node the tree would hold (a text, number, boolean or null node; a nested object, such
 * as the metadata, or an array as the object or array node, built the same way), so that the checks
 * give the same answers on both. The tree was the largest allocation of a cluster under write load
 * (28% of it, 2026-12-05): an object node and a linked hash map with one entry per field, for every
 * entry of every batch.
 *
 * <p>The whole body is read before anything is applied, so a body that does not parse changes
 * nothing. A field given twice keeps its last value, as in the tree; fields {@code apply} does not
 * read are skipped (still checked as JSON).
 */
public final class SyncBatch {

  /** How many fields an entry keeps: the slots {@link #slot} numbers. */
  private static final int SLOTS = 17;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JsonNode from;
  private final List<Entry> entries;

  private SyncBatch(JsonNode from, List<Entry> entries) {
    this.from = from;
    this.entries = entries;
  }

  /** The sender, as {@code body.path("from").asText("")} reads it. */
  public String from() {
    return from == null ? "" : from.asText("");
  }

  /** The entries, or null when the body has no {@code entries} array. */
  public List<Entry> entries() {
    return entries;
  }

  /** One entry's fields. */
  public static final class Entry implements SyncCodec.Fields {
    private final JsonNode[] slots = new JsonNode[SLOTS];

    @Override
    public JsonNode get(String field) {
      int i = slot(field);
      return i < 0 ? null : slots[i];
    }
  }

  /** The slot of a field {@code apply} reads, -1 for any other name. */
  private static int slot(String field) {
    return switch (field) {
      case "o" -> 0;
      case "ns" -> 1;
      case "g" -> 2;
      case "s" -> 3;
      case "c" -> 4;
      case "ip" -> 5;
      case "p" -> 6;
      case "w" -> 7;
      case "h" -> 8;
      case "e" -> 9;
      case "m" -> 10;
      case "v" -> 11;
      case "hd" -> 12;
      case "cs" -> 13;
      case "pt" -> 14;
      case "sel" -> 15;
      case "x" -> 16;
      default -> -1;
    };
  }

  /**
   * Reads a body whose root is a JSON object; null when the root is something else (the caller
   * then parses it as a tree, to answer as it always did).
   *
   * @throws IOException when the bytes are not JSON (answered 400)
   */
  public static SyncBatch read(byte[] body) throws IOException {
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonNode from = null;
      List<Entry> entries = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("entries")) {
          entries = value == JsonToken.START_ARRAY ? entries(p) : null;
          if (entries == null) {
            p.skipChildren();
          }
        } else if (name.equals("from")) {
          from = node(p, value);
        } else {
          p.skipChildren();
        }
      }
      return new SyncBatch(from, entries);
    }
  }

  private static List<Entry> entries(JsonParser p) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      Entry e = new Entry();
      if (t == JsonToken.START_OBJECT) {
        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
          int i = slot(p.currentName());
          JsonToken value = p.nextToken();
          if (i < 0) {
            p.skipChildren();
          } else {
            e.slots[i] = node(p, value);
          }
        }
      } else {
        p.skipChildren(); // not an object: every field absent, refused as the tree's would be
      }
      out.add(e);
    }
    return out;
  }

  /** The node Jackson's tree holds for the value at {@code t}, as its deserializer builds it. */
  private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      throw new IOException("unexpected end of input");
    }
    return switch (t) {
      case VALUE_STRING -> NODES.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> NODES.numberNode(p.getIntValue());
        case LONG -> NODES.numberNode(p.getLongValue());
        default -> NODES.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> BooleanNode.TRUE;
      case VALUE_FALSE -> BooleanNode.FALSE;
      case VALUE_NULL -> NullNode.getInstance();
      case START_OBJECT -> {
        // built here, not by the mapper: its readTree sets up a deserialization context per call
        // (the metadata of every instance entry); a name given twice keeps its last value, as there
        ObjectNode o = NODES.objectNode();
        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
          String name = p.currentName();
          o.set(name, node(p, p.nextToken()));
        }
        yield o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          a.add(node(p, e));
        }
        yield a;
      }
      default -> throw new IOException("unexpected " + t);
    };
  }
}

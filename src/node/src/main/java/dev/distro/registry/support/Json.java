package dev.distro.registry.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;

/** The one Jackson mapper, for parsing what clients and peers send (Jackson's default read limits apply). */
public final class Json {

  public static final ObjectMapper MAPPER = new ObjectMapper();
  /** Resolved once: a reader bound to the tree type skips the per-call root deserializer lookup. */
  private static final ObjectReader TREE = MAPPER.readerFor(JsonNode.class);

  private Json() { }

  public static JsonNode parse(byte[] bytes) throws IOException {
    return TREE.readTree(bytes);
  }
}

package dev.distro.registry.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The one Jackson mapper, for parsing what clients and peers send (Jackson's default read limits apply). */
public final class Json {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() { }

  public static JsonNode parse(byte[] bytes) throws IOException {
    return MAPPER.readTree(bytes);
  }
}

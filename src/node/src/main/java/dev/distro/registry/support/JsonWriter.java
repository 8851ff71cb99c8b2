package dev.distro.registry.support;

import java.util.Map;

/**
 * A small, allocation-light JSON writer over a {@link StringBuilder}, for the response shapes we
 * emit on hot paths (Jackson stays for parsing). Commas are inserted automatically; the caller
 * keeps objects and arrays balanced.
 */
public final class JsonWriter {

  private final StringBuilder out;
  private boolean needComma;

  public JsonWriter() {
    this(new StringBuilder(256));
  }

  public JsonWriter(StringBuilder out) {
    this.out = out;
  }

  public JsonWriter beginObject() {
    comma();
    out.append('{');
    needComma = false;
    return this;
  }

  public JsonWriter endObject() {
    out.append('}');
    needComma = true;
    return this;
  }

  public JsonWriter beginArray() {
    comma();
    out.append('[');
    needComma = false;
    return this;
  }

  public JsonWriter endArray() {
    out.append(']');
    needComma = true;
    return this;
  }

  public JsonWriter name(String name) {
    comma();
    quote(out, name);
    out.append(':');
    needComma = false;
    return this;
  }

  public JsonWriter value(String v) {
    comma();
    if (v == null) {
      out.append("null");
    } else {
      quote(out, v);
    }
    needComma = true;
    return this;
  }

  public JsonWriter value(long v) {
    comma();
    out.append(v);
    needComma = true;
    return this;
  }

  public JsonWriter value(double v) {
    comma();
    if (Double.isFinite(v)) {
      out.append(v);
    } else {
      out.append("null");
    }
    needComma = true;
    return this;
  }

  public JsonWriter value(boolean v) {
    comma();
    out.append(v);
    needComma = true;
    return this;
  }

  /** Appends already-encoded JSON as one value. */
  public JsonWriter raw(CharSequence json) {
    comma();
    out.append(json);
    needComma = true;
    return this;
  }

  public JsonWriter field(String name, String v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, long v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, double v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, boolean v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, Map<String, String> map) {
    name(name).beginObject();
    for (Map.Entry<String, String> e : map.entrySet()) {
      field(e.getKey(), e.getValue());
    }
    return endObject();
  }

  public StringBuilder builder() {
    return out;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  private void comma() {
    if (needComma) {
      out.append(',');
    }
  }

  /** Appends {@code s} as a JSON string literal. */
  public static void quote(StringBuilder out, String s) {
    out.append('"');
    int start = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20 || c == 0x2028 || c == 0x2029) {
        out.append(s, start, i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            out.append("\\u");
            String hex = Integer.toHexString(c);
            for (int k = hex.length(); k < 4; k++) {
              out.append('0');
            }
            out.append(hex);
          }
        }
        start = i + 1;
      }
    }
    out.append(s, start, n);
    out.append('"');
  }
}

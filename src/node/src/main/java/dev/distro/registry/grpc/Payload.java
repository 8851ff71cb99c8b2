package dev.distro.registry.grpc;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one message of the Nacos gRPC protocol, {@code Payload{Metadata metadata = 2; Any body = 3}}
 * with {@code Metadata{string type = 3; map<string,string> headers = 7; string clientIp = 8}} and
 * the body's {@code Any.value} (field 2) holding the UTF-8 JSON of a Java request or response class
 * named by {@code type}. Encoded and decoded by hand: the message is tiny and stable from Nacos 2.0
 * to 3.1, and a protobuf runtime would be a dependency for forty lines.
 *
 * <p>The decoder takes fields in any order, the last of a repeated scalar, every map entry, and skips
 * unknown fields of every wire type; anything it cannot read is a {@link Malformed}, never another
 * exception.
 *
 * @param type the simple Java class name ({@code InstanceRequest}, {@code QueryServiceResponse}, ...)
 * @param clientIp what the sender says its address is (self-reported; not to be trusted)
 * @param headers request headers moved out of the JSON ({@code app}, {@code accessToken}, ...)
 * @param json the body's JSON, UTF-8
 */
public record Payload(String type, String clientIp, Map<String, String> headers, byte[] json) {

  /** A message that is not a well-formed {@code Payload}. */
  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH = 2;
  private static final int FIXED32 = 5;
  /** Map entries and headers a payload may carry; more is not a client's message. */
  static final int MAX_HEADERS = 256;

  public static Payload of(String type, byte[] json) {
    return new Payload(type, "", Map.of(), json);
  }

  public String jsonText() {
    return new String(json, StandardCharsets.UTF_8);
  }

  // ---- encoding ----

  /** The protobuf encoding. */
  public Buffer encode() {
    Buffer meta = Buffer.buffer(64);
    string(meta, 3, type);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      Buffer entry = Buffer.buffer(16 + h.getKey().length() + h.getValue().length());
      string(entry, 1, h.getKey());
      string(entry, 2, h.getValue());
      bytes(meta, 7, entry);
    }
    if (clientIp != null && !clientIp.isEmpty()) {
      string(meta, 8, clientIp);
    }
    Buffer any = Buffer.buffer(json.length + 8);
    tag(any, 2, LENGTH);
    varint(any, json.length);
    any.appendBytes(json);
    Buffer out = Buffer.buffer(meta.length() + any.length() + 16);
    bytes(out, 2, meta);
    bytes(out, 3, any);
    return out;
  }

  private static void tag(Buffer b, int field, int wireType) {
    varint(b, (long) field << 3 | wireType);
  }

  private static void varint(Buffer b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.appendByte((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.appendByte((byte) v);
  }

  private static void string(Buffer b, int field, String s) {
    if (s == null || s.isEmpty()) {
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    tag(b, field, LENGTH);
    varint(b, utf8.length);
    b.appendBytes(utf8);
  }

  private static void bytes(Buffer b, int field, Buffer value) {
    tag(b, field, LENGTH);
    varint(b, value.length());
    b.appendBuffer(value);
  }

  // ---- decoding ----

  /** Decodes a whole message. */
  public static Payload decode(Buffer message) throws Malformed {
    Reader r = new Reader(message, 0, message.length());
    String type = "";
    String clientIp = "";
    Map<String, String> headers = new LinkedHashMap<>();
    byte[] json = new byte[0];
    while (r.more()) {
      long tag = r.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 2 && wire == LENGTH) {
        Reader m = r.sub();
        while (m.more()) {
          long mt = m.varint();
          int mf = (int) (mt >>> 3);
          int mw = (int) (mt & 7);
          if (mf == 3 && mw == LENGTH) {
            type = m.string();
          } else if (mf == 8 && mw == LENGTH) {
            clientIp = m.string();
          } else if (mf == 7 && mw == LENGTH) {
            Reader e = m.sub();
            String k = "";
            String v = "";
            while (e.more()) {
              long et = e.varint();
              int ef = (int) (et >>> 3);
              int ew = (int) (et & 7);
              if (ef == 1 && ew == LENGTH) {
                k = e.string();
              } else if (ef == 2 && ew == LENGTH) {
                v = e.string();
              } else {
                e.skip(ew);
              }
            }
            if (headers.size() >= MAX_HEADERS && !headers.containsKey(k)) {
              throw new Malformed("more than " + MAX_HEADERS + " headers");
            }
            headers.put(k, v);
          } else {
            m.skip(mw);
          }
        }
      } else if (field == 3 && wire == LENGTH) {
        Reader a = r.sub();
        while (a.more()) {
          long at = a.varint();
          int af = (int) (at >>> 3);
          int aw = (int) (at & 7);
          if (af == 2 && aw == LENGTH) {
            json = a.bytes();
          } else {
            a.skip(aw);
          }
        }
      } else {
        r.skip(wire);
      }
    }
    return new Payload(type, clientIp, Collections.unmodifiableMap(headers), json);
  }

  /** A bounded view of a message being read. */
  private static final class Reader {
    private final Buffer b;
    private int pos;
    private final int end;

    Reader(Buffer b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() throws Malformed {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new Malformed("truncated varint");
        }
        byte x = b.getByte(pos++);
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new Malformed("varint longer than 10 bytes");
    }

    private int length() throws Malformed {
      long n = varint();
      if (n < 0 || n > end - pos) {
        throw new Malformed("length " + n + " beyond the message");
      }
      return (int) n;
    }

    Reader sub() throws Malformed {
      int n = length();
      Reader s = new Reader(b, pos, pos + n);
      pos += n;
      return s;
    }

    byte[] bytes() throws Malformed {
      int n = length();
      byte[] out = b.getBytes(pos, pos + n);
      pos += n;
      return out;
    }

    String string() throws Malformed {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    void skip(int wireType) throws Malformed {
      switch (wireType) {
        case VARINT -> varint();
        case FIXED64 -> advance(8);
        case LENGTH -> advance(length());
        case FIXED32 -> advance(4);
        default -> throw new Malformed("wire type " + wireType + " not allowed here");
      }
    }

    private void advance(int n) throws Malformed {
      if (n > end - pos) {
        throw new Malformed("field runs past the message");
      }
      pos += n;
    }
  }
}

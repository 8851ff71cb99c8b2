package dev.distro.loadgen;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The Nacos gRPC wire format as the load generator needs it, written here so that the generator
 * depends on nothing of the node. It mirrors the node's codec ({@code grpc/Payload} and
 * {@code grpc/Frames} in src/node): every message is
 * {@code Payload{Metadata metadata = 2; Any body = 3}} with {@code Metadata{string type = 3;
 * map<string,string> headers = 7; string clientIp = 8}} and the body's {@code Any.value} (field 2)
 * holding the UTF-8 JSON of the class named by {@code type}; on the HTTP/2 stream each message has
 * gRPC's 5-byte prefix (flag 0, big-endian length).
 *
 * <p>Only what a client sends and reads: the decoder keeps the type and the JSON and skips every
 * other field; a message it cannot read is an {@link IllegalArgumentException}.
 */
final class GrpcWire {

  /** A decoded message: its type (the simple class name), its JSON body and its size. */
  record Message(String type, JsonObject json, int bytes) { }

  private GrpcWire() { }

  /** The framed Payload of a request: {@code headers} holds {@code app}, as the Nacos client sends. */
  static Buffer frame(String type, JsonObject json) {
    Buffer meta = Buffer.buffer(64);
    string(meta, 3, type);
    Buffer header = Buffer.buffer(24);
    string(header, 1, "app");
    string(header, 2, "loadgen");
    bytes(meta, 7, header);
    string(meta, 8, "127.0.0.1");
    byte[] body = json.encode().getBytes(StandardCharsets.UTF_8);
    Buffer any = Buffer.buffer(body.length + 8);
    varint(any, 2 << 3 | 2);
    varint(any, body.length);
    any.appendBytes(body);
    Buffer payload = Buffer.buffer(meta.length() + any.length() + 16);
    bytes(payload, 2, meta);
    bytes(payload, 3, any);
    return Buffer.buffer(payload.length() + 5).appendByte((byte) 0).appendInt(payload.length()).appendBuffer(payload);
  }

  private static void varint(Buffer b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.appendByte((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.appendByte((byte) v);
  }

  private static void string(Buffer b, int field, String s) {
    bytes(b, field, Buffer.buffer(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static void bytes(Buffer b, int field, Buffer value) {
    varint(b, (long) field << 3 | 2);
    varint(b, value.length());
    b.appendBuffer(value);
  }

  private static final long META = 2 << 3 | 2;
  private static final long TYPE = 3 << 3 | 2;
  private static final long BODY = 3 << 3 | 2;
  private static final long VALUE = 2 << 3 | 2;

  /** Decodes one Payload (without its prefix). */
  static Message decode(Buffer m) {
    String type = "";
    String json = "{}";
    Reader r = new Reader(m, 0, m.length());
    while (r.more()) {
      long tag = r.varint();
      if (tag == META) {
        Reader meta = r.sub();
        while (meta.more()) {
          long t = meta.varint();
          if (t == TYPE) {
            type = meta.string();
          } else {
            meta.skip(t);
          }
        }
      } else if (tag == BODY) {
        Reader any = r.sub();
        while (any.more()) {
          long t = any.varint();
          if (t == VALUE) {
            json = any.string();
          } else {
            any.skip(t);
          }
        }
      } else {
        r.skip(tag);
      }
    }
    return new Message(type, new JsonObject(json), m.length());
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

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64 && pos < end; shift += 7) {
        byte x = b.getByte(pos++);
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("bad varint");
    }

    private int advance(long n) {
      if (n < 0 || n > end - pos) {
        throw new IllegalArgumentException("field runs past the message");
      }
      pos += (int) n;
      return pos;
    }

    Reader sub() {
      long n = varint();
      int from = pos;
      return new Reader(b, from, advance(n));
    }

    String string() {
      long n = varint();
      int from = pos;
      return b.getString(from, advance(n), "UTF-8");
    }

    void skip(long tag) {
      switch ((int) (tag & 7)) {
        case 0 -> varint();
        case 1 -> advance(8);
        case 2 -> advance(varint());
        case 5 -> advance(4);
        default -> throw new IllegalArgumentException("wire type " + (tag & 7));
      }
    }
  }

  /** Puts messages together from a stream's DATA chunks (one per stream, on its event loop). */
  static final class Deframer {
    private final Consumer<Buffer> messages;
    private Buffer pending = Buffer.buffer();

    Deframer(Consumer<Buffer> messages) {
      this.messages = messages;
    }

    void feed(Buffer chunk) {
      pending.appendBuffer(chunk);
      int pos = 0;
      while (pending.length() - pos >= 5) {
        if (pending.getByte(pos) != 0) {
          throw new IllegalArgumentException("compressed or invalid message flag " + pending.getByte(pos));
        }
        int n = pending.getInt(pos + 1);
        if (n < 0 || pending.length() - pos - 5 < n) {
          break;
        }
        messages.accept(pending.getBuffer(pos + 5, pos + 5 + n));
        pos += 5 + n;
      }
      if (pos > 0) {
        pending = pending.getBuffer(pos, pending.length());
      }
    }
  }
}

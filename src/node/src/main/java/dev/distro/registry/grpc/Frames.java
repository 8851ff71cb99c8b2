package dev.distro.registry.grpc;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: each is a flag byte (0: not compressed), a
 * 4-byte big-endian length and the message. {@link Deframer} puts messages together from DATA
 * chunks cut anywhere; it never holds more than one message's bytes, and refuses a message over the
 * limit from its prefix alone, before any of it is buffered.
 */
public final class Frames {

  /** gRPC status codes used here. */
  public static final int OK = 0;
  public static final int INVALID_ARGUMENT = 3;
  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;

  private Frames() { }

  /** {@code message} with its 5-byte prefix. */
  public static Buffer frame(Buffer message) {
    return Buffer.buffer(message.length() + 5).appendByte((byte) 0).appendInt(message.length()).appendBuffer(message);
  }

  /** A protocol fault: the gRPC status to end the stream with, and why. */
  public record Fault(int status, String message) { }

  /** Puts messages together from a stream's DATA chunks; one per stream, used on its event loop. */
  public static final class Deframer {

    private final int maxMessageBytes;
    private final Consumer<Buffer> messages;
    private final Consumer<Fault> faults;
    private final byte[] head = new byte[5];
    private int headLength;
    private Buffer body;
    private int bodyLength = -1;
    private boolean failed;

    /**
     * @param messages gets each whole message
     * @param faults gets the first fault; nothing is delivered after it
     */
    public Deframer(int maxMessageBytes, Consumer<Buffer> messages, Consumer<Fault> faults) {
      this.maxMessageBytes = maxMessageBytes;
      this.messages = messages;
      this.faults = faults;
    }

    public void feed(Buffer chunk) {
      int pos = 0;
      int n = chunk.length();
      while (pos < n && !failed) {
        if (bodyLength < 0) {
          while (headLength < 5 && pos < n) {
            head[headLength++] = chunk.getByte(pos++);
          }
          if (headLength < 5) {
            return;
          }
          headLength = 0;
          long length = (head[1] & 0xFFL) << 24 | (head[2] & 0xFF) << 16 | (head[3] & 0xFF) << 8 | (head[4] & 0xFF);
          if (head[0] == 1) {
            fail(UNIMPLEMENTED, "compressed messages are not accepted (no grpc-encoding is negotiated)");
            return;
          }
          if (head[0] != 0) {
            fail(INTERNAL, "invalid message flag " + head[0]);
            return;
          }
          if (length > maxMessageBytes) {
            fail(RESOURCE_EXHAUSTED, "message of " + length + " bytes is over the limit of " + maxMessageBytes);
            return;
          }
          bodyLength = (int) length;
          body = Buffer.buffer(bodyLength);
        }
        int take = Math.min(bodyLength - body.length(), n - pos);
        body.appendBuffer(chunk, pos, take);
        pos += take;
        if (body.length() == bodyLength) {
          Buffer whole = body;
          body = null;
          bodyLength = -1;
          messages.accept(whole);
        }
      }
    }

    /** Whether the stream ended in the middle of a message. */
    public boolean partial() {
      return bodyLength >= 0 || headLength > 0;
    }

    private void fail(int status, String message) {
      failed = true;
      body = null;
      faults.accept(new Fault(status, message));
    }
  }
}

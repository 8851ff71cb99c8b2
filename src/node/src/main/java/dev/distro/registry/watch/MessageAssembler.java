package dev.distro.registry.watch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Puts a client's messages together from WebSocket data frames (RFC 6455, 5.4 and 8.1), with no I/O
 * so that it can be tested and fuzzed alone: at most {@code maxBytes} per message (else 1009), a
 * text message must be valid UTF-8 as a whole (a character may span frames; else 1007), and a
 * continuation frame must continue a message while a new message must not start before the last one
 * ended (else 1002). After a {@link Kind#CLOSE} the connection is done: further frames are ignored.
 */
final class MessageAssembler {

  static final short CLOSE_PROTOCOL_ERROR = 1002;
  static final short CLOSE_INVALID_DATA = 1007;
  static final short CLOSE_TOO_BIG = 1009;

  /** The opcode of a data frame. */
  enum FrameType { TEXT, BINARY, CONTINUATION }

  /** What a frame completed. */
  enum Kind {
    /** nothing yet: the message goes on (or the assembler is closed) */
    PENDING,
    /** a whole text message, in {@link Result#text()} */
    TEXT,
    /** a whole binary message (its content is not part of the protocol, so it is not kept) */
    BINARY,
    /** the connection must be closed with {@link Result#closeCode()} and {@link Result#reason()} */
    CLOSE
  }

  record Result(Kind kind, String text, short closeCode, String reason) {

    static final Result PENDING = new Result(Kind.PENDING, null, (short) 0, null);
    static final Result BINARY = new Result(Kind.BINARY, null, (short) 0, null);

    static Result close(short code, String reason) {
      return new Result(Kind.CLOSE, null, code, reason);
    }
  }

  private final int maxBytes;
  private ByteArrayOutputStream message;
  private boolean messageIsText;
  private boolean closed;

  MessageAssembler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Feeds one data frame; {@code payload} is not kept. */
  Result frame(FrameType type, boolean fin, byte[] payload) {
    if (closed) {
      return Result.PENDING;
    }
    if (type == FrameType.CONTINUATION) {
      if (message == null) {
        return close(CLOSE_PROTOCOL_ERROR, "a continuation frame without a message to continue");
      }
    } else {
      if (message != null) {
        return close(CLOSE_PROTOCOL_ERROR, "a new message before the last one ended");
      }
      message = new ByteArrayOutputStream(Math.min(payload.length, maxBytes));
      messageIsText = type == FrameType.TEXT;
    }
    if ((long) message.size() + payload.length > maxBytes) {
      return close(CLOSE_TOO_BIG, "message too big: at most " + maxBytes + " bytes");
    }
    message.write(payload, 0, payload.length);
    if (!fin) {
      return Result.PENDING;
    }
    byte[] whole = message.toByteArray();
    message = null;
    if (!messageIsText) {
      return Result.BINARY;
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(whole)).toString();
      return new Result(Kind.TEXT, text, (short) 0, null);
    } catch (CharacterCodingException e) {
      return close(CLOSE_INVALID_DATA, "a text message must be valid UTF-8");
    }
  }

  /** Forgets a message in progress and ignores every later frame. */
  void close() {
    closed = true;
    message = null;
  }

  private Result close(short code, String reason) {
    close();
    return Result.close(code, reason);
  }
}

package dev.distro.registry.watch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distro.registry.watch.MessageAssembler.FrameType;
import dev.distro.registry.watch.MessageAssembler.Kind;
import dev.distro.registry.watch.MessageAssembler.Result;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link MessageAssembler} with arbitrary frame sequences against a small model of RFC 6455's
 * rules: every answer is the one the model expects (a text message is exactly the bytes sent, as
 * valid UTF-8, within the size limit; the close codes 1002, 1007 and 1009 come exactly when their
 * rule is broken), nothing throws, and nothing comes after a close. Seeds are in
 * {@code src/test/resources/dev/distro/registry/watch/MessageAssemblerFuzzTestInputs/}. Under
 * {@code mvn verify} the seeds run, and with {@code JAZZER_FUZZ=1} it fuzzes for 5 s.
 */
class MessageAssemblerFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void framesFollowTheModel(FuzzedDataProvider data) {
    int max = data.consumeInt(1, 256);
    MessageAssembler assembler = new MessageAssembler(max);
    ByteArrayOutputStream model = null;
    boolean modelText = false;
    boolean closed = false;
    while (data.remainingBytes() > 0) {
      FrameType type = FrameType.values()[data.consumeInt(0, 2)];
      boolean fin = data.consumeBoolean();
      byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
      Result r = assembler.frame(type, fin, payload);
      assertNotNull(r);
      if (closed) {
        assertEquals(Kind.PENDING, r.kind(), "nothing after a close");
        continue;
      }
      short expectedClose = 0;
      if (type == FrameType.CONTINUATION && model == null || type != FrameType.CONTINUATION && model != null) {
        expectedClose = MessageAssembler.CLOSE_PROTOCOL_ERROR;
      } else {
        if (model == null) {
          model = new ByteArrayOutputStream();
          modelText = type == FrameType.TEXT;
        }
        if (model.size() + payload.length > max) {
          expectedClose = MessageAssembler.CLOSE_TOO_BIG;
        } else {
          model.write(payload, 0, payload.length);
        }
      }
      if (expectedClose != 0) {
        assertEquals(Kind.CLOSE, r.kind());
        assertEquals(expectedClose, r.closeCode());
        closed = true;
        continue;
      }
      if (!fin) {
        assertEquals(Kind.PENDING, r.kind());
        continue;
      }
      byte[] whole = model.toByteArray();
      model = null;
      if (!modelText) {
        assertEquals(Kind.BINARY, r.kind());
      } else if (validUtf8(whole)) {
        assertEquals(Kind.TEXT, r.kind());
        assertTrue(whole.length <= max);
        assertArrayEquals(whole, r.text().getBytes(StandardCharsets.UTF_8));
      } else {
        assertEquals(Kind.CLOSE, r.kind());
        assertEquals(MessageAssembler.CLOSE_INVALID_DATA, r.closeCode());
        closed = true;
      }
    }
  }

  /** Strict UTF-8 by the JDK's decoder, reporting instead of replacing. */
  private static boolean validUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}

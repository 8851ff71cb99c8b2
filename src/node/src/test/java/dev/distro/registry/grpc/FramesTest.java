package dev.distro.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {

  final List<String> messages = new ArrayList<>();
  final List<Frames.Fault> faults = new ArrayList<>();

  Frames.Deframer deframer(int max) {
    return new Frames.Deframer(max, m -> messages.add(m.toString()), faults::add);
  }

  @Test
  void messagesCutAnywhere_arePutTogether() {
    Buffer stream = Buffer.buffer().appendBuffer(Frames.frame(Buffer.buffer("hello")))
        .appendBuffer(Frames.frame(Buffer.buffer()))
        .appendBuffer(Frames.frame(Buffer.buffer("world, a little longer")));
    for (int cut = 1; cut <= stream.length(); cut++) {
      messages.clear();
      Frames.Deframer d = deframer(1024);
      for (int pos = 0; pos < stream.length(); pos += cut) {
        d.feed(stream.slice(pos, Math.min(stream.length(), pos + cut)));
      }
      assertEquals(List.of("hello", "", "world, a little longer"), messages, "chunks of " + cut);
      assertFalse(d.partial());
    }
    assertTrue(faults.isEmpty());
  }

  @Test
  void aStreamEndingInsideAMessage_isPartial() {
    Frames.Deframer d = deframer(1024);
    Buffer f = Frames.frame(Buffer.buffer("abc"));
    d.feed(f.slice(0, 3));
    assertTrue(d.partial());
    d.feed(f.slice(3, 6));
    assertTrue(d.partial());
    d.feed(f.slice(6, f.length()));
    assertFalse(d.partial());
    assertEquals(List.of("abc"), messages);
  }

  @Test
  void overTheLimit_isRefusedFromItsPrefix_beforeAnythingIsBuffered() {
    Frames.Deframer d = deframer(10);
    d.feed(Buffer.buffer().appendByte((byte) 0).appendInt(Integer.MAX_VALUE));
    d.feed(Buffer.buffer("more bytes that must be ignored"));
    assertEquals(1, faults.size());
    assertEquals(Frames.RESOURCE_EXHAUSTED, faults.get(0).status());
    assertTrue(messages.isEmpty());
  }

  @Test
  void compressedOrInvalidFlags_areRefused() {
    deframer(10).feed(Buffer.buffer().appendByte((byte) 1).appendInt(1).appendByte((byte) 7));
    deframer(10).feed(Buffer.buffer().appendByte((byte) 9).appendInt(1).appendByte((byte) 7));
    assertEquals(List.of(Frames.UNIMPLEMENTED, Frames.INTERNAL), faults.stream().map(Frames.Fault::status).toList());
    assertTrue(messages.isEmpty());
  }
}

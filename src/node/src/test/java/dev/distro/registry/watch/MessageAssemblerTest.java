package dev.distro.registry.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.watch.MessageAssembler.FrameType;
import dev.distro.registry.watch.MessageAssembler.Kind;
import dev.distro.registry.watch.MessageAssembler.Result;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The message rules of the watch socket, one case each, without a socket. */
class MessageAssemblerTest {

  private final MessageAssembler a = new MessageAssembler(16);

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void textInOneFrame() {
    Result r = a.frame(FrameType.TEXT, true, b("{}"));
    assertEquals(Kind.TEXT, r.kind());
    assertEquals("{}", r.text());
  }

  @Test
  void characterSplitAcrossFrames_isWhole() {
    assertEquals(Kind.PENDING, a.frame(FrameType.TEXT, false, new byte[] {'"', (byte) 0xC3}).kind());
    Result r = a.frame(FrameType.CONTINUATION, true, new byte[] {(byte) 0xA9, '"'});
    assertEquals("\"\u00e9\"", r.text());
  }

  @Test
  void invalidUtf8_closes1007() {
    Result r = a.frame(FrameType.TEXT, true, new byte[] {'a', (byte) 0xC3});
    assertEquals(1007, r.closeCode());
  }

  @Test
  void strayContinuation_closes1002() {
    assertEquals(1002, a.frame(FrameType.CONTINUATION, true, b("x")).closeCode());
  }

  @Test
  void newMessageBeforeTheLastEnded_closes1002() {
    a.frame(FrameType.TEXT, false, b("x"));
    assertEquals(1002, a.frame(FrameType.TEXT, true, b("y")).closeCode());
  }

  @Test
  void overTheLimitAcrossFrames_closes1009_andLaterFramesAreIgnored() {
    a.frame(FrameType.TEXT, false, b("0123456789"));
    assertEquals(1009, a.frame(FrameType.CONTINUATION, false, b("0123456789")).closeCode());
    assertEquals(Kind.PENDING, a.frame(FrameType.TEXT, true, b("{}")).kind());
  }

  @Test
  void exactlyTheLimit_isAccepted() {
    assertEquals(Kind.TEXT, a.frame(FrameType.TEXT, true, b("0123456789abcdef")).kind());
  }

  @Test
  void binaryMessage_isReportedWithoutContent() {
    a.frame(FrameType.BINARY, false, b("ab"));
    assertEquals(Kind.BINARY, a.frame(FrameType.CONTINUATION, true, b("c")).kind());
  }
}

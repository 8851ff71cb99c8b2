package dev.distro.registry.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GzipTest {

  static byte[] gunzip(Buffer gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.getBytes()))) {
      return in.readAllBytes();
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void splicedBody_decodesToHeadMiddleTail_withItsCrcAndSizeChecked() throws IOException {
    byte[] head = "{\"name\":\"DEFAULT_GROUP@@svc\",\"hosts\":".getBytes(StandardCharsets.UTF_8);
    StringBuilder hosts = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      hosts.append(i == 0 ? "" : ",").append("{\"ip\":\"10.0.0.").append(i).append("\",\"port\":8080,\"healthy\":true}");
    }
    byte[] middle = hosts.append(']').toString().getBytes(StandardCharsets.UTF_8);
    byte[] tail = ",\"lastRefTime\":1795578016227,\"valid\":true}".getBytes(StandardCharsets.UTF_8);
    Buffer gz = Gzip.body(head, middle, Gzip.segment(middle), tail);
    assertArrayEquals(concat(head, middle, tail), gunzip(gz));
    assertTrue(gz.length() < (head.length + middle.length + tail.length) / 5,
        "repetitive hosts compress: " + gz.length() + " bytes");
  }

  @Test
  void incompressibleMiddle_largerThanAStoredBlock_andEmptyParts() throws IOException {
    byte[] middle = new byte[300_000];
    new Random(7).nextBytes(middle);
    byte[] big = new byte[70_000];
    new Random(8).nextBytes(big);
    assertArrayEquals(concat(big, middle, big), gunzip(Gzip.body(big, middle, Gzip.segment(middle), big)));
    byte[] none = new byte[0];
    assertArrayEquals(none, gunzip(Gzip.body(none, none, Gzip.segment(none), none)));
  }

  @Test
  void aSegmentIsReusedByManyBodies() throws IOException {
    byte[] middle = "[{\"ip\":\"10.0.0.1\"}]".getBytes(StandardCharsets.UTF_8);
    byte[] seg = Gzip.segment(middle);
    for (int i = 0; i < 3; i++) {
      byte[] tail = (",\"lastRefTime\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(concat("{\"hosts\":".getBytes(StandardCharsets.UTF_8), middle, tail),
          gunzip(Gzip.body("{\"hosts\":".getBytes(StandardCharsets.UTF_8), middle, seg, tail)));
    }
  }

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "gzip,deflate | true", "deflate, gzip;q=0.5 | true", "GZIP | true", "x-gzip | true", "* | true",
      "gzip;q=0 | false", "gzip; q=0.0, deflate | false", "identity | false", "deflate | false",
      "*;q=0 | false", "br, *;q=0.1 | true", "'' | false", "null | false", "gzip;q=x | true"})
  void acceptEncoding(String header, boolean accepted) {
    assertEquals(accepted, Gzip.accepted(header));
  }
}

package dev.distro.registry.view;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip body (RFC 1952) put together from a large part compressed once and small parts that
 * change per response, without compressing anything per response: the large part is a raw deflate
 * run of non-final blocks ending on a byte boundary ({@link #segment}), and the small parts around
 * it go in stored (uncompressed) blocks, which may follow any byte-aligned block and refer to
 * nothing before them. Only the CRC-32 of the whole body is computed per response.
 */
public final class Gzip {

  /** Magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  /** A stored block holds at most this many bytes. */
  private static final int STORED_MAX = 65_535;

  private Gzip() { }

  /**
   * Whether an {@code Accept-Encoding} header admits gzip: {@code gzip} (or {@code *}) listed
   * without {@code q=0}. Null or empty: no.
   */
  public static boolean accepted(String acceptEncoding) {
    if (acceptEncoding == null || acceptEncoding.isEmpty()) {
      return false;
    }
    boolean star = false;
    for (String part : acceptEncoding.split(",")) {
      int semi = part.indexOf(';');
      String coding = (semi < 0 ? part : part.substring(0, semi)).trim();
      boolean zero = semi >= 0 && qualityIsZero(part.substring(semi + 1));
      if (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip")) {
        return !zero;
      }
      if (coding.equals("*")) {
        star = !zero;
      }
    }
    return star;
  }

  private static boolean qualityIsZero(String params) {
    for (String p : params.split(";")) {
      String t = p.trim();
      if (t.length() > 2 && (t.charAt(0) == 'q' || t.charAt(0) == 'Q') && t.charAt(1) == '=') {
        try {
          return Double.parseDouble(t.substring(2).trim()) == 0;
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    return false;
  }

  /** {@code data} as raw deflate blocks, none final, ending byte-aligned (a sync flush). */
  static byte[] segment(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      d.setInput(data);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
      byte[] buf = new byte[8192];
      int n;
      do {
        n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
        out.write(buf, 0, n);
      } while (n == buf.length || !d.needsInput());
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  /**
   * The gzip member of {@code head + middle + tail}, where {@code deflatedMiddle} is
   * {@link #segment}{@code (middle)}.
   */
  static Buffer body(byte[] head, byte[] middle, byte[] deflatedMiddle, byte[] tail) {
    CRC32 crc = new CRC32();
    crc.update(head);
    crc.update(middle);
    crc.update(tail);
    long size = (long) head.length + middle.length + tail.length;
    Buffer out = Buffer.buffer(HEADER.length + head.length + deflatedMiddle.length + tail.length + 32);
    out.appendBytes(HEADER);
    stored(out, head, false);
    out.appendBytes(deflatedMiddle);
    stored(out, tail, true);
    out.appendIntLE((int) crc.getValue());
    out.appendIntLE((int) size);
    return out;
  }

  /** {@code data} in stored blocks; the last of them final when {@code last}. */
  private static void stored(Buffer out, byte[] data, boolean last) {
    int off = 0;
    do {
      int len = Math.min(STORED_MAX, data.length - off);
      boolean fin = last && off + len == data.length;
      out.appendByte((byte) (fin ? 1 : 0));
      out.appendUnsignedShortLE(len);
      out.appendUnsignedShortLE(~len & 0xffff);
      out.appendBytes(data, off, len);
      off += len;
    } while (off < data.length);
  }
}

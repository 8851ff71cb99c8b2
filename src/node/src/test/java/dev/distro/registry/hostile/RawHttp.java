package dev.distro.registry.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Exact bytes over a plain socket, for requests no HTTP client would send (bad encodings, raw
 * paths, conflicting framing). Blocking: call from the JUnit thread only.
 */
final class RawHttp {

  /** A parsed answer; status -1 when the node closed without answering. */
  record Response(int status, Map<String, String> headers, String body) {

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private RawHttp() { }

  /** Sends {@code request} as ISO-8859-1 bytes and reads the answer until the node closes. */
  static Response exchange(int port, String request) {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Response exchange(int port, byte[] request) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(10_000);
      try {
        s.getOutputStream().write(request);
        s.getOutputStream().flush();
      } catch (IOException e) {
        // the node answered and closed before reading everything (431, 413): read its answer
      }
      return parse(readResponse(s.getInputStream()));
    } catch (IOException e) {
      throw new AssertionError("raw exchange failed: " + e, e);
    }
  }

  /** Reads one response: headers, then Content-Length bytes of body (or up to EOF). */
  private static byte[] readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int headerEnd = -1;
    int length = -1;
    byte[] buf = new byte[8192];
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no complete answer within 10 s; got: " + out.toString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        n = -1; // reset by the node after it answered
      }
      if (n < 0) {
        return out.toByteArray();
      }
      out.write(buf, 0, n);
      byte[] sofar = out.toByteArray();
      if (headerEnd < 0) {
        headerEnd = indexOf(sofar, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (headerEnd >= 0) {
          Response head = parse(sofar);
          String cl = head.header("content-length");
          length = cl == null ? -1 : Integer.parseInt(cl.trim());
        }
      }
      if (headerEnd >= 0 && length >= 0 && sofar.length >= headerEnd + 4 + length) {
        return sofar;
      }
    }
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/") || end < 0) {
      return new Response(-1, Map.of(), text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    String cl = headers.get("content-length");
    if (cl != null) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      int len = Math.min(b.length, Integer.parseInt(cl.trim()));
      body = new String(b, 0, len, StandardCharsets.UTF_8);
    }
    return new Response(status, headers, body);
  }

  private static int indexOf(byte[] a, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= a.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (a[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}

package dev.distro.registry.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A hostile watch client (issue 13): a raw socket with a small receive buffer that upgrades to a
 * WebSocket, sends {@code subscribes} unfiltered subscribes and never reads anything.
 */
public final class NonReadingWatcher {

  private NonReadingWatcher() { }

  public static Socket open(int port, int subscribes) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    OutputStream out = s.getOutputStream();
    out.write(("GET /nacos/v1/ns/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < subscribes; i++) {
      out.write(maskedText("{\"op\":\"subscribe\",\"id\":\"s" + i + "\"}"));
    }
    out.flush();
    return s;
  }

  /** One masked client text frame (payload under 126 bytes). */
  static byte[] maskedText(String text) {
    byte[] p = text.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[6 + p.length];
    f[0] = (byte) 0x81;
    f[1] = (byte) (0x80 | p.length);
    byte[] mask = {1, 2, 3, 4};
    System.arraycopy(mask, 0, f, 2, 4);
    for (int k = 0; k < p.length; k++) {
      f[6 + k] = (byte) (p[k] ^ mask[k % 4]);
    }
    return f;
  }
}

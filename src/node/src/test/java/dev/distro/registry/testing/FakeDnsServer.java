package dev.distro.registry.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A tiny in-process DNS server over UDP on 127.0.0.1 (port 0) for tests: it answers A and AAAA
 * questions for the names it was given, with an empty NOERROR answer for a known name without
 * records of the asked type, and NXDOMAIN for an unknown name. Responses are hand-encoded (RFC 1035
 * section 4): the query's id and RD bit, QR/AA/RA set, the question echoed, answers pointing at it
 * with {@code 0xC00C}. Every question is recorded, e.g. {@code "A registry.example"}.
 */
public final class FakeDnsServer {

  private static final int TYPE_A = 1;
  private static final int TYPE_AAAA = 28;
  private static final int CLASS_IN = 1;
  private static final int RCODE_NXDOMAIN = 3;
  private static final int RCODE_NOTIMPL = 4;

  private final Vertx vertx;
  private final Map<String, List<byte[]>> records = new ConcurrentHashMap<>();
  private final Queue<String> questions = new ConcurrentLinkedQueue<>();
  private DatagramSocket socket;

  public FakeDnsServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Adds (or replaces) the addresses of a name; IPv4 literals answer A, IPv6 literals answer AAAA. */
  public FakeDnsServer name(String name, String... addresses) {
    List<byte[]> list = new ArrayList<>();
    for (String a : addresses) {
      try {
        list.add(InetAddress.getByName(a).getAddress()); // a literal: no lookup
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(a, e);
      }
    }
    records.put(key(name), list);
    return this;
  }

  public Future<FakeDnsServer> start() {
    socket = vertx.createDatagramSocket();
    socket.handler(this::answer);
    return socket.listen(0, "127.0.0.1").map(s -> this);
  }

  public int port() {
    return socket.localAddress().port();
  }

  /** The questions received so far, as "TYPE name". */
  public List<String> questions() {
    return List.copyOf(questions);
  }

  public Future<Void> close() {
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  private static String key(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private void answer(DatagramPacket packet) {
    Buffer q = packet.data();
    if (q.length() < 12) {
      return;
    }
    int id = q.getUnsignedShort(0);
    int flags = q.getUnsignedShort(2);
    if ((flags & 0x8000) != 0 || q.getUnsignedShort(4) != 1) {
      return; // not a query with exactly one question
    }
    int pos = 12;
    StringBuilder name = new StringBuilder();
    while (true) {
      if (pos >= q.length()) {
        return;
      }
      int len = q.getUnsignedByte(pos++);
      if (len == 0) {
        break;
      }
      if (len > 63 || pos + len > q.length()) {
        return; // compression or garbage in a question: not expected from a client
      }
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(q.getString(pos, pos + len, "US-ASCII"));
      pos += len;
    }
    if (pos + 4 > q.length()) {
      return;
    }
    int type = q.getUnsignedShort(pos);
    int questionEnd = pos + 4;
    String key = key(name.toString());
    questions.add((type == TYPE_A ? "A" : type == TYPE_AAAA ? "AAAA" : "TYPE" + type) + " " + key);

    int rcode = 0;
    List<byte[]> answers = new ArrayList<>();
    List<byte[]> known = records.get(key);
    if (type != TYPE_A && type != TYPE_AAAA) {
      rcode = RCODE_NOTIMPL;
    } else if (known == null) {
      rcode = RCODE_NXDOMAIN;
    } else {
      int want = type == TYPE_A ? 4 : 16;
      for (byte[] address : known) {
        if (address.length == want) {
          answers.add(address);
        }
      }
    }

    Buffer r = Buffer.buffer();
    r.appendUnsignedShort(id);
    // QR, opcode copied, AA, RD copied, RA, rcode
    r.appendUnsignedShort(0x8000 | (flags & 0x7800) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode);
    r.appendUnsignedShort(1);              // QDCOUNT
    r.appendUnsignedShort(answers.size()); // ANCOUNT
    r.appendUnsignedShort(0);              // NSCOUNT
    r.appendUnsignedShort(0);              // ARCOUNT
    r.appendBuffer(q.getBuffer(12, questionEnd));
    for (byte[] address : answers) {
      r.appendUnsignedShort(0xC00C);       // name: pointer to the question's name
      r.appendUnsignedShort(type);
      r.appendUnsignedShort(CLASS_IN);
      r.appendInt(60);                     // TTL
      r.appendUnsignedShort(address.length);
      r.appendBytes(address);
    }
    socket.send(r, packet.sender().port(), packet.sender().host());
  }
}

package dev.distro.registry.model;

/**
 * The address of a member: the host and port of its client port, written {@code host:port} or,
 * for an IPv6 host, {@code [host]:port}. The written form is the member's identity in the member
 * list, the ring and the peer protocol; the peer port is the client port plus the node's offset
 * (1001 unless {@code --peer-port} says otherwise).
 */
public record MemberAddress(String host, int port) {

  /** Port 0 stands for a port not bound yet (a node configured with {@code --port=0}). */
  public MemberAddress {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("bad member: empty host");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("bad port in member: " + port);
    }
  }

  /**
   * A written address, {@code host:port} or {@code [v6]:port}, as this node writes them (member
   * lists, the ring, the peer protocol); the port is required, and may be 0 in the node's own address
   * when it was configured with {@code --port=0}.
   *
   * @throws IllegalArgumentException naming the entry: {@code bad member '...'} or {@code bad port in member '...'}
   */
  public static MemberAddress parse(String s) {
    return parse(s, -1, 0);
  }

  /**
   * A configured entry: {@code host[:port]}, {@code [v6][:port]}, or a bare IPv6 host (two colons or
   * more, so no port), with {@code defaultPort} where none is written; the port is 1..65535.
   *
   * @throws IllegalArgumentException naming the entry: {@code bad member '...'} or {@code bad port in member '...'}
   */
  public static MemberAddress parse(String s, int defaultPort) {
    return parse(s, defaultPort, 1);
  }

  private static MemberAddress parse(String s, int defaultPort, int minPort) {
    if (s == null) {
      throw new IllegalArgumentException("bad member: none given");
    }
    String host;
    int port = defaultPort;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("bad member '" + s + "'");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("bad member '" + s + "'");
        }
        port = port(rest.substring(1), s, minPort);
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') == colon) {
        host = s.substring(0, colon);
        port = port(s.substring(colon + 1), s, minPort);
      } else {
        host = s;
      }
    }
    if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '#')) {
      throw new IllegalArgumentException("bad member '" + s + "'");
    }
    if (port < 0) {
      throw new IllegalArgumentException("bad port in member '" + s + "': none given");
    }
    return new MemberAddress(host, port);
  }

  private static int port(String p, String entry, int min) {
    try {
      int n = Integer.parseInt(p);
      if (n >= min && n <= 65535) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("bad port in member '" + entry + "'");
  }

  /** The written form of {@code host} and {@code port}, brackets around an IPv6 host. */
  public static String format(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** The member's peer port: its client port plus {@code offset} (peer port minus client port). */
  public int peerPort(int offset) {
    return port + offset;
  }

  @Override
  public String toString() {
    return format(host, port);
  }
}

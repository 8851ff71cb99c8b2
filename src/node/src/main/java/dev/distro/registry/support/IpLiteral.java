package dev.distro.registry.support;

/**
 * IPv4 and IPv6 address literals, checked by a plain parser: nothing here reaches a resolver, so
 * it is safe on an event loop with client input. IPv4 is dotted decimal, four parts 0-255 without
 * leading zeros ({@code 010.0.0.1} is ambiguous: octal to some parsers). IPv6 is RFC 4291 text: up to
 * eight groups of one to four hex digits, at most one {@code ::}, optionally ending in an embedded
 * IPv4 address; no brackets. A zone ({@code %eth0}) is accepted only where a caller asks for it.
 */
public final class IpLiteral {

  /** Longest IPv6 text: eight groups of four and seven colons, or six groups and an IPv4 tail. */
  private static final int MAX_V6 = 45;
  private static final int MAX_ZONE = 32;

  private IpLiteral() {
  }

  /** An IPv4 or IPv6 literal without a zone. */
  public static boolean isValid(String s) {
    return isV4(s) || isV6(s);
  }

  public static boolean isV4(String s) {
    return s != null && isV4(s, 0, s.length());
  }

  /** An IPv6 literal without a zone. */
  public static boolean isV6(String s) {
    return s != null && isV6(s, 0, s.length());
  }

  /** An IPv6 literal with an optional zone of {@code [A-Za-z0-9_.-]}, 1 to 32 characters. */
  public static boolean isV6WithZone(String s) {
    if (s == null) {
      return false;
    }
    int pct = s.indexOf('%');
    if (pct < 0) {
      return isV6(s, 0, s.length());
    }
    int zone = s.length() - pct - 1;
    if (zone < 1 || zone > MAX_ZONE) {
      return false;
    }
    for (int i = pct + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
        return false;
      }
    }
    return isV6(s, 0, pct);
  }

  private static boolean isV4(String s, int from, int to) {
    int parts = 0;
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
      }
      int len = i - start;
      if (len == 0 || len > 3 || value > 255 || len > 1 && s.charAt(start) == '0') {
        return false;
      }
      parts++;
      if (i == to) {
        return parts == 4;
      }
      if (s.charAt(i) != '.' || parts == 4) {
        return false;
      }
      i++;
    }
  }

  private static boolean isV6(String s, int from, int to) {
    if (to - from < 2 || to - from > MAX_V6) {
      return false;
    }
    int groups = 0;
    boolean compressed = false;
    int i = from;
    if (s.charAt(i) == ':') {
      if (s.charAt(i + 1) != ':') {
        return false; // a single leading colon
      }
      compressed = true;
      i += 2;
      if (i == to) {
        return true; // "::"
      }
    }
    while (i < to) {
      int start = i;
      while (i < to && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128) {
        i++;
      }
      if (i < to && s.charAt(i) == '.') {
        // an embedded IPv4 address ends the literal and takes two groups
        if (!isV4(s, start, to)) {
          return false;
        }
        groups += 2;
        i = to;
        break;
      }
      int len = i - start;
      if (len == 0 || len > 4) {
        return false;
      }
      groups++;
      if (i == to) {
        break;
      }
      if (s.charAt(i) != ':') {
        return false;
      }
      i++;
      if (i < to && s.charAt(i) == ':') {
        if (compressed) {
          return false; // a second "::"
        }
        compressed = true;
        i++;
        if (i == to) {
          break; // ends with "::"
        }
      } else if (i == to) {
        return false; // a single trailing colon
      }
    }
    return compressed ? groups <= 7 : groups == 8;
  }
}

package dev.distro.registry.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The client tokens an operator configured, parsed from the token file: one token a line,
 * {@code name token grant...}, where a grant is {@code namespace:r}, {@code namespace:w} or
 * {@code namespace:rw} and the namespace {@code *} means every namespace. Blank lines and lines
 * starting with {@code #} are ignored. Immutable; only SHA-256 digests of the tokens are kept, and
 * a token is looked up by comparing its digest with every entry's in constant time, so neither the
 * match nor its position shows in the timing.
 */
public final class TokenTable {

  /** What a request needs on a namespace. */
  public enum Access { READ, WRITE }

  public static final String ALL_NAMESPACES = "*";
  public static final int MIN_TOKEN_LENGTH = 16;
  private static final Pattern NAME = Pattern.compile("[\\w.-]{1,64}");
  private static final Pattern NAMESPACE = Pattern.compile("[\\w-]{1,64}|\\*");

  /** One token: its name (for messages and logs; the token itself is never shown) and its grants. */
  public static final class Entry {
    private final String name;
    private final byte[] digest;
    private final Map<String, Set<Access>> grants;

    Entry(String name, byte[] digest, Map<String, Set<Access>> grants) {
      this.name = name;
      this.digest = digest;
      this.grants = grants;
    }

    public String name() {
      return name;
    }

    /**
     * True when this token may do {@code access} on {@code namespace}; a null namespace stands for
     * every namespace and needs the grant on {@code *}.
     */
    public boolean may(Access access, String namespace) {
      Set<Access> all = grants.get(ALL_NAMESPACES);
      if (all != null && all.contains(access)) {
        return true;
      }
      if (namespace == null) {
        return false;
      }
      Set<Access> ns = grants.get(namespace);
      return ns != null && ns.contains(access);
    }
  }

  public static final TokenTable EMPTY = new TokenTable(List.of());

  private final List<Entry> entries;

  private TokenTable(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public int size() {
    return entries.size();
  }

  /** The entry of this token, or null; takes the same time whether and wherever it matches. */
  public Entry find(String token) {
    if (token == null) {
      return null;
    }
    byte[] d = sha256(token);
    Entry found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest, d) & found == null) {
        found = e;
      }
    }
    return found;
  }

  /**
   * Parses a token file.
   *
   * @param source named in error messages
   * @throws IllegalArgumentException with a one-line message naming the line (never its token)
   */
  public static TokenTable parse(String text, String source) {
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> tokens = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + " line " + (i + 1);
      String[] f = line.split("\\s+");
      if (f.length < 3) {
        throw new IllegalArgumentException("bad token entry at " + where + ": expected 'name token grant...'"
            + " (grant: namespace:r, namespace:w or namespace:rw)");
      }
      if (f[1].length() >= MIN_TOKEN_LENGTH && f[0].contains(f[1])) {
        throw new IllegalArgumentException("token name at " + where + " contains the token itself: names are shown in"
            + " messages and logs, tokens never");
      }
      if (!NAME.matcher(f[0]).matches()) {
        throw new IllegalArgumentException("bad token name at " + where + ": letters, digits, '_', '.', '-',"
            + " up to 64");
      }
      // Messages show a field only when it is shorter than any token: a line that lacks its name
      // has its token where the name goes, and a token pasted into a grant must not show either.
      String token = mayShow(f[0]) ? "token '" + f[0] + "'" : "the token";
      if (!names.add(f[0])) {
        throw new IllegalArgumentException("duplicate token name" + (mayShow(f[0]) ? " '" + f[0] + "'" : "")
            + " at " + where);
      }
      if (f[1].length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(token + " at " + where + " is too short: it needs at least "
            + MIN_TOKEN_LENGTH + " characters");
      }
      if (!tokens.add(f[1])) {
        throw new IllegalArgumentException(token + " at " + where + " repeats another entry's token");
      }
      Map<String, Set<Access>> grants = new LinkedHashMap<>();
      for (int g = 2; g < f.length; g++) {
        int colon = f[g].lastIndexOf(':');
        String ns = colon < 0 ? "" : f[g].substring(0, colon);
        String perm = colon < 0 ? "" : f[g].substring(colon + 1);
        if (!NAMESPACE.matcher(ns).matches() || !perm.matches("r|w|rw|wr")) {
          String grant = mayShow(f[g]) ? "'" + f[g] + "'" : "number " + (g - 1);
          throw new IllegalArgumentException("bad grant " + grant + " of " + token + " at " + where
              + ": expected namespace:r, namespace:w or namespace:rw (namespace * = all)");
        }
        Set<Access> set = grants.computeIfAbsent(ns, k -> java.util.EnumSet.noneOf(Access.class));
        if (perm.contains("r")) {
          set.add(Access.READ);
        }
        if (perm.contains("w")) {
          set.add(Access.WRITE);
        }
      }
      entries.add(new Entry(f[0], sha256(f[1]), Map.copyOf(grants)));
    }
    return new TokenTable(entries);
  }

  /** A field shorter than any token cannot be one, so a message may show it. */
  private static boolean mayShow(String field) {
    return field.length() < MIN_TOKEN_LENGTH;
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

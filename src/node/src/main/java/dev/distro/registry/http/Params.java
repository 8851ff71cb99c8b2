package dev.distro.registry.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.support.IpLiteral;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and checks request parameters with Nacos's names, defaults and limits (its
 * {@code DefaultParamChecker} rules, with our configurable maxima). Every failure is an
 * {@link ApiException} whose message names the parameter.
 */
final class Params {

  static final ObjectMapper MAPPER = dev.distro.registry.support.Json.MAPPER;

  private static final Pattern HOSTNAME = Pattern.compile(
      "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
  static final int MAX_NAMESPACE = 64;
  static final int MAX_GROUP = 128;
  static final int MAX_CLUSTER = 64;
  static final int MAX_SELECTOR_BYTES = 1024;

  private final NodeConfig config;

  Params(NodeConfig config) {
    this.config = config;
  }

  String namespace(Call c) {
    String ns = c.optional("namespaceId");
    if (ns == null) {
      return ServiceKey.DEFAULT_NAMESPACE;
    }
    checkNamespace(ns);
    return ns;
  }

  static void checkNamespace(String ns) {
    checkLength("namespaceId", ns, MAX_NAMESPACE);
    if (!wordChars(ns, "-")) {
      throw illegalChars("namespaceId");
    }
  }

  static void checkGroupName(String group) {
    checkGroup(group);
  }

  int maxServiceNameLength() {
    return config.maxServiceNameLength;
  }

  /**
   * The service: {@code serviceName} (required), either plain with {@code groupName} (default
   * {@code DEFAULT_GROUP}) or already grouped as {@code group@@name}.
   */
  ServiceKey service(Call c) {
    String ns = namespace(c);
    String raw = c.required("serviceName");
    String group;
    String name;
    int sep = raw.indexOf(ServiceKey.GROUP_SEPARATOR);
    if (sep >= 0) {
      group = raw.substring(0, sep);
      name = raw.substring(sep + 2);
      if (group.isEmpty()) {
        throw ApiException.illegal("serviceName", "groupName can't be empty");
      }
      if (name.isEmpty()) {
        throw ApiException.illegal("serviceName", "serviceName can't be empty");
      }
    } else {
      name = raw;
      group = c.optional("groupName");
      if (group == null) {
        group = ServiceKey.DEFAULT_GROUP;
      }
    }
    checkName("serviceName", name, config.maxServiceNameLength);
    checkGroup(group);
    return new ServiceKey(ns, group, name);
  }

  /** The group for list calls (no service name). */
  String group(Call c) {
    String group = c.optional("groupName");
    if (group == null) {
      return ServiceKey.DEFAULT_GROUP;
    }
    checkGroup(group);
    return group;
  }

  private static void checkGroup(String group) {
    checkLength("groupName", group, MAX_GROUP);
    if (!wordChars(group, ":.-")) {
      throw illegalChars("groupName");
    }
  }

  /**
   * True when {@code s} is not empty and every character is an ASCII letter or digit, '_' or one of
   * {@code extra}: Nacos's patterns for namespaces ({@code [\w-]+}), groups ({@code [a-zA-Z0-9_:.-]+})
   * and clusters ({@code [0-9a-zA-Z_-]+}), checked on every write without a regular expression.
   */
  static boolean wordChars(String s, String extra) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
      if (!word && extra.indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * A service name: no control characters, no whitespace of any script, no format characters
   * (bidi overrides and marks, zero-width characters, BOM: they make a name display as another),
   * no U+FFFD (what invalid UTF-8 decodes to) or noncharacters, no unpaired surrogate.
   */
  static void checkName(String param, String name, int max) {
    checkLength(param, name, max);
    if (name.contains(ServiceKey.GROUP_SEPARATOR) || name.startsWith("@")) {
      throw ApiException.illegal(param, "it can't contain '@@' or start with '@'.");
    }
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (Character.isISOControl(ch) || Character.isWhitespace(ch) || Character.isSpaceChar(ch) || ch == '#'
          || ch == '/' || ch == '\\' || Character.getType(ch) == Character.FORMAT || ch >= '\uFFFD'
          || Character.isSurrogate(ch) && !validSurrogateAt(name, i)) {
        throw illegalChars(param);
      }
    }
  }

  private static boolean validSurrogateAt(String s, int i) {
    char ch = s.charAt(i);
    if (Character.isHighSurrogate(ch)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** {@code clusterName}, else {@code cluster}, else {@code DEFAULT}. */
  String cluster(Call c) {
    String cl = c.optional("clusterName");
    if (cl == null) {
      cl = c.optional("cluster");
    }
    return cl == null ? Instance.DEFAULT_CLUSTER : checkCluster("clusterName", cl);
  }

  static String checkCluster(String param, String cl) {
    checkLength(param, cl, MAX_CLUSTER);
    if (!wordChars(cl, "-")) {
      throw illegalChars(param);
    }
    return cl;
  }

  /** The {@code clusters} filter of list calls: null for all. */
  Set<String> clusters(Call c, String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String cl : raw.split(",")) {
      String t = cl.trim();
      if (!t.isEmpty()) {
        out.add(checkCluster("clusters", t));
      }
      if (out.size() > 64) {
        throw ApiException.illegal("clusters", "at most 64 clusters may be listed.");
      }
    }
    return out.isEmpty() ? null : out;
  }

  static String ip(String ip) {
    if (ip == null || ip.isEmpty()) {
      throw ApiException.missing("ip");
    }
    if (ip.length() <= 15 && IpLiteral.isV4(ip)) {
      return ip; // the common case, without the checks below
    }
    boolean dotted = ip.chars().allMatch(ch -> ch == '.' || ch >= '0' && ch <= '9');
    if (ip.length() > 253 || !(IpLiteral.isV4(ip) || ip.indexOf(':') >= 0 && IpLiteral.isV6WithZone(ip)
        || !dotted && ip.indexOf(':') < 0 && HOSTNAME.matcher(ip).matches() && !numericLastLabel(ip))) {
      throw ApiException.illegal("ip", "it should be an IPv4 or IPv6 address or a host name.");
    }
    return ip;
  }

  /**
   * A host name whose last label is a number ({@code 1.2.3.999}, {@code 0x7f.1.1.1}) is not a
   * name (RFC 3696 section 2) and some resolvers read it as an address.
   */
  private static boolean numericLastLabel(String host) {
    String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String last = h.substring(h.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
    return last.chars().allMatch(Character::isDigit) || last.matches("0x[0-9a-f]*");
  }

  static int port(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw ApiException.missing("port");
    }
    try {
      int p = Integer.parseInt(raw.trim());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.illegal("port", "the value should be between 1 and 65535.");
  }

  static double weight(String raw, double dflt) {
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      double w = Double.parseDouble(raw.trim());
      if (w >= 0 && w <= 10_000) {
        return w;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.illegal("weight", "the value should be a number from 0 to 10000.");
  }

  static boolean bool(String param, String raw, boolean dflt) {
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    if ("true".equalsIgnoreCase(raw)) {
      return true;
    }
    if ("false".equalsIgnoreCase(raw)) {
      return false;
    }
    throw ApiException.illegal(param, "the value should be true or false.");
  }

  static int intParam(String param, String raw, int dflt, int min, int max) {
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.illegal(param, "the value should be an integer from " + min + " to " + max + ".");
  }

  static float protectThreshold(String raw, float dflt) {
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      float t = Float.parseFloat(raw.trim());
      if (t >= 0 && t <= 1) {
        return t;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.illegal("protectThreshold", "the value should be a number from 0 to 1.");
  }

  /**
   * Metadata as a JSON object or as {@code k1=v1,k2=v2}; null when absent. Values that are not
   * strings keep their JSON text. Preserved timing keys must be positive milliseconds.
   */
  Map<String, String> metadata(String param, String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    if (raw.getBytes(StandardCharsets.UTF_8).length > config.maxMetadataBytes) {
      throw ApiException.illegal(param, "the metadata should not exceed " + config.maxMetadataBytes + " bytes.");
    }
    Map<String, String> out;
    String t = raw.trim();
    if (t.startsWith("{")) {
      JsonNode node;
      try {
        node = MAPPER.readTree(t);
      } catch (JsonProcessingException e) {
        throw ApiException.illegal(param, "it is not a valid JSON object: " + firstLine(e.getOriginalMessage()));
      }
      out = metadata(param, node);
    } else {
      out = new LinkedHashMap<>();
      for (String pair : t.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw ApiException.illegal(param, "expected a JSON object or k1=v1,k2=v2 but found '" + clip(pair) + "'.");
        }
        out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
    }
    return checkMetadata(param, out);
  }

  /** Metadata from an already parsed JSON value (the beat body's {@code metadata}). */
  Map<String, String> metadata(String param, JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiException.illegal(param, "it should be a JSON object of strings.");
    }
    if (node.toString().getBytes(StandardCharsets.UTF_8).length > config.maxMetadataBytes) {
      throw ApiException.illegal(param, "the metadata should not exceed " + config.maxMetadataBytes + " bytes.");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      out.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
    }
    return checkMetadata(param, out);
  }

  private Map<String, String> checkMetadata(String param, Map<String, String> m) {
    if (m.size() > config.maxMetadataEntries) {
      throw ApiException.illegal(param, "at most " + config.maxMetadataEntries + " entries are allowed.");
    }
    for (Map.Entry<String, String> e : m.entrySet()) {
      if (e.getKey().isEmpty()) {
        throw ApiException.illegal(param, "keys can't be empty.");
      }
      if (hasControl(e.getKey()) || hasControl(e.getValue())) {
        throw ApiException.illegal(param, "control characters are not allowed.");
      }
    }
    for (String key : new String[] {Instance.META_BEAT_INTERVAL, Instance.META_BEAT_TIMEOUT,
        Instance.META_DELETE_TIMEOUT}) {
      String v = m.get(key);
      if (v != null) {
        long ms;
        try {
          ms = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
          ms = -1;
        }
        if (ms <= 0 || ms > Instance.MAX_PRESERVED_MS) {
          throw ApiException.illegal(param, "'" + key + "' should be a number of milliseconds from 1 to "
              + Instance.MAX_PRESERVED_MS + ".");
        }
      }
    }
    return m;
  }

  /** The service selector: a JSON object with a {@code type}; the default when absent. */
  static String selector(String raw, String dflt) {
    if (raw == null || raw.isBlank()) {
      return dflt;
    }
    if (raw.getBytes(StandardCharsets.UTF_8).length > MAX_SELECTOR_BYTES) {
      throw ApiException.illegal("selector", "it should not exceed " + MAX_SELECTOR_BYTES + " bytes.");
    }
    try {
      JsonNode node = MAPPER.readTree(raw);
      if (node == null || !node.isObject() || !node.path("type").isTextual()) {
        throw ApiException.illegal("selector", "it should be a JSON object with a 'type'.");
      }
      return node.toString();
    } catch (JsonProcessingException e) {
      throw ApiException.illegal("selector", "it is not valid JSON: " + firstLine(e.getOriginalMessage()));
    }
  }

  static JsonNode json(String param, String raw) {
    try {
      JsonNode node = MAPPER.readTree(raw);
      if (node == null || !node.isObject()) {
        throw ApiException.illegal(param, "it should be a JSON object.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ApiException.illegal(param, "it is not valid JSON: " + firstLine(e.getOriginalMessage()));
    }
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static void checkLength(String param, String v, int max) {
    if (v.length() > max) {
      throw ApiException.illegal(param, "the param length should not exceed " + max + ".");
    }
  }

  private static ApiException illegalChars(String param) {
    return ApiException.illegal(param, "illegal characters should not appear in the param.");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return clip(nl >= 0 ? s.substring(0, nl) : s);
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}

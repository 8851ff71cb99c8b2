package dev.distro.registry.config;

import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.model.MemberAddress;
import java.io.IOException;
import java.io.Reader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The node's configuration, parsed once at start and passed to every component.
 *
 * <p>Every setting has a flag {@code --name=value}, an environment variable {@code DISTRO_NAME}
 * (upper snake case) and a key {@code name} in the optional properties file named by
 * {@code --config}. Precedence: flag, then environment, then file, then the default.
 */
public final class NodeConfig {

  public static final int DEFAULT_PORT = 8848;
  public static final int PEER_PORT_OFFSET = 1001;
  public static final String DEFAULT_BIND = "0.0.0.0";
  public static final long DEFAULT_BATCH_WINDOW_MS = 100;
  public static final int DEFAULT_BATCH_MAX_ENTRIES = 1000;
  public static final int DEFAULT_SYNC_QUEUE_MAX = 200_000;
  public static final long DEFAULT_VERIFY_INTERVAL_MS = 5_000;
  public static final long DEFAULT_PING_INTERVAL_MS = 2_000;
  public static final long DEFAULT_FORWARD_TIMEOUT_MS = 500;
  public static final long DEFAULT_HEALTH_SWEEP_INTERVAL_MS = 500;
  public static final long DEFAULT_LOOKUP_INTERVAL_MS = 2_000;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
  public static final int DEFAULT_MAX_SERVICE_NAME_LENGTH = 512;
  /** The largest {@code max-service-name-length}: every member accepts names this long from peers. */
  public static final int MAX_SERVICE_NAME_LENGTH = 4096;
  public static final int DEFAULT_MAX_METADATA_BYTES = 4 * 1024;
  public static final int DEFAULT_MAX_METADATA_ENTRIES = 64;
  public static final long DEFAULT_SHUTDOWN_GRACE_MS = 20_000;
  /** Bytes queued to all watchers together: a sixteenth of the heap. */
  public static final long DEFAULT_WATCH_BUDGET_BYTES = Math.max(64 * 1024, Runtime.getRuntime().maxMemory() / 16);
  public static final int MIN_SECRET_BYTES = 16;
  public static final long DEFAULT_AUTH_RELOAD_MS = 5_000;

  /** The lookup modes, by their configuration names. */
  public enum Lookup {
    STANDALONE("standalone"), STATIC("static"), FILE("file"), ADDRESS_SERVER("address-server"), DNS("dns");

    public final String configName;

    Lookup(String configName) {
      this.configName = configName;
    }

    static Lookup parse(String v) throws ConfigException {
      for (Lookup l : values()) {
        if (l.configName.equals(v)) {
          return l;
        }
      }
      throw new ConfigException("bad value for lookup: '" + v
          + "' (expected standalone, static, file, address-server or dns)");
    }
  }

  /** Every setting: name, default (null = none or derived), description. The README lists them. */
  static final Map<String, String[]> SETTINGS = new LinkedHashMap<>();

  static {
    def("config", null, "path of an optional properties file with any of these settings");
    def("host", null, "address this node advertises to peers and clients (default: first non-loopback IPv4)");
    def("bind", DEFAULT_BIND, "address both ports bind to");
    def("port", String.valueOf(DEFAULT_PORT), "client port (Nacos API, operator endpoints, health probes)");
    def("peer-port", null, "peer port (sync, verify, snapshot, ping); default: port + 1001");
    def("lookup", null, "member lookup: standalone, static, file, address-server, dns (default: derived"
        + " from the options below, else standalone)");
    def("cluster-conf", null, "path of cluster.conf, one host:port per line; implies lookup=file");
    def("members", null, "comma-separated host:port list; implies lookup=static");
    def("address-server", null, "URL returning the member list, one host:port per line; implies lookup=address-server");
    def("dns-name", null, "DNS name whose A/AAAA records are the members; implies lookup=dns");
    def("dns-server", null, "host[:port] (IP literal, port 53 by default) of the DNS server for lookup=dns"
        + " (default: the system's first nameserver)");
    def("cluster-secret", null, "shared secret for the peer API (required outside standalone, >= 16 bytes)");
    def("lookup-interval-ms", String.valueOf(DEFAULT_LOOKUP_INTERVAL_MS), "how often the member list is re-read");
    def("batch-window-ms", String.valueOf(DEFAULT_BATCH_WINDOW_MS), "sync batch window");
    def("batch-max-entries", String.valueOf(DEFAULT_BATCH_MAX_ENTRIES), "sync batch size limit");
    def("sync-queue-max", String.valueOf(DEFAULT_SYNC_QUEUE_MAX), "changes kept for one peer before its sync queue"
        + " is dropped (verify repairs what it held)");
    def("verify-interval-ms", String.valueOf(DEFAULT_VERIFY_INTERVAL_MS), "verify round interval");
    def("ping-interval-ms", String.valueOf(DEFAULT_PING_INTERVAL_MS), "member ping interval");
    def("forward-timeout-ms", String.valueOf(DEFAULT_FORWARD_TIMEOUT_MS), "deadline of a forwarded write");
    def("health-sweep-interval-ms", String.valueOf(DEFAULT_HEALTH_SWEEP_INTERVAL_MS), "TTL sweep period");
    def("expire-instances", "true", "remove instances whose delete timeout passed (false: only mark unhealthy)");
    def("http-instances", null, "HttpVerticle instances (default: number of CPUs)");
    def("event-loops", null, "event-loop threads (default: 2 x CPUs)");
    def("max-body-bytes", String.valueOf(DEFAULT_MAX_BODY_BYTES), "largest accepted request body / form field");
    def("max-header-bytes", String.valueOf(DEFAULT_MAX_HEADER_BYTES), "largest accepted request header block");
    def("max-service-name-length", String.valueOf(DEFAULT_MAX_SERVICE_NAME_LENGTH), "longest service name");
    def("max-metadata-bytes", String.valueOf(DEFAULT_MAX_METADATA_BYTES), "largest metadata (encoded) per instance or service");
    def("max-metadata-entries", String.valueOf(DEFAULT_MAX_METADATA_ENTRIES), "most metadata keys per instance or service");
    def("watch-log-size", "100000", "changes kept for watch resumes (older resume points get a reset and a snapshot)");
    def("watch-budget-bytes", null, "bytes queued to all watchers together, node-wide (default: a sixteenth of the"
        + " heap); a connection that holds its share and does not read is closed before it is reached");
    def("log-format", "text", "log lines as text or json (one JSON object per line)");
    def("shutdown-delay-ms", "0", "on SIGTERM, how long to keep serving (not ready, writes refused) before stopping,"
        + " for load balancers to notice");
    def("shutdown-grace-ms", String.valueOf(DEFAULT_SHUTDOWN_GRACE_MS), "longest graceful shutdown on SIGTERM");
    def("auth-enabled", "false", "require a client token on the client API and the watch endpoint (probes and"
        + " /metrics stay open)");
    def("auth-tokens-file", null, "token file: one 'name token namespace:r|w|rw ...' per line (* = all"
        + " namespaces); required with auth-enabled");
    def("auth-reload-ms", String.valueOf(DEFAULT_AUTH_RELOAD_MS), "how often the token file is checked for changes");
    def("client-tls", "false", "TLS on the client port (needs tls-cert-file and tls-key-file)");
    def("peer-tls", "false", "TLS on the peer port and to peers' peer ports (needs tls-cert-file, tls-key-file and"
        + " tls-ca-file)");
    def("tls-cert-file", null, "PEM certificate chain of this node");
    def("tls-key-file", null, "PEM private key of this node (PKCS#8 or PKCS#1)");
    def("tls-ca-file", null, "PEM CA certificates this node verifies other nodes against (peer port, and client"
        + " port for forwarded writes; default there: the JVM's trust store)");
    def("tls-verify-hostname", "true", "check that a node's certificate names the host it is reached at");
    def("tls-trust-all", "false", "accept any certificate from other nodes (testing only: no verification)");
    def("max-clock-skew-ms", "30000", "a node whose wall clock is further than this from most members' steps out of"
        + " service (not ready, client API 503, owns nothing) until it agrees again; 0 turns the check off");
    def("fault-injection", "false", "test only: serve POST /distro/faults on the peer port to cut, delay or drop this"
        + " node's outgoing peer traffic");
  }

  private static void def(String name, String dflt, String help) {
    SETTINGS.put(name, new String[] {dflt, help});
  }

  public final String host;
  public final String bind;
  public final int port;
  public final int peerPort;
  public final Lookup lookup;
  public final String clusterConf;
  public final List<String> members;
  public final String addressServer;
  public final String dnsName;
  public final String dnsServer;
  public final String clusterSecret;
  public final long lookupIntervalMs;
  public final long batchWindowMs;
  public final int batchMaxEntries;
  public final int syncQueueMax;
  public final long verifyIntervalMs;
  public final long pingIntervalMs;
  public final long forwardTimeoutMs;
  public final long healthSweepIntervalMs;
  public final boolean expireInstances;
  public final int httpInstances;
  public final int eventLoops;
  public final int maxBodyBytes;
  public final int maxHeaderBytes;
  public final int maxServiceNameLength;
  public final int maxMetadataBytes;
  public final int maxMetadataEntries;
  public final long shutdownGraceMs;
  public final int watchLogSize;
  public final long watchBudgetBytes;
  public final long shutdownDelayMs;
  public final boolean jsonLogs;
  public final boolean authEnabled;
  public final String authTokensFile;
  public final long authReloadMs;
  public final boolean clientTls;
  public final boolean peerTls;
  public final String tlsCertFile;
  public final String tlsKeyFile;
  public final String tlsCaFile;
  public final boolean tlsVerifyHostname;
  public final boolean tlsTrustAll;
  public final boolean faultInjection;
  public final long maxClockSkewMs;

  private NodeConfig(Map<String, String> v) throws ConfigException {
    int cpus = Runtime.getRuntime().availableProcessors();
    host = v.get("host") != null ? nonBlank(v, "host") : detectHost();
    bind = nonBlank(v, "bind");
    port = intIn(v, "port", 0, 65535);
    peerPort = v.get("peer-port") != null ? intIn(v, "peer-port", 0, 65535)
        : (port == 0 ? 0 : port + PEER_PORT_OFFSET);
    if (peerPort > 65535) {
      throw new ConfigException("peer port " + peerPort + " is out of range: set --peer-port");
    }
    clusterConf = v.get("cluster-conf");
    members = v.get("members") == null ? List.of() : parseMembers(v.get("members"));
    addressServer = v.get("address-server");
    dnsName = v.get("dns-name");
    dnsServer = v.get("dns-server") == null ? null : withDefaultPort(v.get("dns-server"), 53, "dns-server");
    lookup = v.get("lookup") != null ? Lookup.parse(v.get("lookup")) : derivedLookup();
    clusterSecret = v.get("cluster-secret");
    lookupIntervalMs = longIn(v, "lookup-interval-ms", 100, 3_600_000);
    batchWindowMs = longIn(v, "batch-window-ms", 1, 60_000);
    batchMaxEntries = (int) longIn(v, "batch-max-entries", 1, 1_000_000);
    syncQueueMax = intIn(v, "sync-queue-max", 1, 100_000_000);
    verifyIntervalMs = longIn(v, "verify-interval-ms", 100, 3_600_000);
    pingIntervalMs = longIn(v, "ping-interval-ms", 50, 600_000);
    forwardTimeoutMs = longIn(v, "forward-timeout-ms", 10, 60_000);
    healthSweepIntervalMs = longIn(v, "health-sweep-interval-ms", 10, 60_000);
    expireInstances = bool(v, "expire-instances");
    httpInstances = v.get("http-instances") == null ? cpus : intIn(v, "http-instances", 1, 256);
    eventLoops = v.get("event-loops") == null ? Math.max(2 * cpus, httpInstances)
        : intIn(v, "event-loops", 1, 1024);
    maxBodyBytes = intIn(v, "max-body-bytes", 1024, 64 * 1024 * 1024);
    maxHeaderBytes = intIn(v, "max-header-bytes", 1024, 1024 * 1024);
    maxServiceNameLength = intIn(v, "max-service-name-length", 1, MAX_SERVICE_NAME_LENGTH);
    maxMetadataBytes = intIn(v, "max-metadata-bytes", 64, 1024 * 1024);
    maxMetadataEntries = intIn(v, "max-metadata-entries", 1, 10_000);
    shutdownGraceMs = longIn(v, "shutdown-grace-ms", 0, 600_000);
    watchLogSize = intIn(v, "watch-log-size", 16, 10_000_000);
    watchBudgetBytes = v.get("watch-budget-bytes") == null ? DEFAULT_WATCH_BUDGET_BYTES
        : longIn(v, "watch-budget-bytes", 64 * 1024, 1L << 40);
    shutdownDelayMs = longIn(v, "shutdown-delay-ms", 0, 600_000);
    String logFormat = v.get("log-format");
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new ConfigException("bad value for log-format: '" + logFormat + "' (expected text or json)");
    }
    jsonLogs = logFormat.equals("json");
    authEnabled = bool(v, "auth-enabled");
    authTokensFile = v.get("auth-tokens-file");
    authReloadMs = longIn(v, "auth-reload-ms", 100, 3_600_000);
    clientTls = bool(v, "client-tls");
    peerTls = bool(v, "peer-tls");
    tlsCertFile = v.get("tls-cert-file");
    tlsKeyFile = v.get("tls-key-file");
    tlsCaFile = v.get("tls-ca-file");
    tlsVerifyHostname = bool(v, "tls-verify-hostname");
    tlsTrustAll = bool(v, "tls-trust-all");
    faultInjection = bool(v, "fault-injection");
    maxClockSkewMs = longIn(v, "max-clock-skew-ms", 0, 3_600_000);
    validateMode();
    validateSecurity();
  }

  /** The standalone defaults, for tests and tools. */
  public static NodeConfig defaults() {
    try {
      return load(new String[0], Map.of());
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Loads the configuration from flags, environment and the optional file. */
  public static NodeConfig load(String[] args, Map<String, String> env) throws ConfigException {
    Map<String, String> flags = parseFlags(args);
    Map<String, String> fromEnv = new LinkedHashMap<>();
    for (String name : SETTINGS.keySet()) {
      String e = env.get(envName(name));
      if (e != null) {
        fromEnv.put(name, e);
      }
    }
    String configPath = flags.getOrDefault("config", fromEnv.get("config"));
    Map<String, String> fromFile = configPath == null ? Map.of() : readFile(configPath);
    Map<String, String> merged = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> s : SETTINGS.entrySet()) {
      String name = s.getKey();
      String value = flags.containsKey(name) ? flags.get(name)
          : fromEnv.containsKey(name) ? fromEnv.get(name)
          : fromFile.containsKey(name) ? fromFile.get(name)
          : s.getValue()[0];
      if (value != null) {
        merged.put(name, value.trim());
      }
    }
    return new NodeConfig(merged);
  }

  /** Applies overrides (setting name to value) on top of this configuration's sources. */
  public static NodeConfig of(Map<String, String> settings) throws ConfigException {
    List<String> args = new ArrayList<>();
    settings.forEach((k, val) -> args.add("--" + k + "=" + val));
    return load(args.toArray(String[]::new), Map.of());
  }

  public static String envName(String setting) {
    return "DISTRO_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  public boolean standalone() {
    return lookup == Lookup.STANDALONE;
  }

  /** This node's member id: {@code host:port} of its client port. */
  public String self() {
    return MemberAddress.format(host, port);
  }

  /** What to add to a member's client port to reach its peer port. */
  public int peerPortOffset() {
    return peerPort - port;
  }

  /** The usage text: every setting with its default. */
  public static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar distro-node.jar [--name=value ...]\n\n");
    for (Map.Entry<String, String[]> s : SETTINGS.entrySet()) {
      sb.append(String.format("  --%-26s %-32s %s%n", s.getKey(), envName(s.getKey()),
          s.getValue()[1] + (s.getValue()[0] != null ? " [" + s.getValue()[0] + "]" : "")));
    }
    return sb.toString();
  }

  public static Map<String, String[]> settings() {
    return Collections.unmodifiableMap(SETTINGS);
  }

  // ---- parsing helpers ----

  private static Map<String, String> parseFlags(String[] args) throws ConfigException {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + a + "' (settings are given as --name=value)");
      }
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new ConfigException("flag " + a + " needs a value: " + a + "=...");
      }
      String name = a.substring(2, eq);
      if (!SETTINGS.containsKey(name)) {
        throw new ConfigException("unknown flag --" + name + " (see --help)");
      }
      flags.put(name, a.substring(eq + 1));
    }
    return flags;
  }

  private static Map<String, String> readFile(String path) throws ConfigException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cannot read config file " + path + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      if (!SETTINGS.containsKey(key) || key.equals("config")) {
        throw new ConfigException("unknown key '" + key + "' in config file " + path);
      }
      out.put(key, p.getProperty(key));
    }
    return out;
  }

  private Lookup derivedLookup() throws ConfigException {
    List<Lookup> given = new ArrayList<>();
    if (clusterConf != null) {
      given.add(Lookup.FILE);
    }
    if (!members.isEmpty()) {
      given.add(Lookup.STATIC);
    }
    if (addressServer != null) {
      given.add(Lookup.ADDRESS_SERVER);
    }
    if (dnsName != null) {
      given.add(Lookup.DNS);
    }
    if (given.size() > 1) {
      throw new ConfigException("conflicting member sources " + given
          + ": give only one of cluster-conf, members, address-server, dns-name");
    }
    return given.isEmpty() ? Lookup.STANDALONE : given.get(0);
  }

  private void validateMode() throws ConfigException {
    switch (lookup) {
      case STANDALONE -> { }
      case FILE -> require(clusterConf, "lookup=file needs --cluster-conf");
      case STATIC -> {
        if (members.isEmpty()) {
          throw new ConfigException("lookup=static needs --members=host:port,...");
        }
      }
      case ADDRESS_SERVER -> {
        require(addressServer, "lookup=address-server needs --address-server=URL");
        if (!addressServer.startsWith("http://") && !addressServer.startsWith("https://")) {
          throw new ConfigException("bad value for address-server: '" + addressServer + "' (expected an http(s) URL)");
        }
      }
      case DNS -> require(dnsName, "lookup=dns needs --dns-name");
      default -> throw new IllegalStateException();
    }
    if (!standalone()) {
      if (port == 0) {
        throw new ConfigException("cluster mode needs a fixed --port: members are named by host:port");
      }
      if (clusterSecret == null || clusterSecret.isEmpty()) {
        throw new ConfigException("cluster mode needs a cluster secret: set --cluster-secret or "
            + envName("cluster-secret"));
      }
      if (clusterSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new ConfigException("the cluster secret is too short: it needs at least " + MIN_SECRET_BYTES + " bytes");
      }
    }
    if (port != 0 && port == peerPort) {
      throw new ConfigException("port and peer-port must differ (both " + port + ")");
    }
  }

  /** Auth and TLS: the files they name must be there and look right, so that a mistake stops the start (exit 2). */
  private void validateSecurity() throws ConfigException {
    if (authEnabled) {
      require(authTokensFile, "auth-enabled needs --auth-tokens-file");
      try {
        TokenTable.parse(readText(authTokensFile, "auth-tokens-file"), authTokensFile);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
    }
    if (clientTls || peerTls) {
      String on = clientTls ? "client-tls" : "peer-tls";
      require(tlsCertFile, on + " needs --tls-cert-file (PEM certificate)");
      require(tlsKeyFile, on + " needs --tls-key-file (PEM private key)");
      pem(tlsCertFile, "tls-cert-file", "CERTIFICATE-----");
      pem(tlsKeyFile, "tls-key-file", "PRIVATE KEY-----");
    }
    if (peerTls && tlsCaFile == null && !tlsTrustAll) {
      throw new ConfigException("peer-tls needs --tls-ca-file to verify the other nodes (or --tls-trust-all=true,"
          + " which does not verify them)");
    }
    if (tlsCaFile != null) {
      pem(tlsCaFile, "tls-ca-file", "CERTIFICATE-----");
    }
  }

  private static void pem(String path, String setting, String marker) throws ConfigException {
    String text = readText(path, setting);
    if (!text.contains("-----BEGIN ") || !text.contains(marker)) {
      throw new ConfigException("bad value for " + setting + ": " + path + " is not a PEM file with a "
          + marker.replace("-----", "").toLowerCase(Locale.ROOT));
    }
  }

  private static String readText(String path, String setting) throws ConfigException {
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cannot read " + setting + " " + path + ": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
  }

  private static void require(String v, String message) throws ConfigException {
    if (v == null || v.isBlank()) {
      throw new ConfigException(message);
    }
  }

  static List<String> parseMembers(String list) throws ConfigException {
    List<String> out = new ArrayList<>();
    for (String m : list.split(",")) {
      String t = m.trim();
      if (t.isEmpty()) {
        continue;
      }
      out.add(normalizeMember(t, "members"));
    }
    if (out.isEmpty()) {
      throw new ConfigException("bad value for members: empty list");
    }
    return List.copyOf(out);
  }

  /** Checks a {@code host[:port]} member entry and returns it as {@code host:port} ({@link MemberAddress}). */
  public static String normalizeMember(String entry, String source) throws ConfigException {
    return withDefaultPort(entry, DEFAULT_PORT, source);
  }

  /** {@code host[:port]} with a default port other than the client port's. */
  static String withDefaultPort(String entry, int dflt, String source) throws ConfigException {
    try {
      return MemberAddress.parse(entry, dflt).toString();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage() + " in " + source);
    }
  }

  private static String nonBlank(Map<String, String> v, String name) throws ConfigException {
    String s = v.get(name);
    if (s == null || s.isBlank()) {
      throw new ConfigException("bad value for " + name + ": empty");
    }
    return s;
  }

  private static int intIn(Map<String, String> v, String name, int min, int max) throws ConfigException {
    return (int) longIn(v, name, min, max);
  }

  private static long longIn(Map<String, String> v, String name, long min, long max) throws ConfigException {
    String s = v.get(name);
    try {
      long n = Long.parseLong(s);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException("bad value for " + name + ": '" + s + "' (expected an integer from " + min
        + " to " + max + ")");
  }

  private static boolean bool(Map<String, String> v, String name) throws ConfigException {
    String s = v.get(name);
    if ("true".equalsIgnoreCase(s)) {
      return true;
    }
    if ("false".equalsIgnoreCase(s)) {
      return false;
    }
    throw new ConfigException("bad value for " + name + ": '" + s + "' (expected true or false)");
  }

  private static String detectHost() {
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback() || ni.isVirtual()) {
          continue;
        }
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException ignored) {
      // fall back to loopback
    }
    return "127.0.0.1";
  }

  @Override
  public String toString() {
    return "NodeConfig{self=" + self() + ", bind=" + bind + ", peerPort=" + peerPort + ", lookup="
        + lookup.configName + ", secret=" + (clusterSecret == null ? "unset" : "set") + ", auth=" + authEnabled
        + ", clientTls=" + clientTls + ", peerTls=" + peerTls
        + (faultInjection ? ", faultInjection=true" : "") + "}";
  }
}

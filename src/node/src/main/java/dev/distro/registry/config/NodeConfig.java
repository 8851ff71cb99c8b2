package dev.distro.registry.config;

import dev.distro.registry.auth.TokenTable;
import dev.distro.registry.model.MemberAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

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

  public final String host;
  public final String bind;
  public final int port;
  public final int peerPort;
  /** The gRPC port for Nacos 2.x/3.x clients; 0: off. */
  public final int grpcPort;
  /** The gRPC port's default distance from the client port, as Nacos (8848 and 9848). */
  public static final int GRPC_PORT_OFFSET = 1000;
  public final int grpcMaxConnections;
  public final int grpcMaxStreams;
  /** Pushes waiting for their ack on one gRPC connection, at most. */
  public final int grpcMaxPendingPushes;
  /** After a push to a connection, further changes within this window are merged into one push. */
  public final long grpcPushMergeMs;
  /**
   * How long a copy of an instance held by another member's gRPC connection outlives that member's
   * last verify round here (a crashed or departed holder), and how long the instances of a
   * connection this node asked to move stay listed while its client registers elsewhere.
   */
  public final long holderGraceMs;
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
    host = v.get("host") != null ? Values.nonBlank(v, "host") : detectHost();
    bind = Values.nonBlank(v, "bind");
    port = Values.intIn(v, "port", 0, 65535);
    peerPort = v.get("peer-port") != null ? Values.intIn(v, "peer-port", 0, 65535)
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
    lookupIntervalMs = Values.longIn(v, "lookup-interval-ms", 100, 3_600_000);
    batchWindowMs = Values.longIn(v, "batch-window-ms", 1, 60_000);
    batchMaxEntries = (int) Values.longIn(v, "batch-max-entries", 1, 1_000_000);
    syncQueueMax = Values.intIn(v, "sync-queue-max", 1, 100_000_000);
    verifyIntervalMs = Values.longIn(v, "verify-interval-ms", 100, 3_600_000);
    pingIntervalMs = Values.longIn(v, "ping-interval-ms", 50, 600_000);
    forwardTimeoutMs = Values.longIn(v, "forward-timeout-ms", 10, 60_000);
    healthSweepIntervalMs = Values.longIn(v, "health-sweep-interval-ms", 10, 60_000);
    expireInstances = Values.bool(v, "expire-instances");
    grpcPort = v.get("grpc-port") != null ? Values.intIn(v, "grpc-port", 0, 65535)
        : (port == 0 || port + GRPC_PORT_OFFSET > 65535 ? 0 : port + GRPC_PORT_OFFSET);
    grpcMaxPendingPushes = Values.intIn(v, "grpc-max-pending-pushes", 1, 100_000);
    grpcPushMergeMs = Values.longIn(v, "grpc-push-merge-ms", 0, 60_000);
    holderGraceMs = Values.longIn(v, "holder-grace-ms", 1_000, 3_600_000);
    grpcMaxConnections = Values.intIn(v, "grpc-max-connections", 1, 1_000_000);
    grpcMaxStreams = Values.intIn(v, "grpc-max-streams", 1, 10_000);
    httpInstances = v.get("http-instances") == null ? cpus : Values.intIn(v, "http-instances", 1, 256);
    eventLoops = v.get("event-loops") == null ? Math.max(2 * cpus, httpInstances)
        : Values.intIn(v, "event-loops", 1, 1024);
    maxBodyBytes = Values.intIn(v, "max-body-bytes", 1024, 64 * 1024 * 1024);
    maxHeaderBytes = Values.intIn(v, "max-header-bytes", 1024, 1024 * 1024);
    maxServiceNameLength = Values.intIn(v, "max-service-name-length", 1, MAX_SERVICE_NAME_LENGTH);
    maxMetadataBytes = Values.intIn(v, "max-metadata-bytes", 64, 1024 * 1024);
    maxMetadataEntries = Values.intIn(v, "max-metadata-entries", 1, 10_000);
    shutdownGraceMs = Values.longIn(v, "shutdown-grace-ms", 0, 600_000);
    watchLogSize = Values.intIn(v, "watch-log-size", 16, 10_000_000);
    watchBudgetBytes = v.get("watch-budget-bytes") == null ? DEFAULT_WATCH_BUDGET_BYTES
        : Values.longIn(v, "watch-budget-bytes", 64 * 1024, 1L << 40);
    shutdownDelayMs = Values.longIn(v, "shutdown-delay-ms", 0, 600_000);
    String logFormat = v.get("log-format");
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new ConfigException("bad value for log-format: '" + logFormat + "' (expected text or json)");
    }
    jsonLogs = logFormat.equals("json");
    authEnabled = Values.bool(v, "auth-enabled");
    authTokensFile = v.get("auth-tokens-file");
    authReloadMs = Values.longIn(v, "auth-reload-ms", 100, 3_600_000);
    clientTls = Values.bool(v, "client-tls");
    peerTls = Values.bool(v, "peer-tls");
    tlsCertFile = v.get("tls-cert-file");
    tlsKeyFile = v.get("tls-key-file");
    tlsCaFile = v.get("tls-ca-file");
    tlsVerifyHostname = Values.bool(v, "tls-verify-hostname");
    tlsTrustAll = Values.bool(v, "tls-trust-all");
    faultInjection = Values.bool(v, "fault-injection");
    maxClockSkewMs = Values.longIn(v, "max-clock-skew-ms", 0, 3_600_000);
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
    return new NodeConfig(Settings.resolve(args, env));
  }

  /** Applies overrides (setting name to value) on top of this configuration's sources. */
  public static NodeConfig of(Map<String, String> settings) throws ConfigException {
    List<String> args = new ArrayList<>();
    settings.forEach((k, val) -> args.add("--" + k + "=" + val));
    return load(args.toArray(String[]::new), Map.of());
  }

  public static String envName(String setting) {
    return Settings.envName(setting);
  }

  /** The usage text: every setting with its default. */
  public static String usage() {
    return Settings.usage();
  }

  public static Map<String, String[]> settings() {
    return Settings.all();
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
      case FILE -> Values.require(clusterConf, "lookup=file needs --cluster-conf");
      case STATIC -> {
        if (members.isEmpty()) {
          throw new ConfigException("lookup=static needs --members=host:port,...");
        }
      }
      case ADDRESS_SERVER -> {
        Values.require(addressServer, "lookup=address-server needs --address-server=URL");
        if (!addressServer.startsWith("http://") && !addressServer.startsWith("https://")) {
          throw new ConfigException("bad value for address-server: '" + addressServer + "' (expected an http(s) URL)");
        }
      }
      case DNS -> Values.require(dnsName, "lookup=dns needs --dns-name");
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
      Values.require(authTokensFile, "auth-enabled needs --auth-tokens-file");
      try {
        TokenTable.parse(Values.readText(authTokensFile, "auth-tokens-file"), authTokensFile);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
    }
    if (clientTls || peerTls) {
      String on = clientTls ? "client-tls" : "peer-tls";
      Values.require(tlsCertFile, on + " needs --tls-cert-file (PEM certificate)");
      Values.require(tlsKeyFile, on + " needs --tls-key-file (PEM private key)");
      Values.pem(tlsCertFile, "tls-cert-file", "CERTIFICATE-----");
      Values.pem(tlsKeyFile, "tls-key-file", "PRIVATE KEY-----");
    }
    if (peerTls && tlsCaFile == null && !tlsTrustAll) {
      throw new ConfigException("peer-tls needs --tls-ca-file to verify the other nodes (or --tls-trust-all=true,"
          + " which does not verify them)");
    }
    if (tlsCaFile != null) {
      Values.pem(tlsCaFile, "tls-ca-file", "CERTIFICATE-----");
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

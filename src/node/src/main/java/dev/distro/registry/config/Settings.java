package dev.distro.registry.config;

import static dev.distro.registry.config.NodeConfig.*;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every setting of the node (name, default, description: the README's table and {@code --help}),
 * and where a value comes from: a flag {@code --name=value}, else the environment variable
 * {@code DISTRO_NAME}, else the properties file named by {@code --config}, else the default.
 * {@link NodeConfig} turns the resolved values into typed, checked fields.
 */
final class Settings {

  private Settings() { }

  /** Every setting: name, default (null = none or derived), description. The README lists them. */
  private static final Map<String, String[]> SETTINGS = new LinkedHashMap<>();

  static {
    def("config", null, "path of an optional properties file with any of these settings");
    def("host", null, "address this node advertises to peers and clients (default: first non-loopback IPv4)");
    def("bind", DEFAULT_BIND, "address both ports bind to");
    def("port", String.valueOf(DEFAULT_PORT), "client port (Nacos API, operator endpoints, health probes)");
    def("peer-port", null, "peer port (sync, verify, snapshot, ping); default: port + 1001");
    def("grpc-port", null, "gRPC port for Nacos 2.x/3.x clients; default: port + 1000, where they dial; 0: off");
    def("grpc-max-pending-pushes", "64", "pushes to one gRPC connection waiting for the client's ack, at most;"
        + " more changes wait, merged per service");
    def("grpc-push-merge-ms", "100", "a change of a subscribed service is pushed at once; further changes within"
        + " this window after a push to the same connection are merged into one push at its end");
    def("holder-grace-ms", "30000", "how long instances held by another member's gRPC connection stay listed"
        + " after that member's last verify round (it crashed or left), and those of a connection this node asked"
        + " to move after it closed");
    def("grpc-max-connections", "10000", "gRPC connections this node holds at most; more are closed at once");
    def("grpc-max-streams", "100", "concurrent HTTP/2 streams per gRPC connection");
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

  /** The value of every setting that has one, by precedence: flag, environment, file, default. */
  static Map<String, String> resolve(String[] args, Map<String, String> env) throws ConfigException {
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
    return merged;
  }

  static String envName(String setting) {
    return "DISTRO_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  static Map<String, String[]> all() {
    return Collections.unmodifiableMap(SETTINGS);
  }

  /** The usage text: every setting with its default. */
  static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar distro-node.jar [--name=value ...]\n\n");
    for (Map.Entry<String, String[]> s : SETTINGS.entrySet()) {
      sb.append(String.format("  --%-26s %-32s %s%n", s.getKey(), envName(s.getKey()),
          s.getValue()[1] + (s.getValue()[0] != null ? " [" + s.getValue()[0] + "]" : "")));
    }
    return sb.toString();
  }


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
}

package dev.distro.client;

import io.vertx.core.net.TrustOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Settings of a {@link WatchClient}: the nodes (any may be down), the token, TLS, and the timings of
 * reconnects and liveness checks. Every default is a {@code DEFAULT_*} constant.
 */
public class WatchClientOptions {

  public static final String WATCH_PATH = "/nacos/v1/ns/watch";
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
  public static final long DEFAULT_INITIAL_BACKOFF_MS = 100;
  public static final long DEFAULT_MAX_BACKOFF_MS = 5_000;
  /** How often the client sends {@code {"op":"ping"}} on an idle connection. */
  public static final long DEFAULT_PING_INTERVAL_MS = 5_000;
  /** A connection that has received no frame for this long is closed and the client moves on. */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 15_000;
  /** Largest message accepted: a {@code service} frame carries a whole service. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final List<String> nodes = new ArrayList<>();
  private String accessToken;
  private boolean ssl;
  private TrustOptions trustOptions;
  private boolean trustAll;
  private boolean verifyHost = true;
  private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private long initialBackoffMs = DEFAULT_INITIAL_BACKOFF_MS;
  private long maxBackoffMs = DEFAULT_MAX_BACKOFF_MS;
  private long pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private Executor deliveryExecutor = ForkJoinPool.commonPool();
  private Object meterRegistry;
  private boolean metricsEnabled = true;
  private boolean checkReadiness = true;

  public WatchClientOptions() {
  }

  public WatchClientOptions(WatchClientOptions o) {
    nodes.addAll(o.nodes);
    accessToken = o.accessToken;
    ssl = o.ssl;
    trustOptions = o.trustOptions;
    trustAll = o.trustAll;
    verifyHost = o.verifyHost;
    connectTimeoutMs = o.connectTimeoutMs;
    initialBackoffMs = o.initialBackoffMs;
    maxBackoffMs = o.maxBackoffMs;
    pingIntervalMs = o.pingIntervalMs;
    idleTimeoutMs = o.idleTimeoutMs;
    maxMessageBytes = o.maxMessageBytes;
    deliveryExecutor = o.deliveryExecutor;
    meterRegistry = o.meterRegistry;
    metricsEnabled = o.metricsEnabled;
    checkReadiness = o.checkReadiness;
  }

  public List<String> getNodes() {
    return List.copyOf(nodes);
  }

  /** The nodes, each {@code host:port} ({@code [v6]:port} for an IPv6 literal); replaces earlier ones. */
  public WatchClientOptions setNodes(List<String> nodes) {
    List<String> checked = new ArrayList<>();
    for (String n : nodes) {
      HostPort.parse(n);
      checked.add(n.trim());
    }
    this.nodes.clear();
    this.nodes.addAll(checked);
    return this;
  }

  public WatchClientOptions addNode(String hostPort) {
    HostPort.parse(hostPort);
    nodes.add(hostPort.trim());
    return this;
  }

  public String getAccessToken() {
    return accessToken;
  }

  /** The token for nodes started with {@code --auth-enabled}, sent as the {@code accessToken} query parameter. */
  public WatchClientOptions setAccessToken(String accessToken) {
    this.accessToken = accessToken;
    return this;
  }

  public boolean isSsl() {
    return ssl;
  }

  /** {@code wss://}: for nodes started with {@code --client-tls}. */
  public WatchClientOptions setSsl(boolean ssl) {
    this.ssl = ssl;
    return this;
  }

  public TrustOptions getTrustOptions() {
    return trustOptions;
  }

  /** The CAs the nodes' certificates are checked against (else the JVM's trust store). */
  public WatchClientOptions setTrustOptions(TrustOptions trustOptions) {
    this.trustOptions = trustOptions;
    return this;
  }

  public boolean isTrustAll() {
    return trustAll;
  }

  /** Accept any certificate: no verification, for tests only. */
  public WatchClientOptions setTrustAll(boolean trustAll) {
    this.trustAll = trustAll;
    return this;
  }

  public boolean isVerifyHost() {
    return verifyHost;
  }

  /** Whether a node's certificate must name the host it is reached at (default true). */
  public WatchClientOptions setVerifyHost(boolean verifyHost) {
    this.verifyHost = verifyHost;
    return this;
  }

  public long getConnectTimeoutMs() {
    return connectTimeoutMs;
  }

  /** How long a connection attempt (TCP, TLS, upgrade, and the node's hello) may take. */
  public WatchClientOptions setConnectTimeoutMs(long ms) {
    this.connectTimeoutMs = positive(ms, "connectTimeoutMs");
    return this;
  }

  public long getInitialBackoffMs() {
    return initialBackoffMs;
  }

  /** The first wait after a failed attempt; it doubles with each failure in a row, up to the maximum. */
  public WatchClientOptions setInitialBackoffMs(long ms) {
    this.initialBackoffMs = positive(ms, "initialBackoffMs");
    return this;
  }

  public long getMaxBackoffMs() {
    return maxBackoffMs;
  }

  public WatchClientOptions setMaxBackoffMs(long ms) {
    this.maxBackoffMs = positive(ms, "maxBackoffMs");
    return this;
  }

  public long getPingIntervalMs() {
    return pingIntervalMs;
  }

  public WatchClientOptions setPingIntervalMs(long ms) {
    this.pingIntervalMs = positive(ms, "pingIntervalMs");
    return this;
  }

  public long getIdleTimeoutMs() {
    return idleTimeoutMs;
  }

  /** A connection silent for this long (no frame, not even a pong) is dropped; above the ping interval. */
  public WatchClientOptions setIdleTimeoutMs(long ms) {
    this.idleTimeoutMs = positive(ms, "idleTimeoutMs");
    return this;
  }

  public int getMaxMessageBytes() {
    return maxMessageBytes;
  }

  public WatchClientOptions setMaxMessageBytes(int bytes) {
    this.maxMessageBytes = (int) positive(bytes, "maxMessageBytes");
    return this;
  }

  public Executor getDeliveryExecutor() {
    return deliveryExecutor;
  }

  /**
   * Where listeners and Flow subscribers are called (default {@link ForkJoinPool#commonPool()}, as
   * {@code SubmissionPublisher} does). Never an event loop: give an executor of your own if your
   * consumers block.
   */
  public WatchClientOptions setDeliveryExecutor(Executor executor) {
    this.deliveryExecutor = Objects.requireNonNull(executor, "executor");
    return this;
  }

  public Object getMeterRegistry() {
    return meterRegistry;
  }

  /**
   * A Micrometer {@code MeterRegistry} for the client's meters (typed Object so that the library
   * needs no Micrometer); without one, Micrometer's global registry when Micrometer is present.
   */
  public WatchClientOptions setMeterRegistry(Object meterRegistry) {
    this.meterRegistry = meterRegistry;
    return this;
  }

  public boolean isMetricsEnabled() {
    return metricsEnabled;
  }

  public WatchClientOptions setMetricsEnabled(boolean metricsEnabled) {
    this.metricsEnabled = metricsEnabled;
    return this;
  }

  public boolean isCheckReadiness() {
    return checkReadiness;
  }

  /**
   * Whether to ask a node's {@code /health/ready} before watching it (default true): a node that is
   * starting, stopping or out of service answers 503 there, and its snapshot would not be the
   * registry's state, so the client tries another node.
   */
  public WatchClientOptions setCheckReadiness(boolean checkReadiness) {
    this.checkReadiness = checkReadiness;
    return this;
  }

  void validate() {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no node given");
    }
    if (idleTimeoutMs <= pingIntervalMs) {
      throw new IllegalArgumentException("idleTimeoutMs must be above pingIntervalMs");
    }
    if (maxBackoffMs < initialBackoffMs) {
      throw new IllegalArgumentException("maxBackoffMs must be at least initialBackoffMs");
    }
  }

  private static long positive(long v, String name) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + v);
    }
    return v;
  }
}

package dev.distro.registry.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The node's Prometheus registry: request latency histograms per API route, replication lag, the
 * node's counters and gauges, and JVM metrics. Label values are bounded: routes come from the
 * route table, never from a request's path.
 */
public final class PrometheusMeters implements AutoCloseable {

  /** The tag of every per-peer meter; {@link #forgetPeer} removes meters by it. */
  public static final String PEER_TAG = "peer";

  public final PrometheusMeterRegistry registry;
  /** By route, then by status class (index 1 to 5; the route string is the route table's own). */
  private final Map<String, Timer[]> requestTimers = new ConcurrentHashMap<>();
  private final Timer replicationLag;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public PrometheusMeters(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    replicationLag = Timer.builder("distro_replication_lag")
        .description("time from the owner's write to this replica's apply (wall clocks of both nodes)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
  }

  public static PrometheusMeters create() {
    return new PrometheusMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** Records one API request: route is "METHOD /path" from the route table, status its HTTP status. */
  public void request(String route, int status, long nanos) {
    int cls = status / 100;
    if (cls < 1 || cls > 5) {
      return; // not an HTTP status a response can carry
    }
    Timer[] byClass = requestTimers.get(route);
    if (byClass == null) {
      byClass = requestTimers.computeIfAbsent(route, r -> new Timer[6]);
    }
    Timer t = byClass[cls];
    if (t == null) {
      // racing first recorders build the same meter: the registry hands both the one it holds
      t = Timer.builder("distro_http_requests")
          .description("client API requests by route and status class")
          .tag("route", route).tag("status", cls + "xx")
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
          .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
      byClass[cls] = t;
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void replicationLag(long millis) {
    if (millis >= 0 && millis < 3_600_000) {
      replicationLag.record(millis, TimeUnit.MILLISECONDS);
    }
  }

  public void counter(String name, String help, LongAdder adder) {
    FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(help).register(registry);
  }

  public void counter(String name, String tagKey, String tagValue, String help, LongAdder adder) {
    FunctionCounter.builder(name, adder, LongAdder::doubleValue).tag(tagKey, tagValue).description(help)
        .register(registry);
  }

  public <T> void gauge(String name, String help, T obj, ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).description(help).register(registry);
  }

  public <T> void gauge(String name, String tagKey, String tagValue, String help, T obj, ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).tag(tagKey, tagValue).description(help).register(registry);
  }

  /**
   * Removes every meter tagged {@code peer=<address>}: called when that address leaves the member
   * list, so that a cluster whose membership churns does not keep a series per former member. A
   * verticle that meets the peer again registers its meters anew.
   */
  public void forgetPeer(String address) {
    for (Meter m : registry.getMeters()) {
      if (address.equals(m.getId().getTag(PEER_TAG))) {
        registry.remove(m);
      }
    }
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}

package dev.distro.client;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's meters. Loaded only after {@link WatchClient} has found Micrometer on the classpath,
 * so the library runs without it.
 */
final class MicrometerBinding {

  private MicrometerBinding() {
  }

  /** Binds to {@code registry} (a MeterRegistry), or Micrometer's global registry when null; closing removes the meters. */
  static AutoCloseable bind(WatchClient client, Object registry) {
    MeterRegistry r = registry == null ? Metrics.globalRegistry : (MeterRegistry) registry;
    String id = Integer.toHexString(System.identityHashCode(client));
    List<Meter> meters = new ArrayList<>();
    meters.add(Gauge.builder("distro.watch.client.connected", client, c -> c.status().connected() ? 1 : 0)
        .tag("client", id).description("1 while connected to a node").register(r));
    meters.add(Gauge.builder("distro.watch.client.revision", client, c -> c.status().revision())
        .tag("client", id).description("last revision applied from the node").register(r));
    meters.add(Gauge.builder("distro.watch.client.last.frame.age", client, c -> {
      long at = c.status().lastFrameAtMillis();
      return at == 0 ? Double.NaN : (System.currentTimeMillis() - at) / 1000.0;
    }).tag("client", id).baseUnit("seconds").description("time since the last frame").register(r));
    meters.add(FunctionCounter.builder("distro.watch.client.reconnects", client, c -> c.status().reconnects())
        .tag("client", id).description("connections lost").register(r));
    meters.add(FunctionCounter.builder("distro.watch.client.changes", client, WatchClient::changesPublished)
        .tag("client", id).description("service changes published").register(r));
    meters.add(Gauge.builder("distro.watch.client.services", client, WatchClient::cachedServices)
        .tag("client", id).description("services in the cache").register(r));
    meters.add(Gauge.builder("distro.watch.client.instances", client, WatchClient::cachedInstances)
        .tag("client", id).description("instances in the cache").register(r));
    meters.add(Gauge.builder("distro.watch.client.pending.changes", client, WatchClient::pendingChanges)
        .tag("client", id).description("changes waiting for subscribers' demand").register(r));
    return () -> meters.forEach(r::remove);
  }
}

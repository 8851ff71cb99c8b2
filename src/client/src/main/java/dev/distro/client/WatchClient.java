package dev.distro.client;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A live cache of the registry, or of the parts subscribed to, kept current over the watch API
 * ({@code docs/WATCH.md}) of any of the given nodes, with its changes as a {@link Flow.Publisher}
 * and as listeners.
 *
 * <pre>{@code
 * WatchClient client = WatchClient.create(new WatchClientOptions()
 *     .setNodes(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848")));
 * client.listen(c -> System.out.println(c.service() + ": " + c.before().size() + " -> " + c.after().size()));
 * client.subscribe(WatchFilter.service("public", "DEFAULT_GROUP", "orders")).ready().join();
 * client.start();
 * List<Instance> orders = client.instances(ServiceKey.of("orders"));   // any thread, never blocks
 * }</pre>
 *
 * <p>Threads: the connection runs on one Vert.x context and never blocks it; the cache is read
 * from any thread without a lock ({@link #instances}, {@link #services}); listeners and Flow
 * subscribers run on the delivery executor ({@link WatchClientOptions#setDeliveryExecutor}).
 */
public final class WatchClient implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(WatchClient.class.getName());

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Mirror mirror = new Mirror();
  private final ChangeHub hub;
  private final Connector connector;
  private volatile AutoCloseable meters;

  private WatchClient(Vertx vertx, boolean ownsVertx, WatchClientOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.hub = new ChangeHub(options.getDeliveryExecutor());
    this.connector = new Connector(vertx, options, mirror, hub);
    if (options.isMetricsEnabled() && micrometerPresent()) {
      try {
        meters = MicrometerBinding.bind(this, options.getMeterRegistry());
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.WARNING, "watch client meters not bound: " + e);
      }
    }
  }

  /** A client with a Vert.x instance of its own (closed with the client). Call {@link #start()} to connect. */
  public static WatchClient create(WatchClientOptions options) {
    WatchClientOptions o = new WatchClientOptions(options);
    o.validate();
    return new WatchClient(Vertx.vertx(), true, o);
  }

  /** A client on the application's Vert.x instance (not closed with the client). */
  public static WatchClient create(Vertx vertx, WatchClientOptions options) {
    WatchClientOptions o = new WatchClientOptions(options);
    o.validate();
    return new WatchClient(vertx, false, o);
  }

  /** Connects (to a random node of the list) and keeps connected until {@link #close()}. */
  public WatchClient start() {
    connector.start();
    return this;
  }

  /** Watches what the filter covers, now and after every reconnect, until cancelled. */
  public WatchSubscription subscribe(WatchFilter filter) {
    return connector.subscribe(filter);
  }

  /** The cached instances of a service, sorted by {@link Instance#ORDER}; empty if none. Never blocks. */
  public List<Instance> instances(ServiceKey service) {
    return mirror.get(service);
  }

  /** A copy of the whole cache: every service with at least one instance. */
  public Map<ServiceKey, List<Instance>> services() {
    return mirror.copy();
  }

  /**
   * The changes of the cache, one {@link ServiceChange} per service change; a subscriber that
   * requests less than comes gets them merged per service (its first {@code before}, the latest
   * {@code after}), so what waits for it is at most one entry per service. Adapts in one line:
   * {@code JdkFlowAdapter.flowPublisherToFlux(client.changes())} (Reactor),
   * {@code FlowAdapters.toPublisher(client.changes())} (Reactive Streams).
   */
  public Flow.Publisher<ServiceChange> changes() {
    return hub;
  }

  /** Calls {@code listener} for every change (merged per service while it lags). Close the result to stop. */
  public AutoCloseable listen(Consumer<ServiceChange> listener) {
    Flow.Subscription[] sub = new Flow.Subscription[1];
    CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
    hub.subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        sub[0] = s;
        subscribed.complete(s);
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(ServiceChange item) {
        listener.accept(item);
      }

      @Override
      public void onError(Throwable t) {
        LOG.log(Level.WARNING, "watch listener stopped", t);
      }

      @Override
      public void onComplete() {
      }
    });
    return () -> subscribed.thenAccept(Flow.Subscription::cancel);
  }

  /** Where the client stands now. */
  public WatchStatus status() {
    return connector.status();
  }

  /** Closes the connection and completes every change subscriber; the cache stays readable. */
  public CompletableFuture<Void> closeAsync() {
    AutoCloseable m = meters;
    meters = null;
    if (m != null) {
      try {
        m.close();
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "unbinding meters: " + e);
      }
    }
    return connector.close().thenCompose(v -> {
      hub.close();
      if (!ownsVertx) {
        return CompletableFuture.completedFuture(null);
      }
      return vertx.close().toCompletionStage().toCompletableFuture();
    });
  }

  /** {@link #closeAsync()}, waiting up to 5 s for it unless called on an event loop. */
  @Override
  public void close() {
    CompletableFuture<Void> f = closeAsync();
    if (Context.isOnEventLoopThread()) {
      return;
    }
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "watch client close: " + e);
    }
  }

  int cachedServices() {
    return mirror.serviceCount();
  }

  long cachedInstances() {
    return mirror.instanceCount();
  }

  long changesPublished() {
    return hub.published.sum();
  }

  long pendingChanges() {
    return hub.pending();
  }

  private static boolean micrometerPresent() {
    try {
      Class.forName("io.micrometer.core.instrument.MeterRegistry", false, WatchClient.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}

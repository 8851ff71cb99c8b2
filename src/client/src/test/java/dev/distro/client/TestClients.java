package dev.distro.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Flow;

/** Client settings with short timings for tests, and a recorder of changes. */
final class TestClients {

  private TestClients() {
  }

  static WatchClientOptions options(List<String> nodes) {
    return new WatchClientOptions().setNodes(nodes).setInitialBackoffMs(50).setMaxBackoffMs(500)
        .setConnectTimeoutMs(2_000).setPingIntervalMs(1_000).setIdleTimeoutMs(5_000).setMetricsEnabled(false);
  }

  /** Every change delivered to a listener, in order. */
  static final class Recorder {
    private final List<ServiceChange> changes = Collections.synchronizedList(new ArrayList<>());
    private final AutoCloseable registration;

    Recorder(WatchClient client) {
      registration = client.listen(changes::add);
    }

    List<ServiceChange> changes() {
      synchronized (changes) {
        return new ArrayList<>(changes);
      }
    }

    void clear() {
      changes.clear();
    }

    void close() throws Exception {
      registration.close();
    }
  }

  /** A Flow subscriber that only records, and requests only when told. */
  static final class Lazy implements Flow.Subscriber<ServiceChange> {
    volatile Flow.Subscription subscription;
    final List<ServiceChange> received = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(ServiceChange item) {
      received.add(item);
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onComplete() {
    }
  }
}

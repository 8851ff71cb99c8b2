package dev.distro.registry.grpc;

import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeListener;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.view.ServiceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Pushes {@code NotifySubscriberRequest} to the gRPC connections that subscribed to a service, after
 * every change to it, local or from a peer. The first change after a quiet spell goes out at once;
 * further changes reaching a connection within {@code mergeMs} of its last flush wait for the end of
 * that window and go out merged, per service (a burst of changes costs a subscriber at most one push
 * per service per window, and a lone change waits for nothing). One push per service and
 * connection is in flight at a time (a change meanwhile
 * is pushed after the ack), at most {@code maxPending} per connection, and none while the stream's
 * write queue is full. A push not acknowledged within {@link #ACK_TIMEOUT_MS}, or refused, is sent
 * again {@link #RETRY_MS} later, as long as the connection lives. A push always carries the
 * service as it is when sent, so a retry never delivers an old state.
 *
 * <p>Memory per connection is bounded by its subscriptions (at most
 * {@link NamingHandlers#MAX_SUBSCRIPTIONS}): a service is marked, not queued, however often it
 * changes.
 */
public final class Pushes implements ChangeListener {

  static final long ACK_TIMEOUT_MS = 5_000;
  static final long RETRY_MS = 1_000;

  private final RegistryStore store;
  private final SdkConnections connections;
  private final int maxPending;
  private final long mergeMs;
  private final Map<ServiceKey, Set<SdkConnection>> subscribers = new ConcurrentHashMap<>();

  public Pushes(RegistryStore store, SdkConnections connections, int maxPending, long mergeMs) {
    this.store = store;
    this.connections = connections;
    this.maxPending = maxPending;
    this.mergeMs = mergeMs;
  }

  /** Under the store's write lock: marks the service for its subscribers, nothing more. */
  @Override
  public void onChange(ChangeEvent event) {
    Set<SdkConnection> subs = subscribers.get(event.service());
    if (subs != null) {
      for (SdkConnection c : subs) {
        mark(c, event.service());
      }
    }
  }

  /** Records {@code c}'s subscription to {@code key} (its event loop); true when it is new. */
  boolean subscribe(SdkConnection c, ServiceKey key) {
    if (!c.subscriptions.add(key)) {
      return false;
    }
    subscribers.compute(key, (k, s) -> {
      Set<SdkConnection> set = s != null ? s : ConcurrentHashMap.newKeySet();
      set.add(c);
      return set;
    });
    return true;
  }

  void unsubscribe(SdkConnection c, ServiceKey key) {
    if (c.subscriptions.remove(key)) {
      subscribers.computeIfPresent(key, (k, s) -> {
        s.remove(c);
        return s.isEmpty() ? null : s;
      });
    }
  }

  /** Forgets a closed connection's subscriptions. */
  void closed(SdkConnection c) {
    for (ServiceKey key : List.copyOf(c.subscriptions)) {
      unsubscribe(c, key);
    }
    c.dirty.clear();
  }

  /** Subscribed connections of {@code key} (tests, operators). */
  public int subscriberCount(ServiceKey key) {
    Set<SdkConnection> s = subscribers.get(key);
    return s == null ? 0 : s.size();
  }

  /** Marks {@code key} changed for {@code c} and schedules a flush on its loop (any thread). */
  void mark(SdkConnection c, ServiceKey key) {
    c.dirty.add(key);
    scheduleFlush(c);
  }

  private void scheduleFlush(SdkConnection c) {
    if (c.flushScheduled.compareAndSet(false, true)) {
      c.context().runOnContext(v -> {
        long wait = c.lastFlushNanos == 0 ? 0
            : mergeMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c.lastFlushNanos);
        if (wait <= 0) {
          flush(c);
        } else {
          c.context().owner().setTimer(wait, t -> flush(c));
        }
      });
    }
  }

  /** Sends what is marked and may be sent now (its event loop). */
  private void flush(SdkConnection c) {
    c.flushScheduled.set(false);
    c.lastFlushNanos = System.nanoTime();
    if (connections.get(c.id()) != c) {
      c.dirty.clear();
      return;
    }
    List<ServiceKey> keys = new ArrayList<>(c.dirty);
    c.dirty.removeAll(keys);
    List<ServiceKey> later = new ArrayList<>();
    for (ServiceKey key : keys) {
      if (!c.subscriptions.contains(key)) {
        continue;
      }
      if (c.inFlight.contains(key)) {
        c.again.add(key);
      } else if (c.inFlight.size() >= maxPending || c.stream() == null || c.stream().writeQueueFull()) {
        later.add(key);
      } else {
        send(c, key);
      }
    }
    if (!later.isEmpty()) {
      // sent when an ack frees a slot, or when the stream drains
      c.dirty.addAll(later);
      if (c.stream() != null && c.stream().writeQueueFull()) {
        c.stream().drainHandler(v -> scheduleFlush(c));
      }
    }
  }

  private void send(SdkConnection c, ServiceKey key) {
    String requestId = connections.nextRequestId();
    Payload push = ServiceInfos.notifySubscriber(requestId, key,
        ServiceView.hosts(store.service(key), null, false), store.clock().millis());
    c.inFlight.add(key);
    connections.pushesSent.increment();
    c.request(requestId, push, ACK_TIMEOUT_MS).onComplete(ar -> {
      c.inFlight.remove(key);
      if (ar.succeeded() && accepted(ar.result())) {
        connections.pushesAcked.increment();
        if (c.again.remove(key)) {
          mark(c, key);
        }
      } else {
        connections.pushesFailed.increment();
        c.again.remove(key);
        if (connections.get(c.id()) == c) {
          c.context().owner().setTimer(RETRY_MS, t -> mark(c, key));
        }
      }
      if (!c.dirty.isEmpty()) {
        scheduleFlush(c);
      }
    });
  }

  /** The client's answer says it took the push (resultCode 200). */
  private static boolean accepted(Payload answer) {
    try {
      return Json.parse(answer.json()).path("resultCode").asInt(0) == 200;
    } catch (Exception e) {
      return false;
    }
  }
}

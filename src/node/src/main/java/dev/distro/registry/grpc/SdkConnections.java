package dev.distro.registry.grpc;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The node's gRPC client connections, by id, shared by the gRPC verticles (one per event loop).
 * Bounded: a connection over {@link #maxConnections} is refused at once. Listeners hear of each
 * connection that closed, on the event loop that owned it.
 */
public final class SdkConnections {

  private final int maxConnections;
  private final Map<String, SdkConnection> byId = new ConcurrentHashMap<>();
  private final List<Consumer<SdkConnection>> closeListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong refused = new AtomicLong();
  /** Server-to-client request ids, node-wide (Nacos uses one incrementing counter too). */
  private final AtomicLong requestIds = new AtomicLong();

  public SdkConnections(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /** Adds {@code c} unless the node holds {@link #maxConnections} already. */
  boolean add(SdkConnection c) {
    if (byId.size() >= maxConnections) {
      refused.incrementAndGet();
      return false;
    }
    byId.put(c.id(), c);
    return true;
  }

  void closed(SdkConnection c) {
    if (byId.remove(c.id(), c)) {
      c.failPending("connection closed");
      for (Consumer<SdkConnection> l : closeListeners) {
        l.accept(c);
      }
    }
  }

  /** Called with each connection that closed (its instances go with it). */
  public void onClose(Consumer<SdkConnection> listener) {
    closeListeners.add(listener);
  }

  public SdkConnection get(String id) {
    return byId.get(id);
  }

  public Collection<SdkConnection> all() {
    return byId.values();
  }

  public int size() {
    return byId.size();
  }

  /** Connections refused for the limit, since start. */
  public long refused() {
    return refused.get();
  }

  String nextRequestId() {
    return Long.toString(requestIds.incrementAndGet());
  }
}

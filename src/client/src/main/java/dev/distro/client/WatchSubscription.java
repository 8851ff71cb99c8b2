package dev.distro.client;

import java.util.concurrent.CompletableFuture;

/**
 * One subscription of a {@link WatchClient}. It lasts until cancelled, across reconnects and moves
 * between nodes; {@link #ready()} completes once its first state is in the cache (or fails if the
 * node refused it: a bad filter, a token without the right, too many subscriptions).
 */
public final class WatchSubscription {

  private final WatchFilter filter;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Runnable onCancel;

  WatchSubscription(WatchFilter filter, Runnable onCancel) {
    this.filter = filter;
    this.onCancel = onCancel;
  }

  public WatchFilter filter() {
    return filter;
  }

  /** Completes when the cache first holds this subscription's state. */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /** Stops it; its services that no other subscription covers leave the cache (and are reported as emptied). */
  public void cancel() {
    onCancel.run();
  }
}

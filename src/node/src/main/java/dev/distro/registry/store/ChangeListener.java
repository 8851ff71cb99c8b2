package dev.distro.registry.store;

/**
 * Receives every change, in revision order, on the thread that made it and while the store's write
 * lock is held: an implementation must only record or enqueue, never block or call back into the
 * store's write methods.
 */
@FunctionalInterface
public interface ChangeListener {

  void onChange(ChangeEvent event);
}

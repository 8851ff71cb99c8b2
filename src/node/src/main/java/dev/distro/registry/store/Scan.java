package dev.distro.registry.store;

import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one way to walk the whole registry: every registration held, service by service, read from
 * the live maps without the write lock (they hold immutable values; a walk sees each registration
 * that existed throughout it once, and may or may not see one added or removed meanwhile).
 *
 * <p>A walk costs O(instances): never on an event loop. The callers run it on a worker (the HTTP
 * layer's pass pool, {@code executeBlocking} in the Distro and lease verticles) or, where it must
 * yield, in budgeted rounds of their own (the lease sweep, watch snapshots, the snapshot stream).
 */
public final class Scan {

  private Scan() {
  }

  /** Calls {@code action} with every registration held. */
  public static void registrations(RegistryStore store, Consumer<Registration> action) {
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        action.accept(r);
      }
    }
  }

  /** Calls {@code action} with every registration held and counts those it answered true for. */
  public static int count(RegistryStore store, Predicate<Registration> action) {
    int n = 0;
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        if (action.test(r)) {
          n++;
        }
      }
    }
    return n;
  }
}

package dev.distro.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The cache: each service's instances as an immutable list sorted by {@link Instance#ORDER}, in a
 * ConcurrentHashMap, so any thread reads it without a lock. Written by one thread at a time (the
 * client's context); every write that changes a service's list returns the change, and one that
 * changes nothing returns null.
 */
final class Mirror {

  private final ConcurrentHashMap<ServiceKey, List<Instance>> services = new ConcurrentHashMap<>();

  List<Instance> get(ServiceKey key) {
    return services.getOrDefault(key, List.of());
  }

  Map<ServiceKey, List<Instance>> copy() {
    return Map.copyOf(services);
  }

  Collection<ServiceKey> keys() {
    return services.keySet();
  }

  int serviceCount() {
    return services.size();
  }

  long instanceCount() {
    long n = 0;
    for (List<Instance> l : services.values()) {
      n += l.size();
    }
    return n;
  }

  /** Puts an instance (replacing the one of the same identity). */
  ServiceChange put(Instance i) {
    List<Instance> before = get(i.service());
    List<Instance> after = new ArrayList<>(before.size() + 1);
    for (Instance b : before) {
      if (!b.sameIdentity(i)) {
        after.add(b);
      }
    }
    after.add(i);
    return replace(i.service(), after);
  }

  /** Removes the instance of the same identity as {@code i}. */
  ServiceChange remove(Instance i) {
    List<Instance> before = get(i.service());
    List<Instance> after = new ArrayList<>(before.size());
    for (Instance b : before) {
      if (!b.sameIdentity(i)) {
        after.add(b);
      }
    }
    return after.size() == before.size() ? null : replace(i.service(), after);
  }

  /** Sets a service's whole list (empty removes it). */
  ServiceChange replace(ServiceKey key, List<Instance> instances) {
    List<Instance> after = sorted(instances);
    List<Instance> before = get(key);
    if (before.equals(after)) {
      return null;
    }
    if (after.isEmpty()) {
      services.remove(key);
    } else {
      services.put(key, after);
    }
    return new ServiceChange(key, before, after);
  }

  /** Empties every service that {@code which} selects. */
  List<ServiceChange> clear(Predicate<ServiceKey> which) {
    List<ServiceChange> out = new ArrayList<>();
    for (ServiceKey k : List.copyOf(services.keySet())) {
      if (which.test(k)) {
        ServiceChange c = replace(k, List.of());
        if (c != null) {
          out.add(c);
        }
      }
    }
    return out;
  }

  /** The list as the cache holds it: one instance per identity (the last given wins), sorted. */
  static List<Instance> sorted(List<Instance> instances) {
    if (instances.isEmpty()) {
      return List.of();
    }
    TreeMap<Instance, Instance> byIdentity = new TreeMap<>(Instance.ORDER);
    for (Instance i : instances) {
      byIdentity.put(i, i);
    }
    return List.copyOf(byIdentity.values());
  }
}

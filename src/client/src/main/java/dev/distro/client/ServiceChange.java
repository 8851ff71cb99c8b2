package dev.distro.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A service's instance list changed in the cache: the list before and after (each sorted by
 * {@link Instance#ORDER}, immutable; empty when the service had or has no instance). Delivered to
 * a consumer that lags, it spans several changes: the oldest {@code before} and the latest
 * {@code after}.
 */
public record ServiceChange(ServiceKey service, List<Instance> before, List<Instance> after) {

  public ServiceChange {
    Objects.requireNonNull(service, "service");
    before = List.copyOf(before);
    after = List.copyOf(after);
  }

  /** Instances in {@code after} with no instance of the same identity in {@code before}. */
  public List<Instance> added() {
    return missingFrom(after, before);
  }

  /** Instances in {@code before} with no instance of the same identity in {@code after}. */
  public List<Instance> removed() {
    return missingFrom(before, after);
  }

  /** Instances in {@code after} whose identity was in {@code before} with other fields. */
  public List<Instance> modified() {
    List<Instance> out = new ArrayList<>();
    for (Instance a : after) {
      for (Instance b : before) {
        if (a.sameIdentity(b) && !a.equals(b)) {
          out.add(a);
          break;
        }
      }
    }
    return out;
  }

  private static List<Instance> missingFrom(List<Instance> from, List<Instance> other) {
    List<Instance> out = new ArrayList<>();
    outer:
    for (Instance i : from) {
      for (Instance o : other) {
        if (i.sameIdentity(o)) {
          continue outer;
        }
      }
      out.add(i);
    }
    return out;
  }
}

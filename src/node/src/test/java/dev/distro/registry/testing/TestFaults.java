package dev.distro.registry.testing;

import dev.distro.registry.cluster.FaultPlan;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A fault plan tests edit while nodes run: cut or slow links one way or both, then heal. */
public final class TestFaults implements FaultPlan {

  private final Set<String> cut = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> delays = new ConcurrentHashMap<>();

  @Override
  public boolean drops(String from, String to) {
    return cut.contains(from + ">" + to);
  }

  @Override
  public long delayMs(String from, String to) {
    return delays.getOrDefault(from + ">" + to, 0L);
  }

  /** Delays every request from {@code from} to {@code to} by {@code ms} (sent late, then timed as usual). */
  public void delay(String from, String to, long ms) {
    delays.put(from + ">" + to, ms);
  }

  public void cut(String from, String to) {
    cut.add(from + ">" + to);
  }

  /** Cuts every link between {@code node} and the others, both directions. */
  public void isolate(String node, Iterable<String> others) {
    for (String o : others) {
      if (!o.equals(node)) {
        cut(node, o);
        cut(o, node);
      }
    }
  }

  public void healAll() {
    cut.clear();
    delays.clear();
  }
}

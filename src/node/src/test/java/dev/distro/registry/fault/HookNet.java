package dev.distro.registry.fault;

import dev.distro.registry.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopback nodes whose peer links are broken by their own fault hook ({@code --fault-injection},
 * {@code POST /distro/faults} on the peer port): each node's outgoing peer requests (sync, verify,
 * ping, snapshot, forwarded writes) fail or wait as the plan says. It misses real socket
 * behaviour (half-open connections, kernel buffers), so its results are labelled as such. Also
 * used by {@link NamespaceNet} for delay when the kernel has no netem.
 */
final class HookNet implements Net {

  private final Net base;
  private final int[] ports;
  private FaultNodes nodes;

  /** Loopback nodes on free ports. */
  HookNet(int count) {
    this.base = null;
    this.ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = TestCluster.freePortPairForTests();
    }
  }

  /** The hook on another topology's nodes. */
  HookNet(Net base) {
    this.base = base;
    this.ports = null;
  }

  @Override
  public String label() {
    return ports.length + " node processes on loopback; faults by the nodes' in-process fault hook"
        + " (no real network faults: half-open connections and kernel buffers are not exercised)";
  }

  @Override
  public String host(int i) {
    return base != null ? base.host(i) : "127.0.0.1";
  }

  @Override
  public int port(int i) {
    return base != null ? base.port(i) : ports[i];
  }

  @Override
  public List<String> launchPrefix(int i) {
    return List.of();
  }

  @Override
  public void nodesUp(FaultNodes nodes) {
    this.nodes = nodes;
  }

  private String member(int i) {
    return host(i) + ":" + port(i);
  }

  private void plan(int i, String json) throws Exception {
    HttpResponse<String> r = nodes.peer(i, "/distro/faults", json);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("fault plan on node " + (i + 1) + ": " + r.statusCode() + " " + r.body());
    }
  }

  private List<Integer> others(int i) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < nodes.size(); j++) {
      if (j != i) {
        out.add(j);
      }
    }
    return out;
  }

  @Override
  public String partition(int i, boolean bothWays) throws Exception {
    StringBuilder drop = new StringBuilder();
    for (int j : others(i)) {
      drop.append(drop.length() == 0 ? "" : ",").append('"').append(member(j)).append('"');
      plan(j, "{\"drop\":[\"" + member(i) + "\"]}");
    }
    if (bothWays) {
      plan(i, "{\"drop\":[" + drop + "]}");
    }
    return bothWays ? "fault hook: node " + (i + 1) + " and its peers fail every request to each other"
        : "fault hook: the peers fail every request to node " + (i + 1) + " (its own requests still go)";
  }

  @Override
  public String loss(double percent) throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      plan(i, "{\"lossPercent\":" + percent + "}");
    }
    return "fault hook: each node fails " + percent + "% of its peer requests";
  }

  @Override
  public String delay(int ms, int jitterMs) throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      plan(i, "{\"delayMs\":" + ms + ",\"jitterMs\":" + jitterMs + "}");
    }
    return "fault hook: each peer request waits " + ms + " ms ± " + jitterMs + " ms before it is sent";
  }

  @Override
  public void heal() throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.running(i)) {
        plan(i, "{}");
      }
    }
  }

  @Override
  public void close() { }
}

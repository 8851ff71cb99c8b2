package dev.distro.registry.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each node in its own Linux network namespace ({@code dfh<i>}, address 10.213.0.(11+i)), joined
 * by veth pairs to a bridge in the host namespace (10.213.0.1, where the harness's clients and
 * watchers run). Faults are kernel-level: iptables rules inside a node's namespace cut or thin its
 * peer links (client traffic from 10.213.0.1 is never touched), tc netem delays them where the
 * kernel has it. Needs root, iproute2 and iptables (installed from Debian's packages if missing).
 */
final class NamespaceNet implements Net {

  static final String PREFIX = "dfh";
  static final String BRIDGE = PREFIX + "br0";
  static final String SUBNET = "10.213.0";
  static final String HARNESS = SUBNET + ".1";
  static final int PORT = 8848;

  private final int nodes;
  private final HookNet hook;
  private final String netemProblem;
  private boolean delayed;
  private boolean hooked;

  private NamespaceNet(int nodes, String netemProblem) {
    this.nodes = nodes;
    this.netemProblem = netemProblem;
    this.hook = new HookNet(this);
  }

  /** Sets up the namespaces, or says why it cannot (then nothing is left behind). */
  static NamespaceNet create(int nodes, StringBuilder why) {
    Optional<String> missing = prerequisites();
    if (missing.isPresent()) {
      why.append(missing.get());
      return null;
    }
    cleanup();
    try {
      Shell.must("ip", "link", "add", BRIDGE, "type", "bridge");
      Shell.must("ip", "addr", "add", HARNESS + "/24", "dev", BRIDGE);
      Shell.must("ip", "link", "set", BRIDGE, "up");
      for (int i = 0; i < nodes; i++) {
        String ns = PREFIX + i;
        Shell.must("ip", "netns", "add", ns);
        Shell.must("ip", "link", "add", PREFIX + "v" + i, "type", "veth", "peer", "name", PREFIX + "p" + i);
        Shell.must("ip", "link", "set", PREFIX + "p" + i, "netns", ns);
        Shell.must("ip", "-n", ns, "link", "set", PREFIX + "p" + i, "name", "eth0");
        Shell.must("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
        Shell.must("ip", "-n", ns, "link", "set", "eth0", "up");
        Shell.must("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.must("ip", "link", "set", PREFIX + "v" + i, "master", BRIDGE);
        Shell.must("ip", "link", "set", PREFIX + "v" + i, "up");
      }
      Shell.must("ip", "netns", "exec", PREFIX + "0", "iptables", "-S");
    } catch (IllegalStateException e) {
      cleanup();
      why.append("network namespaces could not be set up: ").append(e.getMessage());
      return null;
    }
    // Probe netem once on the first namespace; this kernel may not have sch_netem.
    Shell.Result probe = Shell.run("ip", "netns", "exec", PREFIX + "0", "tc", "qdisc", "add", "dev", "eth0", "root",
        "netem", "delay", "1ms");
    Shell.run("ip", "netns", "exec", PREFIX + "0", "tc", "qdisc", "del", "dev", "eth0", "root");
    return new NamespaceNet(nodes, probe.ok() ? null : "tc netem unavailable (" + probe.output() + ")");
  }

  /** Empty when this machine can run the namespace topology; else the reason. */
  static Optional<String> prerequisites() {
    Shell.Result uid = Shell.run("id", "-u");
    if (!uid.ok() || !uid.output().equals("0")) {
      return Optional.of("not root (network namespaces need CAP_NET_ADMIN)");
    }
    if (!Shell.has("ip")) {
      install("iproute2");
    }
    if (!Shell.has("iptables")) {
      install("iptables");
    }
    if (!Shell.has("ip")) {
      return Optional.of("iproute2 is not installed and could not be installed");
    }
    if (!Shell.has("iptables")) {
      return Optional.of("iptables is not installed and could not be installed");
    }
    Shell.Result probe = Shell.run("ip", "netns", "add", PREFIX + "probe");
    Shell.run("ip", "netns", "del", PREFIX + "probe");
    if (!probe.ok()) {
      return Optional.of("ip netns add failed: " + probe.output());
    }
    return Optional.empty();
  }

  /** Installs a Debian package if apt-get is there (the harness runs as root); logs a failure. */
  static void install(String pkg) {
    if (!Shell.has("apt-get")) {
      return;
    }
    System.out.println("[faults] installing " + pkg + " from Debian's packages");
    Shell.Result r = Shell.run(300, "sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + pkg
        + " >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + pkg
        + ")");
    if (!r.ok()) {
      System.out.println("[faults] could not install " + pkg + ": " + r.output());
    }
  }

  /** Removes every namespace, veth and bridge of this harness (also those a killed run left). */
  static void cleanup() {
    for (String ns : Shell.run("ip", "netns", "list").output().split("\n")) {
      String name = ns.trim().split("\\s+")[0];
      if (name.startsWith(PREFIX)) {
        Shell.run("ip", "netns", "del", name);
      }
    }
    for (String line : Shell.run("ip", "-o", "link", "show").output().split("\n")) {
      String[] parts = line.split(":\\s+");
      if (parts.length > 1) {
        String name = parts[1].split("@")[0];
        if (name.startsWith(PREFIX)) {
          Shell.run("ip", "link", "del", name);
        }
      }
    }
  }

  static String address(int i) {
    return SUBNET + "." + (11 + i);
  }

  @Override
  public String label() {
    return nodes + " node processes, each in its own network namespace on a bridge; faults by iptables"
        + (netemProblem == null ? " and tc netem" : "; delay by the nodes' fault hook (" + netemProblem + ")");
  }

  @Override
  public String host(int i) {
    return address(i);
  }

  @Override
  public int port(int i) {
    return PORT;
  }

  @Override
  public List<String> launchPrefix(int i) {
    return List.of("ip", "netns", "exec", PREFIX + i);
  }

  @Override
  public void nodesUp(FaultNodes nodes) {
    hook.nodesUp(nodes);
  }

  private static void iptables(int i, String... rule) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", PREFIX + i, "iptables", "-w"));
    cmd.addAll(List.of(rule));
    Shell.must(cmd.toArray(String[]::new));
  }

  @Override
  public String partition(int i, boolean bothWays) {
    for (int j = 0; j < nodes; j++) {
      if (j != i) {
        iptables(i, "-A", "INPUT", "-s", address(j), "-j", "DROP");
        if (bothWays) {
          iptables(i, "-A", "OUTPUT", "-d", address(j), "-j", "DROP");
        }
      }
    }
    return bothWays ? "iptables: node " + (i + 1) + " drops every packet from and to its peers"
        : "iptables: node " + (i + 1) + " drops every packet from its peers (its own still leave)";
  }

  @Override
  public String loss(double percent) {
    for (int i = 0; i < nodes; i++) {
      iptables(i, "-A", "INPUT", "-s", HARNESS, "-j", "ACCEPT");
      iptables(i, "-A", "INPUT", "-s", SUBNET + ".0/24", "-m", "statistic", "--mode", "random", "--probability",
          String.valueOf(percent / 100.0), "-j", "DROP");
    }
    return "iptables statistic: each node drops " + percent + "% of the packets from its peers";
  }

  @Override
  public String delay(int ms, int jitterMs) throws Exception {
    if (netemProblem != null) {
      hooked = true;
      return hook.delay(ms, jitterMs) + "; " + netemProblem;
    }
    for (int i = 0; i < nodes; i++) {
      Shell.must("ip", "netns", "exec", PREFIX + i, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay",
          ms + "ms", jitterMs + "ms");
    }
    delayed = true;
    return "tc netem on every node's interface: " + ms + " ms ± " + jitterMs + " ms (client traffic too)";
  }

  @Override
  public void heal() throws Exception {
    for (int i = 0; i < nodes; i++) {
      iptables(i, "-F", "INPUT");
      iptables(i, "-F", "OUTPUT");
      if (delayed) {
        Shell.run("ip", "netns", "exec", PREFIX + i, "tc", "qdisc", "del", "dev", "eth0", "root");
      }
    }
    delayed = false;
    if (hooked) {
      hook.heal();
      hooked = false;
    }
  }

  @Override
  public void close() {
    cleanup();
  }
}

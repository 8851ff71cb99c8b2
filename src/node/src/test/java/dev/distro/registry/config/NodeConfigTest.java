package dev.distro.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

  @TempDir
  Path dir;

  @Test
  void defaults_areStandaloneOn8848() {
    NodeConfig c = NodeConfig.defaults();
    assertEquals(8848, c.port);
    assertEquals(9849, c.peerPort);
    assertEquals(NodeConfig.Lookup.STANDALONE, c.lookup);
    assertEquals(100, c.batchWindowMs);
    assertTrue(c.standalone());
  }

  @Test
  void precedence_flag_env_file_default() throws Exception {
    Path file = dir.resolve("node.properties");
    Files.writeString(file, "port=1111\nbatch-window-ms=300\nverify-interval-ms=7000\nping-interval-ms=900\n");
    Map<String, String> env = Map.of("DISTRO_PORT", "2222", "DISTRO_BATCH_WINDOW_MS", "200",
        "DISTRO_CONFIG", file.toString());
    NodeConfig c = NodeConfig.load(new String[] {"--port=3333"}, env);
    assertEquals(3333, c.port, "flag beats environment");
    assertEquals(200, c.batchWindowMs, "environment beats file");
    assertEquals(7000, c.verifyIntervalMs, "file beats default");
    assertEquals(900, c.pingIntervalMs);
    assertEquals(NodeConfig.DEFAULT_FORWARD_TIMEOUT_MS, c.forwardTimeoutMs, "default");
    assertEquals(3333 + 1001, c.peerPort);
  }

  @Test
  void everySetting_hasFlagEnvAndFileForms() throws Exception {
    for (String name : NodeConfig.settings().keySet()) {
      assertTrue(NodeConfig.envName(name).matches("DISTRO_[A_Z0-9_]+|DISTRO_[A-Z0-9_]+"), name);
    }
    Path file = dir.resolve("f.properties");
    Files.writeString(file, "max-body-bytes=2048\n");
    assertEquals(2048, NodeConfig.load(new String[] {"--config=" + file}, Map.of()).maxBodyBytes);
    assertEquals(4096, NodeConfig.load(new String[0], Map.of("DISTRO_MAX_BODY_BYTES", "4096")).maxBodyBytes);
    assertEquals(8192, NodeConfig.load(new String[] {"--max-body-bytes=8192"}, Map.of()).maxBodyBytes);
  }

  @Test
  void badConfigurations_failWithOneLineMessages() throws Exception {
    assertMessage("unknown flag --nope (see --help)", "--nope=1");
    assertMessage("bad value for port: 'abc' (expected an integer from 0 to 65535)", "--port=abc");
    assertMessage("bad value for port: '70000' (expected an integer from 0 to 65535)", "--port=70000");
    assertMessage("flag --port needs a value: --port=...", "--port");
    assertMessage("unexpected argument 'x' (settings are given as --name=value)", "x");
    assertMessage("bad value for lookup: 'k8s' (expected standalone, static, file, address-server or dns)",
        "--lookup=k8s");
    assertMessage("bad value for expire-instances: 'yes' (expected true or false)", "--expire-instances=yes");
    assertMessage("cluster mode needs a cluster secret: set --cluster-secret or DISTRO_CLUSTER_SECRET",
        "--members=10.0.0.1:8848,10.0.0.2:8848");
    assertMessage("the cluster secret is too short: it needs at least 16 bytes",
        "--members=10.0.0.1:8848", "--cluster-secret=short");
    assertMessage("conflicting member sources [FILE, STATIC]: give only one of cluster-conf, members, address-server,"
        + " dns-name", "--members=10.0.0.1:8848", "--cluster-conf=/x", "--cluster-secret=0123456789abcdef");
    assertMessage("bad port in member '10.0.0.1:0' in members", "--members=10.0.0.1:0");
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "prot=1\n");
    assertMessage("unknown key 'prot' in config file " + file, "--config=" + file);
    assertMessage("cannot read config file " + dir.resolve("missing") + ": " + dir.resolve("missing"),
        "--config=" + dir.resolve("missing"));
  }

  @Test
  void clusterModes_deriveFromTheirOptions() throws Exception {
    NodeConfig c = NodeConfig.load(new String[] {"--members=10.0.0.1,10.0.0.2:9000, [::1]:8848",
        "--cluster-secret=0123456789abcdef"}, Map.of());
    assertEquals(NodeConfig.Lookup.STATIC, c.lookup);
    assertEquals(java.util.List.of("10.0.0.1:8848", "10.0.0.2:9000", "[::1]:8848"), c.members);
    NodeConfig d = NodeConfig.load(new String[] {"--dns-name=registry-headless.default.svc.cluster.local"},
        Map.of("DISTRO_CLUSTER_SECRET", "0123456789abcdef"));
    assertEquals(NodeConfig.Lookup.DNS, d.lookup);
    assertEquals(null, d.dnsServer);
    assertEquals("10.96.0.10:53", NodeConfig.load(new String[] {"--dns-name=x.svc", "--dns-server=10.96.0.10",
        "--cluster-secret=0123456789abcdef"}, Map.of()).dnsServer);
    assertEquals("127.0.0.1:5353", NodeConfig.load(new String[] {"--dns-name=x.svc", "--dns-server=127.0.0.1:5353",
        "--cluster-secret=0123456789abcdef"}, Map.of()).dnsServer);
    assertTrue(d.toString().contains("secret=set") && !d.toString().contains("0123456789abcdef"),
        "the secret never appears in logs");
  }

  @Test
  void faultInjection_offByDefault_setByFlagOrEnvironment() throws Exception {
    assertEquals(false, NodeConfig.defaults().faultInjection);
    assertEquals("false", NodeConfig.settings().get("fault-injection")[0]);
    assertEquals("DISTRO_FAULT_INJECTION", NodeConfig.envName("fault-injection"));
    assertTrue(NodeConfig.load(new String[] {"--fault-injection=true"}, Map.of()).faultInjection);
    assertTrue(NodeConfig.load(new String[0], Map.of("DISTRO_FAULT_INJECTION", "true")).faultInjection);
    assertMessage("bad value for fault-injection: 'on' (expected true or false)", "--fault-injection=on");
  }

  private static void assertMessage(String expected, String... args) {
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(args, Map.of()));
    assertEquals(expected, e.getMessage());
    assertTrue(!e.getMessage().contains("\n"));
  }
}

package dev.distro.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auth and TLS settings: off by default; a missing or wrong file stops the start with one line (exit 2). */
class SecurityConfigTest {

  @TempDir
  Path dir;

  @Test
  void defaults_leaveAuthAndTlsOff() {
    NodeConfig c = NodeConfig.defaults();
    assertFalse(c.authEnabled);
    assertFalse(c.clientTls);
    assertFalse(c.peerTls);
    assertTrue(c.tlsVerifyHostname);
    assertFalse(c.tlsTrustAll);
    assertEquals(NodeConfig.DEFAULT_AUTH_RELOAD_MS, c.authReloadMs);
  }

  @Test
  void authAndTls_failWithOneLineMessages() throws Exception {
    assertMessage("auth-enabled needs --auth-tokens-file", "--auth-enabled=true");
    assertMessage("cannot read auth-tokens-file " + dir.resolve("none") + ": no such file",
        "--auth-enabled=true", "--auth-tokens-file=" + dir.resolve("none"));
    Path bad = dir.resolve("bad-tokens");
    Files.writeString(bad, "ci very-secret-token-0123456789 public:x\n");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(new String[] {
        "--auth-enabled=true", "--auth-tokens-file=" + bad}, Map.of()));
    assertTrue(e.getMessage().startsWith("bad grant 'public:x' of token 'ci' at " + bad + " line 1"), e.getMessage());
    assertFalse(e.getMessage().contains("very-secret"), "a token never shows in a message");
    assertMessage("bad value for auth-enabled: 'yes' (expected true or false)", "--auth-enabled=yes");

    assertMessage("client-tls needs --tls-cert-file (PEM certificate)", "--client-tls=true");
    assertMessage("cannot read tls-cert-file " + dir.resolve("cert.pem") + ": no such file", "--client-tls=true",
        "--tls-cert-file=" + dir.resolve("cert.pem"), "--tls-key-file=" + dir.resolve("key.pem"));
    Path notPem = dir.resolve("cert.txt");
    Files.writeString(notPem, "hello\n");
    assertMessage("bad value for tls-cert-file: " + notPem + " is not a PEM file with a certificate",
        "--peer-tls=true", "--tls-cert-file=" + notPem, "--tls-key-file=" + notPem);
    Path cert = dir.resolve("c.pem");
    Path key = dir.resolve("k.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    assertMessage("peer-tls needs --tls-ca-file to verify the other nodes (or --tls-trust-all=true, which does not"
        + " verify them)", "--peer-tls=true", "--tls-cert-file=" + cert, "--tls-key-file=" + key);
    NodeConfig ok = NodeConfig.load(new String[] {"--peer-tls=true", "--client-tls=true", "--tls-cert-file=" + cert,
        "--tls-key-file=" + key, "--tls-ca-file=" + cert}, Map.of());
    assertTrue(ok.peerTls && ok.clientTls);
  }

  private static void assertMessage(String expected, String... args) {
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(args, Map.of()));
    assertEquals(expected, e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}

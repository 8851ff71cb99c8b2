package dev.distro.registry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 and localhost (subject alternative names, so host name
 * verification passes on loopback), made at test time with the JDK's keytool and written as PEM:
 * the certificate (also usable as the CA file) and its PKCS#8 private key.
 */
public final class TestCerts {

  public final Path cert;
  public final Path key;

  private TestCerts(Path cert, Path key) {
    this.cert = cert;
    this.key = key;
  }

  public static TestCerts create(Path dir) {
    try {
      Path store = dir.resolve("node.p12");
      String pass = "test-store-pass";
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
          "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
          "-keystore", store.toString(), "-storepass", pass, "-keypass", pass)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + out);
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, pass.toCharArray());
      }
      Key k = ks.getKey("node", pass.toCharArray());
      Certificate c = ks.getCertificate("node");
      Path cert = dir.resolve("node-cert.pem");
      Path key = dir.resolve("node-key.pem");
      Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()));
      Files.writeString(key, pem("PRIVATE KEY", k.getEncoded()));
      return new TestCerts(cert, key);
    } catch (IOException | InterruptedException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}

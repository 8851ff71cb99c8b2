package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.client.Nodes.Poll;
import io.vertx.core.net.PemTrustOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with tokens: the client's token (as {@code accessToken}) opens the watch and its
 * namespaces; a namespace the token may not read fails that subscription only; no token, no
 * connection. A node with TLS on its client port: {@code wss} with the node's certificate trusted
 * works, and a client that does not trust it never connects.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecurityTest {

  static final String WRITER = "writer-token-0123456789abcdef";
  static final String READER = "reader-token-0123456789abcdef";

  @TempDir
  Path dir;
  Nodes node;
  WatchClient client;
  WatchClient other;

  @AfterEach
  void stop() {
    for (WatchClient c : new WatchClient[] {client, other}) {
      if (c != null) {
        c.close();
      }
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void auth_tokenOpensTheWatch_unreadableNamespaceRefused_noTokenNoConnection() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "writer " + WRITER + " *:rw\nreader " + READER + " public:r\n");
    node = Nodes.standalone(Map.of("auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    node.token(WRITER);
    node.register(0, "auth-svc", "10.4.0.1", 80, 1);

    client = WatchClient.create(TestClients.options(node.addresses()).setAccessToken(READER)).start();
    client.subscribe(WatchFilter.namespace("public")).ready().get(20, TimeUnit.SECONDS);
    assertEquals(node.list(0, "auth-svc"), Nodes.cached(client, "auth-svc"));
    assertEquals(1, client.instances(ServiceKey.of("auth-svc")).size());
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> client.subscribe(WatchFilter.namespace("dev")).ready().get(20, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof WatchException w && w.code().equals("forbidden"), refused.toString());
    node.register(0, "auth-svc", "10.4.0.2", 80, 1);
    Poll.until(Duration.ofSeconds(10), "the public subscription goes on",
        () -> Nodes.cached(client, "auth-svc").equals(node.list(0, "auth-svc")) && Nodes.cached(client, "auth-svc").size() == 2);

    other = WatchClient.create(TestClients.options(node.addresses())).start();
    other.subscribe(WatchFilter.namespace("public"));
    Poll.until(Duration.ofSeconds(10), "refused without a token",
        () -> String.valueOf(other.status().lastError()).contains("401"));
    assertTrue(!other.status().connected(), other.status().toString());
    assertEquals(List.of(), other.instances(ServiceKey.of("auth-svc")));
  }

  @Test
  void tls_wssWithTheNodesCertificateTrusted_andNotWithout() throws Exception {
    Path[] pem = selfSigned(dir);
    node = Nodes.standalone(Map.of("client-tls", "true", "tls-cert-file", pem[0].toString(),
        "tls-key-file", pem[1].toString()));
    client = WatchClient.create(TestClients.options(node.addresses()).setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(pem[0].toString()))).start();
    client.subscribe(WatchFilter.all()).ready().get(20, TimeUnit.SECONDS);
    // the node speaks only TLS: write through the client's Vert.x-free way, a wss-watched change
    String registered = httpsRegister(node.port(0), pem[0], "tls-svc", "10.4.1.1");
    assertEquals("ok", registered);
    Poll.until(Duration.ofSeconds(10), "the change arrived over wss",
        () -> client.instances(ServiceKey.of("tls-svc")).size() == 1);
    assertEquals("10.4.1.1", client.instances(ServiceKey.of("tls-svc")).get(0).ip());
    assertTrue(client.status().connected());

    other = WatchClient.create(TestClients.options(node.addresses()).setSsl(true)).start();
    other.subscribe(WatchFilter.all());
    Poll.until(Duration.ofSeconds(10), "an untrusted certificate is refused",
        () -> other.status().lastError() != null && other.status().reconnects() == 0);
    assertTrue(!other.status().connected(), other.status().toString());
    assertNotEquals(WatchStatus.State.LIVE, other.status().state());
  }

  static String httpsRegister(int port, Path cert, String service, String ip) throws Exception {
    java.security.cert.Certificate c;
    try (InputStream in = Files.newInputStream(cert)) {
      c = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("node", c);
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(ssl).build();
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port
        + "/nacos/v1/ns/instance?serviceName=" + service + "&ip=" + ip + "&port=80&metadata="
        + Nodes.enc(Nodes.LONG_LEASE))).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A self-signed certificate for 127.0.0.1 and localhost made with the JDK's keytool: [cert PEM, PKCS#8 key PEM]. */
  static Path[] selfSigned(Path dir) throws Exception {
    Path store = dir.resolve("node.p12");
    String pass = "store-pass-for-test";
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", pass, "-keypass", pass).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, pass.toCharArray());
    }
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("node").getEncoded()));
    Files.writeString(key, pem("PRIVATE KEY", ks.getKey("node", pass.toCharArray()).getEncoded()));
    return new Path[] {cert, key};
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}

package dev.distro.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.cluster.PeerClient;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCerts;
import dev.distro.registry.testing.TestCluster;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes with TLS on both ports (verified against the test CA, host names checked) and client
 * authentication on: replication, pings, the snapshot and forwarded writes all go over TLS, a
 * forwarded write is authorised by the client's own token at the owner, and plain HTTP to either
 * TLS port fails.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsClusterTest {

  static final String TOKEN = "cluster-client-token-0123456789";
  static final String READ_ONLY = "cluster-reader-token-0123456789";
  static final String I = "/nacos/v1/ns/instance";

  @TempDir
  static Path dir;
  static TestCerts certs;
  static TestCluster cluster;
  static Vertx vertx;
  static WebClient tls;
  static WebClient plain;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCerts.create(dir);
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "client " + TOKEN + " *:rw\nreader " + READ_ONLY + " *:r\n");
    cluster = TestCluster.started(2, Map.of("client-tls", "true", "peer-tls", "true",
        "tls-cert-file", certs.cert.toString(), "tls-key-file", certs.key.toString(),
        "tls-ca-file", certs.cert.toString(), "auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    vertx = Vertx.vertx();
    tls = WebClient.create(vertx, new WebClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.cert.toString())));
    plain = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(2_000));
  }

  @AfterAll
  static void stop() {
    if (tls != null) {
      tls.close();
      plain.close();
      Wait.on(vertx.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  @Test
  void writesReplicateOverTls_andForwardedWritesCarryTheClientsToken() {
    String a = cluster.address(0);
    String b = cluster.address(1);
    // an instance owned by b, written through a: forwarded over TLS, checked at b with the same token
    int p = 8000;
    while (!b.equals(cluster.node(a).cluster().ownerOf("10.1.0.1", p))) {
      p++;
    }
    long forwards = cluster.node(a).metrics().forwards.sum();
    HttpResponse<Buffer> r = Wait.on(tls.post(port(a), "127.0.0.1", I).addQueryParam("serviceName", "svc")
        .addQueryParam("ip", "10.1.0.1").addQueryParam("port", String.valueOf(p))
        .putHeader("Authorization", "Bearer " + TOKEN).send());
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(forwards + 1, cluster.node(a).metrics().forwards.sum(), "the write went to its owner");
    assertEquals(0, cluster.node(a).metrics().forwardFailures.sum(), "the owner answered over TLS");
    String id = Instance.localId("10.1.0.1", p, "DEFAULT");
    ServiceKey key = new ServiceKey("public", "DEFAULT_GROUP", "svc");
    for (String n : cluster.addresses()) {
      Poll.until(Duration.ofSeconds(10), n + " holds the instance", () ->
          cluster.node(n).store().find(key, id) != null);
    }
    // a read-only token is refused before anything is forwarded
    long revB = cluster.node(b).store().revision();
    HttpResponse<Buffer> refused = Wait.on(tls.delete(port(a), "127.0.0.1", I).addQueryParam("serviceName", "svc")
        .addQueryParam("ip", "10.1.0.1").addQueryParam("port", String.valueOf(p))
        .addQueryParam("accessToken", READ_ONLY).send());
    assertEquals(403, refused.statusCode());
    assertEquals(revB, cluster.node(b).store().revision());
  }

  @Test
  void plainHttpToATlsPort_fails() {
    String a = cluster.address(0);
    int peerPort = cluster.node(a).config().peerPort;
    assertThrows(Throwable.class, () -> Wait.on(plain.get(port(a), "127.0.0.1", "/health/ready").send()));
    assertThrows(Throwable.class, () -> Wait.on(plain.get(peerPort, "127.0.0.1", "/distro/ping")
        .putHeader(PeerClient.SECRET_HEADER, TestCluster.SECRET).send()));
    assertEquals(200, Wait.on(tls.get(port(a), "127.0.0.1", "/health/ready").send()).statusCode());
    assertTrue(Wait.on(tls.get(peerPort, "127.0.0.1", "/distro/ping")
        .putHeader(PeerClient.SECRET_HEADER, TestCluster.SECRET).send()).bodyAsString().contains("UP"));
  }
}

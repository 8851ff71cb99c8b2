package dev.distro.registry.config;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * TLS from the configuration, for both sides. Servers: the node's PEM certificate and key on the
 * client port ({@code --client-tls}) and the peer port ({@code --peer-tls}). Clients to other nodes
 * (pings, sync, verify, repair, snapshot, forwarded writes): the other node is verified against
 * {@code --tls-ca-file} (else the JVM's trust store), with host name verification unless turned
 * off; {@code --tls-trust-all} skips verification. Whether a request uses TLS is decided per request
 * by the port it goes to.
 */
public final class Tls {

  private Tls() { }

  /** Turns TLS on for a server when {@code on}, with the node's certificate and key. */
  public static HttpServerOptions server(HttpServerOptions options, NodeConfig config, boolean on) {
    if (on) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCertFile)
          .setKeyPath(config.tlsKeyFile));
    }
    return options;
  }

  /** How a client verifies other nodes, when any port uses TLS; the options are left plain otherwise. */
  public static <T extends HttpClientOptions> T client(T options, NodeConfig config) {
    if (!config.clientTls && !config.peerTls) {
      return options;
    }
    if (config.tlsTrustAll) {
      options.setTrustAll(true).setVerifyHost(false);
    } else {
      if (config.tlsCaFile != null) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(config.tlsCaFile));
      }
      options.setVerifyHost(config.tlsVerifyHostname);
    }
    return options;
  }
}

package dev.distro.registry.cluster;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * Requests from this node to another: to its peer port (sync, verify, repair, ping) or, forwarding a
 * client's write, to its client port. Made by {@link PeerClients}, one per verticle instance in its
 * {@code start()}, so that it lives on that verticle's event loop; the sending is its
 * {@link PeerTransport}'s.
 */
public final class PeerClient {

  public static final String SECRET_HEADER = "X-Distro-Secret";
  public static final String FORWARDED_HEADER = "X-Distro-Forwarded";

  private final PeerTransport transport;

  PeerClient(PeerTransport transport) {
    this.transport = transport;
  }

  /** A request to a peer's peer port (sync, verify, repair, ping). */
  public Future<PeerTransport.Response> peer(String member, HttpMethod method, String path, Buffer body, long timeoutMs) {
    return transport.send(member, new PeerTransport.Request(true, method, path, body, timeoutMs, null, null));
  }

  /**
   * Forwards a client request to the owner's client port, marked as forwarded, with the client's
   * {@code Authorization} header (null: none), so that the owner checks the client's own token
   * ({@code accessToken} travels in the URI or the form). What to forward, and what to do when it
   * fails, is {@link OwnerForwarder}'s.
   */
  public Future<PeerTransport.Response> forward(String member, HttpMethod method, String uri, String contentType,
      Buffer body, String authorization, long timeoutMs) {
    return transport.send(member, new PeerTransport.Request(false, method, uri, body, timeoutMs, contentType,
        authorization));
  }

  PeerTransport transport() {
    return transport;
  }

  public void close() {
    transport.close();
  }

  /** True when a failure means nothing listens there (the member is down, not slow); see {@link PeerFailure}. */
  public static boolean refused(Throwable t) {
    return PeerFailure.of(t) == PeerFailure.REFUSED;
  }
}

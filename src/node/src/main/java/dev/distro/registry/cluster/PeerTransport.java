package dev.distro.registry.cluster;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * One HTTP exchange with another node: the seam under {@link PeerClient}. {@link HttpPeerTransport}
 * sends it; {@link FaultInjectingTransport}, put in front only when the node has a fault plan
 * ({@link PeerClients}), cuts or delays it first.
 */
public interface PeerTransport {

  /**
   * @param peerPort to the member's peer port with the cluster secret; else to its client port,
   *     marked as forwarded by this node
   * @param contentType null: JSON when there is a body
   * @param authorization the client's {@code Authorization} header to pass on (client port only), or null
   */
  record Request(boolean peerPort, HttpMethod method, String uri, Buffer body, long timeoutMs, String contentType,
      String authorization) { }

  /** An answer, read whole: its status, its {@code Content-Type} (null: none) and its body. */
  record Response(int statusCode, String contentType, Buffer body) { }

  /** Sends {@code request} to {@code member} ({@code host:port} of its client port); fails past its timeout. */
  Future<Response> send(String member, Request request);

  void close();
}

package dev.distro.registry.distro;

/**
 * What a Distro handler answers a peer: a status (the peer protocol's, numbered as HTTP's so the
 * peer server writes it as is) and a JSON body.
 */
public record PeerAnswer(int status, String json) {

  public static PeerAnswer ok(String json) {
    return new PeerAnswer(200, json);
  }

  /** A refusal with {@code {"error": message}}; the message must not need escaping. */
  public static PeerAnswer error(int status, String message) {
    return new PeerAnswer(status, "{\"error\":\"" + message + "\"}");
  }
}

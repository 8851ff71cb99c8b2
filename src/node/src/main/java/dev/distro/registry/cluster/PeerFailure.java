package dev.distro.registry.cluster;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.DecodeException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * What a failed call to another node says about it, decided by the exception's type and never by
 * its message (messages carry host names and change between library versions). The cause chain is
 * walked from the outside in; the first cause with a known type decides.
 */
public enum PeerFailure {
  /**
   * Nothing listens at the address: a {@link ConnectException} that is not a connect timeout (the
   * JDK raises it for a refused connection; an unreachable host or network has its own types).
   * The member is down, not slow.
   */
  REFUSED,
  /** No answer in time: Netty's connect timeout, a future's timeout (Vert.x or JDK), a socket timeout. */
  TIMEOUT,
  /** The connection closed before the answer was complete. */
  CLOSED,
  /** An answer arrived but could not be decoded (HTTP framing or JSON). */
  MALFORMED,
  /** Anything else: no route, reset, TLS, ... */
  OTHER;

  public static PeerFailure of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      PeerFailure f = ofType(c);
      if (f != OTHER) {
        return f;
      }
      if (c == c.getCause()) {
        break;
      }
    }
    return OTHER;
  }

  private static PeerFailure ofType(Throwable c) {
    if (c instanceof ConnectTimeoutException || c instanceof TimeoutException || c instanceof SocketTimeoutException
        || c instanceof io.netty.handler.timeout.TimeoutException) {
      return TIMEOUT;
    }
    if (c instanceof ConnectException) {
      return REFUSED;
    }
    if (c instanceof HttpClosedException || c instanceof ClosedChannelException
        || c instanceof PrematureChannelClosureException) {
      return CLOSED;
    }
    if (c instanceof DecodeException || c instanceof DecoderException) {
      return MALFORMED;
    }
    return OTHER;
  }
}

package dev.distro.registry.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.ErrorDataDecoderException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.TooLongFormFieldException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.TooManyFormFieldsException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;

/**
 * The client port's limits on what a request may look like, and the refusals they produce: bytes
 * HTTP/1.1 forbids, declared bodies over the limit, form bodies Netty's decoder gave up on, and
 * requests Netty could not parse at all (a header block or request line over its limit).
 */
final class RequestChecks {

  static final int MAX_FORM_FIELDS = 256;

  private RequestChecks() { }

  /**
   * What Netty lets through but HTTP/1.1 forbids, checked before anything reads the request: a
   * request target with bytes outside printable ASCII (they must be percent-encoded; read as Latin-1
   * they would name something else than the client meant), a transfer coding other than chunked
   * (RFC 9112 section 6.1: the body's length is unknown, and a proxy in front may frame it
   * differently), a query string with a malformed percent-encoding (Netty's decoder throws), and an
   * HTTP/1.1 request without a valid Host header (RFC 9112 section 3.2; Vert.x Web's router refuses
   * it too, with a bare 400 of its own).
   *
   * @return the refusal message, or null when the request may proceed
   */
  static String malformed(HttpServerRequest req) {
    String uri = req.uri();
    for (int i = 0; i < uri.length(); i++) {
      char ch = uri.charAt(i);
      if (ch <= ' ' || ch >= 0x7f) {
        return "malformed request target: bytes outside printable ASCII must be percent-encoded.";
      }
    }
    String te = req.getHeader(HttpHeaders.TRANSFER_ENCODING);
    if (te != null && !"chunked".equalsIgnoreCase(te.trim())) {
      return "unsupported Transfer-Encoding: only chunked is accepted.";
    }
    try {
      req.params(true);
    } catch (IllegalArgumentException e) {
      return "malformed query string: invalid percent-encoding.";
    }
    if (req.version() != HttpVersion.HTTP_1_0 && req.authority() == null) {
      return "missing or invalid Host header: HTTP/1.1 requires one.";
    }
    return null;
  }

  /**
   * Classifies a failed form body by the exception's type, never its message (Netty's messages quote
   * the client's bytes). Netty's decoder wraps the size check of an in-memory attribute, its only
   * source of an {@link IOException} here, in an {@link ErrorDataDecoderException}: that and a field
   * over the field limit are a 413; too many fields, bad percent-encoding and bad chunking are a 400.
   */
  static ApiException formFailure(Throwable cause, long maxBodyBytes) {
    if (cause instanceof TooLongFormFieldException
        || cause instanceof ErrorDataDecoderException && cause.getCause() instanceof IOException) {
      return tooLarge(maxBodyBytes);
    }
    String detail = cause instanceof TooManyFormFieldsException
        ? "too many fields (the limit is " + MAX_FORM_FIELDS + ")"
        : cause instanceof ErrorDataDecoderException ? "invalid encoding" : "unreadable";
    return new ApiException(400, ApiException.PARAMETER_VALIDATE_ERROR, "malformed form body: " + detail + ".");
  }

  static ApiException tooLarge(long maxBodyBytes) {
    return new ApiException(413, ApiException.PARAMETER_VALIDATE_ERROR,
        "request body too large: the limit is " + maxBodyBytes + " bytes.");
  }

  /** A declared body over the limit, or a Content-Length that is not a number. */
  static boolean declaredTooLong(String contentLength, long maxBodyBytes) {
    try {
      return Long.parseLong(contentLength.trim()) > maxBodyBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /**
   * A request Netty could not parse: 431 for a header block over the limit, 414 for a request line
   * over it, else 400; the connection is closed (what follows on it cannot be framed).
   */
  static void invalidRequest(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    if (!resp.ended()) {
      Throwable cause = req.decoderResult().cause();
      int status = cause instanceof TooLongHttpHeaderException ? 431 : cause instanceof TooLongHttpLineException ? 414
          : 400;
      resp.setStatusCode(status).putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CONTENT_TYPE, Call.TEXT).end("invalid request: " + status);
    }
  }
}

package dev.distro.registry.http;

import dev.distro.registry.support.JsonWriter;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;

/**
 * One API request being answered: its parameters (query string first, then the form body, as
 * Nacos's {@code getParameter} does) and the replies, rendered for the v1 API (bare bodies, plain
 * text errors) or the v2 API (the {@code {"code","message","data"}} envelope).
 */
final class Call {

  static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain;charset=UTF-8");
  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final String V2_OK_PREFIX = "{\"code\":0,\"message\":\"success\",\"data\":";

  final HttpServerRequest req;
  final boolean v2;
  private final MultiMap form;
  private MultiMap query;
  private String degraded;

  Call(HttpServerRequest req, boolean v2, MultiMap form) {
    this.req = req;
    this.v2 = v2;
    this.form = form;
  }

  /**
   * A parameter, or null when absent. The query string is decoded on first use (a refusal never
   * decodes it), with ';' an ordinary character as in the URL standard: {@code port=80;port=1} is
   * one value, not two (Vert.x's {@code params()} splits on ';').
   */
  String param(String name) {
    if (query == null) {
      query = req.params(true);
    }
    String v = query.get(name);
    if (v == null && form != null) {
      v = form.get(name);
    }
    return v;
  }

  /** A parameter that is absent or empty yields null. */
  String optional(String name) {
    String v = param(name);
    return v == null || v.isEmpty() ? null : v;
  }

  String required(String name) {
    String v = param(name);
    if (v == null || v.isEmpty()) {
      throw ApiException.missing(name);
    }
    return v;
  }

  /**
   * The write will be applied, but its success is to be answered as a 503 with this message (a
   * node cut off from most members), so that the client sends it to another node too.
   */
  void degrade(String message) {
    this.degraded = message;
  }

  private boolean answeredDegraded() {
    if (degraded == null) {
      return false;
    }
    fail(new ApiException(503, ApiException.SERVER_ERROR, degraded));
    return true;
  }

  /** Success with Nacos's {@code ok} body. */
  private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
  private static final CharSequence BY_ACCEPT_ENCODING = HttpHeaders.createOptimized("Accept-Encoding");

  void ok() {
    if (answeredDegraded()) {
      return;
    }
    if (v2) {
      json("\"ok\"");
    } else {
      send(200, TEXT, "ok");
    }
  }

  /** Success with a JSON body (v2: wrapped as the envelope's data). */
  void json(String body) {
    if (answeredDegraded()) {
      return;
    }
    send(200, JSON, v2 ? V2_OK_PREFIX + body + "}" : body);
  }

  /** Success with JSON already encoded as bytes (v2: wrapped as the envelope's data). */
  /** A v1 JSON answer already gzipped ({@code Content-Encoding: gzip}, varying by Accept-Encoding). */
  void gzippedJson(Buffer gzipped) {
    if (answeredDegraded()) {
      return;
    }
    HttpServerResponse resp = req.response();
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, JSON).putHeader(HttpHeaders.CONTENT_ENCODING, GZIP)
        .putHeader(HttpHeaders.VARY, BY_ACCEPT_ENCODING).end(gzipped);
  }

  void json(Buffer body) {
    if (answeredDegraded()) {
      return;
    }
    HttpServerResponse resp = req.response();
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (v2) {
      resp.end(Buffer.buffer(body.length() + 48).appendString(V2_OK_PREFIX).appendBuffer(body).appendString("}"));
    } else {
      resp.end(body);
    }
  }

  void fail(ApiException e) {
    if (v2) {
      StringBuilder sb = new StringBuilder(96);
      new JsonWriter(sb).beginObject().field("code", e.code).field("message", e.codeMessage())
          .field("data", e.getMessage()).endObject();
      send(e.status, JSON, sb.toString());
    } else {
      send(e.status, TEXT, e.getMessage());
    }
  }

  /**
   * Nacos's filters (auth, unknown APIs) answer with Spring's JSON error body, on v1 and v2 alike;
   * {@code path} is the request's path as sent.
   */
  static void springError(HttpServerResponse resp, int status, String error, String message, String path) {
    JsonWriter w = new JsonWriter().beginObject()
        .field("timestamp", Instant.now().toString())
        .field("status", status)
        .field("error", error)
        .field("message", message)
        .field("path", path);
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(w.endObject().toString());
  }

  private void send(int status, CharSequence type, String body) {
    HttpServerResponse resp = req.response();
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, type).end(body);
  }
}

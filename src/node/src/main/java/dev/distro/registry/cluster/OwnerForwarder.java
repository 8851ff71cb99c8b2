package dev.distro.registry.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.support.Json;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends an instance write or beat to the member that owns the instance, when that is another
 * member that answers pings and the request was not forwarded already. Answers either
 * {@link Forwarded} (the owner's answer, to relay as is) or {@link ApplyHere}: this node applies the
 * write itself, because it owns the instance, cannot tell which instance it is, or the owner could
 * not be reached within the forward timeout or answered 503 (starting or shutting down). AP: writes
 * succeed; sync and verify tell the owner.
 */
public final class OwnerForwarder {

  /** What to do with the write. */
  public sealed interface Result permits Forwarded, ApplyHere { }

  /** The owner's answer. */
  public record Forwarded(int status, String contentType, Buffer body) implements Result { }

  /**
   * Apply the write on this node.
   *
   * @param ownerFailed the write was sent and the owner failed to take it (counted as a forward failure)
   */
  public record ApplyHere(String reason, boolean ownerFailed) implements Result { }

  /**
   * A client write as the client port received it.
   *
   * @param forwarded it carries {@link PeerClient#FORWARDED_HEADER}: a member sent it already
   * @param beat the {@code beat} parameter (JSON with the instance's {@code ip} and {@code port}), or null
   * @param formBody the form body's bytes as the client sent them, or null when it sent none
   * @param formType the client's {@code Content-Type} for that body
   */
  public record Write(HttpMethod method, String uri, boolean forwarded, String ip, String port, String beat,
      Buffer formBody, String formType, String authorization) { }

  /** Sends a client request to a member's client port; the answer, or a failure when none came in time. */
  @FunctionalInterface
  public interface Transport {
    Future<Forwarded> send(String owner, HttpMethod method, String uri, String contentType, Buffer body,
        String authorization, long timeoutMs);
  }

  private final Cluster cluster;
  private final Transport transport;
  private final long timeoutMs;
  private final LongAdder forwards;

  /** @param forwards counts the writes sent to an owner */
  public OwnerForwarder(Cluster cluster, Transport transport, long timeoutMs, LongAdder forwards) {
    this.cluster = cluster;
    this.transport = transport;
    this.timeoutMs = timeoutMs;
    this.forwards = forwards;
  }

  /** Over {@link PeerClient#forward}. */
  public static Transport over(PeerClient peers) {
    return (owner, method, uri, type, body, auth, timeout) -> peers.forward(owner, method, uri, type, body, auth,
        timeout).map(r -> new Forwarded(r.statusCode(), r.contentType(),
            r.body() == null ? Buffer.buffer() : r.body()));
  }

  /**
   * Where the write goes. The future is already complete with {@link ApplyHere} when the write is
   * not sent at all; otherwise it completes (never fails) when the owner answered or gave up.
   */
  public Future<Result> forward(Write w) {
    if (w.forwarded()) {
      return applyHere("forwarded already");
    }
    String ip = w.ip();
    String portRaw = w.port();
    if (w.beat() != null) {
      try {
        JsonNode beat = Json.MAPPER.readTree(w.beat());
        if (beat != null && beat.hasNonNull("ip")) {
          ip = beat.get("ip").asText();
        }
        if (beat != null && beat.hasNonNull("port")) {
          portRaw = beat.get("port").asText();
        }
      } catch (Exception e) {
        return applyHere("unreadable beat");
      }
    }
    int port;
    try {
      port = Integer.parseInt(portRaw == null ? "" : portRaw.trim());
    } catch (NumberFormatException e) {
      return applyHere("no port");
    }
    if (ip == null || ip.isEmpty()) {
      return applyHere("no ip");
    }
    String owner = cluster.ownerOf(ip, port);
    if (owner == null || owner.equals(cluster.self())) {
      return applyHere("owned here");
    }
    if (!cluster.reachable(owner)) {
      return applyHere("owner " + owner + " unreachable");
    }
    // the client's bytes as they came: the owner decodes exactly what this node decoded, and nothing
    // is encoded again here
    boolean form = w.formBody() != null && w.formBody().length() > 0;
    forwards.increment();
    return transport.send(owner, w.method(), w.uri(), form ? w.formType() : null, form ? w.formBody() : null,
        w.authorization(), timeoutMs)
        .transform(ar -> Future.succeededFuture(ar.succeeded() && ar.result().status() != 503 ? ar.result()
            : new ApplyHere("owner " + owner + (ar.succeeded() ? " answered 503" : " did not answer"), true)));
  }

  private static Future<Result> applyHere(String reason) {
    return Future.succeededFuture(new ApplyHere(reason, false));
  }
}

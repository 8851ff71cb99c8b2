package dev.distro.registry.http;

import dev.distro.registry.cluster.OwnerForwarder;
import dev.distro.registry.cluster.PeerClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one client API call once its parameters are in: authentication and the status gate
 * ({@link AccessGate}), then, for an instance write or beat on a cluster member, the cut-off rule
 * or the hand-over to the instance's owner ({@link OwnerForwarder}), else the route's handler; a
 * refusal becomes the route's error rendering.
 */
final class ApiDispatch {

  private static final Logger LOG = Logger.getLogger(ApiDispatch.class.getName());

  private final HttpParts node;
  private final AccessGate gate;
  /** Null on a standalone node: nothing is forwarded. */
  private final OwnerForwarder forwarder;

  ApiDispatch(HttpParts node, AccessGate gate, OwnerForwarder forwarder) {
    this.node = node;
    this.gate = gate;
    this.forwarder = forwarder;
  }

  /**
   * @param form the decoded form body, or null when none was sent
   * @param formBody that body's bytes as they came (forwarded as they are), or null
   */
  void run(HttpServerRequest req, ApiRoute route, MultiMap form, Buffer formBody) {
    long t0 = System.nanoTime();
    HttpServerResponse response = req.response();
    response.endHandler(v -> node.meters.request(route.name(), response.getStatusCode(), System.nanoTime() - t0));
    Call call = new Call(req, route.v2(), form);
    try {
      if (node.access.enabled() && !gate.authorized(req, route, call)) {
        return;
      }
      String refusal = gate.statusRefusal(route.kind());
      if (refusal != null) {
        throw new ApiException(503, ApiException.SERVER_ERROR, refusal);
      }
      if (route.forwardable() && forwarder != null && req.getHeader(PeerClient.FORWARDED_HEADER) == null
          && node.cluster.cutOffFromMost()) {
        // Applied here (AP: this side keeps serving it), answered 503 so that a client that can
        // reach another node (Nacos clients try the next server) delivers it to the majority too.
        node.metrics.cutOffWrites.increment();
        call.degrade("this node is cut off from most cluster members: the write was applied here only;"
            + " send it to another node");
        route.handler().accept(call);
        return;
      }
      if (route.forwardable() && forwarder != null && forwardToOwner(req, route, call, formBody)) {
        return;
      }
      route.handler().accept(call);
    } catch (ApiException e) {
      node.metrics.clientErrors.increment();
      call.fail(e);
    } catch (RuntimeException e) {
      node.metrics.serverErrors.increment();
      LOG.log(Level.WARNING, "unexpected failure on " + req.method() + " " + req.path(), e);
      call.fail(new ApiException(500, ApiException.SERVER_ERROR, "caused: " + e));
    }
  }

  /**
   * Sends an instance write to its owner through {@link OwnerForwarder}.
   *
   * @return true when the request was handed to the owner (answered later), false to apply it here now
   */
  private boolean forwardToOwner(HttpServerRequest req, ApiRoute route, Call call, Buffer formBody) {
    boolean forwarded = req.getHeader(PeerClient.FORWARDED_HEADER) != null;
    Future<OwnerForwarder.Result> result = forwarder.forward(new OwnerForwarder.Write(req.method(), req.uri(),
        forwarded, forwarded ? null : call.param("ip"), forwarded ? null : call.param("port"),
        forwarded ? null : call.optional("beat"), formBody, req.getHeader(HttpHeaders.CONTENT_TYPE),
        req.getHeader(HttpHeaders.AUTHORIZATION)));
    if (result.isComplete() && result.result() instanceof OwnerForwarder.ApplyHere a && !a.ownerFailed()) {
      return false;
    }
    result.onSuccess(r -> {
      HttpServerResponse resp = req.response();
      if (resp.ended() || resp.closed()) {
        return;
      }
      if (r instanceof OwnerForwarder.Forwarded f) {
        if (f.contentType() != null) {
          resp.putHeader(HttpHeaders.CONTENT_TYPE, f.contentType());
        }
        resp.setStatusCode(f.status()).end(f.body());
        return;
      }
      node.metrics.forwardFailures.increment();
      try {
        route.handler().accept(call);
      } catch (ApiException e) {
        call.fail(e);
      } catch (RuntimeException e) {
        node.metrics.serverErrors.increment();
        call.fail(new ApiException(500, ApiException.SERVER_ERROR, "caused: " + e));
      }
    });
    return true;
  }
}

package dev.distro.registry.testing;

import dev.distro.registry.cluster.PeerClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * A blocking test client for nodes' peer ports, with the cluster secret unless told otherwise;
 * call only from the JUnit thread, keep it in a field and {@link #close()} it.
 */
public final class PeerCalls implements AutoCloseable {

  private final WebClient client;

  public PeerCalls(Vertx vertx) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setKeepAlive(true));
  }

  /** {@code body} null: none. {@code secret} null: no secret header. */
  public HttpResponse<Buffer> call(int peerPort, HttpMethod method, String path, String body, String secret) {
    HttpRequest<Buffer> req = client.request(method, peerPort, "127.0.0.1", path);
    if (secret != null) {
      req.putHeader(PeerClient.SECRET_HEADER, secret);
    }
    if (body == null) {
      return Wait.on(req.send());
    }
    return Wait.on(req.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  public HttpResponse<Buffer> get(int peerPort, String path) {
    return call(peerPort, HttpMethod.GET, path, null, TestCluster.SECRET);
  }

  public HttpResponse<Buffer> post(int peerPort, String path, String body) {
    return call(peerPort, HttpMethod.POST, path, body, TestCluster.SECRET);
  }

  /** A 200 answer's JSON object; anything else fails the test. */
  public JsonObject json(HttpResponse<Buffer> r) {
    if (r.statusCode() != 200) {
      throw new AssertionError(r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  @Override
  public void close() {
    client.close();
  }
}

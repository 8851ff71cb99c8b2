package dev.distro.registry.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A blocking test client for one node's client port; call only from the JUnit thread. Keep it in
 * a field and {@link #close()} it (vertx-junit5's Cleaner closes clients held only locally).
 */
public final class Api implements AutoCloseable {

  private final WebClient client;
  private final int port;

  public Api(Vertx vertx, int port) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true));
    this.port = port;
  }

  public int port() {
    return port;
  }

  /** {@code params} alternates names and values; they go in the query string. */
  public HttpResponse<Buffer> call(HttpMethod method, String path, String... params) {
    HttpRequest<Buffer> req = client.request(method, path);
    for (int i = 0; i < params.length; i += 2) {
      req.addQueryParam(params[i], params[i + 1]);
    }
    return Wait.on(req.send());
  }

  /** Parameters sent as an {@code application/x-www-form-urlencoded} body. */
  public HttpResponse<Buffer> form(HttpMethod method, String path, String... params) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < params.length; i += 2) {
      form.add(params[i], params[i + 1]);
    }
    return Wait.on(client.request(method, path).sendForm(form));
  }

  public HttpResponse<Buffer> get(String path, String... params) {
    return call(HttpMethod.GET, path, params);
  }

  public HttpResponse<Buffer> post(String path, String... params) {
    return call(HttpMethod.POST, path, params);
  }

  public HttpResponse<Buffer> put(String path, String... params) {
    return call(HttpMethod.PUT, path, params);
  }

  public HttpResponse<Buffer> delete(String path, String... params) {
    return call(HttpMethod.DELETE, path, params);
  }

  public JsonObject json(HttpMethod method, String path, String... params) {
    HttpResponse<Buffer> r = call(method, path, params);
    if (r.statusCode() != 200) {
      throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  /** {@code /nacos/v1/ns/instance/list} for a service. */
  public JsonObject list(String service, String... more) {
    String[] p = new String[more.length + 2];
    p[0] = "serviceName";
    p[1] = service;
    System.arraycopy(more, 0, p, 2, more.length);
    return json(HttpMethod.GET, "/nacos/v1/ns/instance/list", p);
  }

  public static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Override
  public void close() {
    client.close();
  }
}

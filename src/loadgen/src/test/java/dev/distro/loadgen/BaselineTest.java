package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The baseline handler answers as the generator expects, and its keeping form keeps each instance once. */
class BaselineTest {

  Vertx vertx;
  HttpServer server;
  HttpClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> Baseline.handle(req, true));
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private String post(String uri) throws Exception {
    return client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body()))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
  }

  @Test
  void keepsEachInstanceOnce() throws Exception {
    int before = Baseline.kept();
    assertEquals("ok", post("/nacos/v1/ns/instance?serviceName=b1&ip=10.0.0.1&port=80"));
    assertEquals("ok", post("/nacos/v1/ns/instance?serviceName=b1&ip=10.0.0.2&port=80"));
    assertEquals("ok", post("/nacos/v1/ns/instance?serviceName=b1&ip=10.0.0.1&port=80"));
    assertEquals("ok", post("/nacos/v1/ns/instance/list?serviceName=b1"));
    assertEquals(before + 2, Baseline.kept(),
        "two instances: the third request repeats the first, and a list keeps nothing");
    assertEquals("", post("/"), "no parameters: an empty answer");
  }
}

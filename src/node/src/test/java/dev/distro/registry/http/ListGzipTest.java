package dev.distro.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /instance/list} for clients that send {@code Accept-Encoding: gzip} (the Nacos 1.x Java client). */
@ExtendWith(VertxExtension.class)
class ListGzipTest {

  static final String LIST = "/nacos/v1/ns/instance/list?serviceName=svc";

  Node node;
  Api api;
  HttpClient raw;

  @BeforeEach
  void start(Vertx vertx) {
    node = TestNodes.standalone(vertx, Map.of());
    api = new Api(vertx, node.config().port);
    raw = vertx.createHttpClient();
    for (int i = 1; i <= 100; i++) {
      assertEquals(200, api.post("/nacos/v1/ns/instance", "serviceName", "svc", "ip", "10.0.0." + i, "port", "8080",
          "metadata", "{\"version\":\"1.2.3\",\"zone\":\"a\"}").statusCode());
    }
  }

  @AfterEach
  void stop() {
    raw.close();
    api.close();
    Wait.on(node.stop());
  }

  record Answer(HttpClientResponse response, Buffer body) { }

  Answer get(String path, String acceptEncoding) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(node.config().port).setURI(path);
    if (acceptEncoding != null) {
      o.putHeader("Accept-Encoding", acceptEncoding);
    }
    // the body handler is attached in the same task that sees the response: a response read in a
    // later task may already have delivered (and dropped) its body
    return Wait.on(raw.request(o).compose(req -> req.send().compose(r -> r.body().map(b -> new Answer(r, b)))));
  }

  static String stable(String body) {
    return body.replaceAll("\"lastRefTime\":\\d+", "\"lastRefTime\":0");
  }

  static String gunzip(Buffer b) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.getBytes()))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void gzipWhenAskedFor_sameDocument_aFifthOfTheBytesOrLess() throws Exception {
    Answer plain = get(LIST, null);
    assertNull(plain.response().getHeader("Content-Encoding"));
    Answer gz = get(LIST, "gzip,deflate");
    assertEquals(200, gz.response().statusCode());
    assertEquals("gzip", gz.response().getHeader("Content-Encoding"));
    assertEquals("Accept-Encoding", gz.response().getHeader("Vary"));
    assertEquals("application/json", gz.response().getHeader("Content-Type"));
    assertEquals(stable(plain.body().toString()), stable(gunzip(gz.body())));
    assertTrue(gz.body().length() * 5 <= plain.body().length(),
        "gzip " + gz.body().length() + " bytes vs plain " + plain.body().length());
  }

  @Test
  void compressedOncePerChange_theNextAnswerShowsTheChange() throws Exception {
    String before = gunzip(get(LIST, "gzip").body());
    assertEquals(before.replaceAll("\"lastRefTime\":\\d+", ""), gunzip(get(LIST, "gzip").body())
        .replaceAll("\"lastRefTime\":\\d+", ""));
    api.delete("/nacos/v1/ns/instance", "serviceName", "svc", "ip", "10.0.0.7", "port", "8080");
    String after = gunzip(get(LIST, "gzip").body());
    assertTrue(before.contains("\"10.0.0.7\"") && !after.contains("\"10.0.0.7\""), after);
    assertEquals(stable(get(LIST, null).body().toString()), stable(after));
  }

  @Test
  void plainForRefusalsOfGzip_andForTheV2Api() {
    for (String ae : new String[] {"gzip;q=0", "identity", "deflate", ""}) {
      assertNull(get(LIST, ae).response().getHeader("Content-Encoding"), ae);
    }
    assertNull(get("/nacos/v2/ns/instance/list?serviceName=svc", "gzip").response().getHeader("Content-Encoding"));
    Answer clusters = get(LIST + "&clusters=DEFAULT&healthyOnly=true", "gzip");
    assertEquals("gzip", clusters.response().getHeader("Content-Encoding"), "a filtered list is gzipped too");
  }
}

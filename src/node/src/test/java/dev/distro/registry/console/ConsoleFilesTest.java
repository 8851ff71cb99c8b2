package dev.distro.registry.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The console's files over HTTP, without a browser: each file with its type, the security headers
 * and no caching headers; the index at {@code /console/}; anything else the unknown-path answer;
 * and with authentication on, the files stay open (the page asks for a token itself).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsoleFilesTest {

  Vertx vertx;
  WebClient http;
  int port;
  int authPort;

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    vertx = Vertx.vertx();
    Node node = TestNodes.standalone(vertx, Map.of());
    port = node.config().port;
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ops console-files-token-0123456789abcdef *:r\n");
    Node auth = TestNodes.standalone(vertx, Map.of("auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    authPort = auth.config().port;
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setFollowRedirects(false));
  }

  @AfterAll
  void stop() {
    http.close();
    Wait.on(vertx.close());
  }

  HttpResponse<Buffer> get(int at, String path) {
    return Wait.on(http.request(HttpMethod.GET, at, "127.0.0.1", path).send());
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ConsoleFilesTest.class.getResourceAsStream("/console/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "/console/, index.html, text/html;charset=UTF-8",
      "/console/index.html, index.html, text/html;charset=UTF-8",
      "/console/console.js, console.js, text/javascript;charset=UTF-8",
      "/console/console.css, console.css, text/css;charset=UTF-8"})
  void eachFile_withItsType_securityHeaders_andNoCaching(String path, String file, String type) throws IOException {
    for (int at : new int[] {port, authPort}) {
      HttpResponse<Buffer> r = get(at, path);
      assertEquals(200, r.statusCode(), path);
      assertEquals(resource(file), r.bodyAsString(), path);
      assertEquals(type, r.getHeader("Content-Type"), path);
      assertEquals("default-src 'self'; connect-src 'self' ws: wss:", r.getHeader("Content-Security-Policy"));
      assertEquals("nosniff", r.getHeader("X-Content-Type-Options"));
      assertNull(r.getHeader("Cache-Control"), "a new version's console must not wait out a browser cache");
      assertNull(r.getHeader("Last-Modified"));
      assertNull(r.getHeader("ETag"));
    }
  }

  @Test
  void bareConsolePath_redirectsToTheDirectory() {
    HttpResponse<Buffer> r = get(port, "/console");
    assertEquals(301, r.statusCode());
    assertEquals("/console/", r.getHeader("Location"));
  }

  @Test
  void unknownFile_isTheUnknownPathAnswer() {
    HttpResponse<Buffer> r = get(port, "/console/nosuch.js");
    assertEquals(404, r.statusCode());
    assertEquals("not found: /console/nosuch.js", r.bodyAsJsonObject().getString("message"));
    assertTrue(r.getHeader("Content-Type").startsWith("application/json"));
  }
}

package dev.distro.registry.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distro.registry.node.Node;
import dev.distro.registry.testing.Api;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestNodes;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in headless Chromium (Debian's {@code chromium}, installed by {@code .ci/run}),
 * driven over the DevTools protocol: the page loads, shows the members and a registered instance,
 * and drops a deregistered one live, without a reload. A screenshot is left in
 * {@code target/console.png}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsoleBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  Vertx vertx;
  Process browser;
  WebClient http;

  Path profile;

  @AfterEach
  void stop(org.junit.jupiter.api.TestInfo info) throws Exception {
    if (profile != null) {
      // kept in the test's output: what the browser said, when a test fails
      System.out.println("chromium log of " + info.getDisplayName() + ":\n"
          + readQuietly(profile.resolve("chromium.log")));
    }
    if (browser != null) {
      browser.descendants().forEach(ProcessHandle::destroyForcibly);
      browser.destroyForcibly();
      browser.waitFor(10, TimeUnit.SECONDS);
    }
    if (profile != null) {
      // best effort: Chromium's helpers may still be writing as they die
      try (var paths = Files.walk(profile)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
        // left for the OS's temp cleanup
      }
    }
    if (http != null) {
      http.close();
    }
    if (vertx != null) {
      Wait.on(vertx.close());
    }
  }

  /** Starts headless Chromium on {@code path} of the node at {@code port}; the page's DevTools session. */
  Cdp openConsole(int port, String path) throws Exception {
    profile = Files.createTempDirectory("distro-console-chromium");
    browser = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
        // never let Chromium treat the page as hidden and freeze or throttle it: a frozen page
        // answers no DevTools command (seen intermittently on the loaded 2-core machine)
        "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding", "--disable-features=CalculateNativeWinOcclusion,IntensiveWakeUpThrottling",
        "--remote-debugging-address=127.0.0.1", "--window-size=1280,900",
        "http://127.0.0.1:" + port + path)
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    Path portFile = profile.resolve("DevToolsActivePort");
    Poll.until(Duration.ofSeconds(30), "chromium's DevTools port", () -> Files.exists(portFile)
        && !readQuietly(portFile).isBlank());
    int devtools = Integer.parseInt(readQuietly(portFile).lines().findFirst().orElseThrow().trim());

    http = WebClient.create(vertx);
    String[] pageWs = new String[1];
    Poll.until(Duration.ofSeconds(20), "the console page target", () -> {
      JsonArray targets = Wait.on(http.get(devtools, "127.0.0.1", "/json/list").send()).bodyAsJsonArray();
      for (Object o : targets) {
        JsonObject t = (JsonObject) o;
        if ("page".equals(t.getString("type")) && t.getString("url", "").contains("/console")) {
          pageWs[0] = t.getString("webSocketDebuggerUrl");
          return true;
        }
      }
      return false;
    });
    return new Cdp(vertx, pageWs[0]);
  }

  @Test
  void consoleShowsInstances_andReflectsADeregistrationLive() throws Exception {
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(Files.isExecutable(CHROMIUM), "CI must have Debian's chromium: .ci/run installs it");
    }
    assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (apt-get install chromium)");
    vertx = Vertx.vertx();
    Node node = TestNodes.standalone(vertx, Map.of());
    int port = node.config().port;
    Api api = new Api(vertx, port);
    assertEquals(200, api.post("/nacos/v1/ns/instance", "serviceName", "shop", "ip", "10.0.0.7", "port", "8080",
        "metadata", "{\"zone\":\"a\"}").statusCode());
    Cdp cdp = openConsole(port, "/console/");

    showsWithin(cdp, 45, "the instance is listed", "document.querySelector('#instances tbody').innerText",
        t -> t.contains("10.0.0.7:8080"));
    showsWithin(cdp, 10, "the member is shown UP", "document.querySelector('#members tbody').innerText",
        t -> t.contains("UP"));
    assertEquals("live", cdp.eval("document.getElementById('conn').textContent"));
    assertTrue(cdp.eval("document.querySelector('#instances tbody').innerText").contains("{\"zone\":\"a\"}"));

    api.delete("/nacos/v1/ns/instance", "serviceName", "shop", "ip", "10.0.0.7", "port", "8080");
    showsWithin(cdp, 10, "the deregistration shows without a reload",
        "document.querySelector('#instances tbody').innerText",
        t -> !t.contains("10.0.0.7"));
    assertEquals("live", cdp.eval("document.getElementById('conn').textContent"), "same page, still connected");

    api.post("/nacos/v1/ns/instance", "serviceName", "shop", "ip", "10.0.0.8", "port", "8080");
    showsWithin(cdp, 10, "a new registration shows live", "document.querySelector('#instances tbody').innerText",
        t -> t.contains("10.0.0.8:8080"));
    String png = cdp.call("Page.captureScreenshot", new JsonObject().put("format", "png")).getString("data");
    Files.createDirectories(Path.of("target"));
    Files.write(Path.of("target/console.png"), Base64.getDecoder().decode(png));
    cdp.close();
    api.close();
  }

  @Test
  void withAuthOn_theConsoleUsesTheTokenFromTheAddress_andAsksForOneWithout(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (apt-get install chromium)");
    String token = "console-reader-token-0123456789abcdef";
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ops " + token + " *:r\nwriter writer-token-0123456789abcdef *:rw\n");
    vertx = Vertx.vertx();
    Node node = TestNodes.standalone(vertx, Map.of("auth-enabled", "true", "auth-tokens-file", tokens.toString()));
    int port = node.config().port;
    Api api = new Api(vertx, port);
    assertEquals(200, api.post("/nacos/v1/ns/instance", "serviceName", "shop", "ip", "10.0.0.9", "port", "8080",
        "accessToken", "writer-token-0123456789abcdef").statusCode(), "the writer registers");
    Cdp cdp = openConsole(port, "/console/#token=" + token);
    showsWithin(cdp, 45, "the instance is listed through the token",
        "document.querySelector('#instances tbody').innerText",
        t -> t.contains("10.0.0.9:8080"));
    showsWithin(cdp, 10, "the member is shown", "document.querySelector('#members tbody').innerText",
        t -> t.contains("UP"));
    assertEquals("true", cdp.eval("String(document.getElementById('auth').hidden)"), "no token field needed");
    // the same page without a token (a fresh tab): the node refuses, the console asks for one
    cdp.poll("sessionStorage.clear(); location.hash = ''; location.reload(); 'ok'");
    Poll.until(Duration.ofSeconds(20), "the token field appears", () ->
        "false".equals(cdp.poll("String(document.getElementById('auth') && document.getElementById('auth').hidden)")));
    cdp.close();
    api.close();
  }

  /**
   * Polls {@code expression} in the page until its answer satisfies {@code condition}; on failure
   * the message carries the last answer and how many DevTools sessions were used.
   */
  static void showsWithin(Cdp cdp, int seconds, String what, String expression,
      java.util.function.Predicate<String> condition) {
    String[] last = {null};
    try {
      Poll.until(Duration.ofSeconds(seconds), what, () -> {
        String a = cdp.poll(expression);
        if (a != null) {
          last[0] = a;
        }
        return answered(a, condition);
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " (last answer: " + last[0] + ", DevTools sessions: " + cdp.sessions
          + ")", e);
    }
  }

  /** An answer that arrived and satisfies {@code condition}; no answer satisfies nothing. */
  static boolean answered(String answer, java.util.function.Predicate<String> condition) {
    return answer != null && condition.test(answer);
  }

  static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /**
   * A minimal DevTools protocol client over one page's WebSocket. A session that leaves a command
   * unanswered (seen while a page loads or reloads on a busy machine: the page is live, the
   * session never answers again) is replaced by a fresh one on the same page.
   */
  static final class Cdp {
    private final Vertx vertx;
    private final String url;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
    private WebSocket ws;
    int sessions;

    Cdp(Vertx vertx, String url) {
      this.vertx = vertx;
      this.url = url;
      ws = connect();
    }

    private WebSocket connect() {
      sessions++;
      return Wait.on(vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
              .setMaxFrameSize(64 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024))
          .connect(new io.vertx.core.http.WebSocketConnectOptions().setAbsoluteURI(url)).map(w -> {
            w.textMessageHandler(t -> {
              JsonObject m = new JsonObject(t);
              Promise<JsonObject> p = m.containsKey("id") ? pending.remove(m.getInteger("id")) : null;
              if (p != null) {
                p.complete(m);
              }
            });
            return w;
          }));
    }

    JsonObject call(String method, JsonObject params) {
      int id = ids.incrementAndGet();
      Promise<JsonObject> p = Promise.promise();
      pending.put(id, p);
      ws.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode());
      JsonObject reply = Wait.on(p.future());
      if (reply.containsKey("error")) {
        throw new AssertionError(method + ": " + reply.getJsonObject("error"));
      }
      return reply.getJsonObject("result");
    }

    /**
     * {@link #eval} for a condition polled until a deadline: a command left unanswered for 5 s is
     * null, which satisfies no condition ({@link #answered}); the session is replaced and the poll
     * asks again within its own deadline.
     */
    String poll(String expression) {
      int id = ids.incrementAndGet();
      Promise<JsonObject> p = Promise.promise();
      pending.put(id, p);
      ws.writeTextMessage(new JsonObject().put("id", id).put("method", "Runtime.evaluate")
          .put("params", new JsonObject().put("expression", expression).put("returnByValue", true)).encode());
      try {
        JsonObject reply = p.future().await(5, TimeUnit.SECONDS);
        Object v = reply.containsKey("error") ? null : reply.getJsonObject("result").getJsonObject("result")
            .getValue("value");
        return v == null ? null : String.valueOf(v);
      } catch (java.util.concurrent.TimeoutException e) {
        pending.remove(id);
        WebSocket stuck = ws;
        stuck.close();
        ws = connect();
        return null;
      }
    }

    String eval(String expression) {
      JsonObject r = call("Runtime.evaluate", new JsonObject().put("expression", expression)
          .put("returnByValue", true));
      Object v = r.getJsonObject("result").getValue("value");
      return v == null ? "" : String.valueOf(v);
    }

    void close() {
      Wait.on(ws.close());
    }
  }

}

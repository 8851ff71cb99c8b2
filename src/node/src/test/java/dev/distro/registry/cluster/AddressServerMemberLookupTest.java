package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The address-server lookup against a real HTTP server on a free port. */
@ExtendWith(VertxExtension.class)
class AddressServerMemberLookupTest {

  /** What the server answers: status and body. */
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicReference<String> body = new AtomicReference<>("");
  final AtomicInteger requests = new AtomicInteger();
  HttpServer server;
  AddressServerMemberLookup lookup;
  String url;

  @BeforeEach
  void startServer(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> {
      requests.incrementAndGet();
      if (!req.path().equals("/nacos/serverlist")) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.response().setStatusCode(status.get()).putHeader("Content-Type", "text/plain").end(body.get());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + server.actualPort() + "/nacos/serverlist";
    lookup = new AddressServerMemberLookup(vertx, url);
  }

  @AfterEach
  void stop() throws Exception {
    lookup.close();
    server.close().await(10, TimeUnit.SECONDS);
  }

  static Throwable failureOf(Future<?> f) throws Exception {
    AsyncResult<?> ar = f.transform(r -> Future.succeededFuture((AsyncResult<?>) r)).await(10, TimeUnit.SECONDS);
    assertTrue(ar.failed(), () -> "expected a failure, got " + ar.result());
    return ar.cause();
  }

  @Test
  void parsesTheServedList() throws Exception {
    body.set("# members\n10.0.0.2:8848\n10.0.0.1\n[fd00::3]:9000 # v6\n10.0.0.2\n");
    assertEquals(List.of("10.0.0.2:8848", "10.0.0.1:8848", "[fd00::3]:9000"), lookup.lookup().await(10, TimeUnit.SECONDS));

    body.set("10.0.0.9:8848");
    assertEquals(List.of("10.0.0.9:8848"), lookup.lookup().await(10, TimeUnit.SECONDS), "re-read on every lookup");
  }

  @Test
  void serverError_fails() throws Exception {
    status.set(500);
    body.set("10.0.0.1:8848\n");
    String m = failureOf(lookup.lookup()).getMessage();
    assertTrue(m.contains("HTTP 500") && m.contains(url), m);
  }

  @Test
  void oversizedBody_fails() throws Exception {
    body.set("10.0.0.1:8848\n".repeat(AddressServerMemberLookup.MAX_BODY_BYTES / 14 + 100));
    String m = failureOf(lookup.lookup()).getMessage();
    assertTrue(m.contains("more than " + AddressServerMemberLookup.MAX_BODY_BYTES + " bytes"), m);

    body.set("10.0.0.1:8848\n");
    assertEquals(List.of("10.0.0.1:8848"), lookup.lookup().await(10, TimeUnit.SECONDS), "the client still works");
  }

  @Test
  void emptyOrBadBody_fails() throws Exception {
    body.set("");
    assertEquals("no members in address server " + url, failureOf(lookup.lookup()).getMessage());
    body.set("10.0.0.1:70000\n");
    String m = failureOf(lookup.lookup()).getMessage();
    assertTrue(m.contains("10.0.0.1:70000") && m.contains(url), m);
  }

  @Test
  void concurrentLookups_shareOneRequest() throws Exception {
    body.set("10.0.0.1:8848\n");
    Future<List<String>> a = lookup.lookup();
    Future<List<String>> b = lookup.lookup();
    assertEquals(List.of("10.0.0.1:8848"), a.await(10, TimeUnit.SECONDS));
    assertEquals(List.of("10.0.0.1:8848"), b.await(10, TimeUnit.SECONDS));
    assertEquals(1, requests.get());
  }

  @Test
  void unreachableServer_fails(Vertx vertx) throws Exception {
    int port = server.actualPort();
    server.close().await(10, TimeUnit.SECONDS);
    String m = failureOf(lookup.lookup()).getMessage();
    assertTrue(m.contains("127.0.0.1:" + port) && m.contains("failed"), m);
  }

  @Test
  void badUrl_isRejectedAtOnce_andUserInfoIsNeverShown(Vertx vertx) {
    assertThrows(IllegalArgumentException.class, () -> new AddressServerMemberLookup(vertx, "ftp://x/list"));
    String m = assertThrows(IllegalArgumentException.class,
        () -> new AddressServerMemberLookup(vertx, "http://user:pw@ho st/list")).getMessage();
    assertTrue(!m.contains("pw") && m.contains("ho st"), m);
    assertEquals("http://h:1/p?q=a@b", AddressServerMemberLookup.redact("http://h:1/p?q=a@b"));
    assertEquals("https://h/p", AddressServerMemberLookup.redact("https://u:p@h/p"));
  }
}

package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Wait;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failures of calls to peers are classified by type: a table of exceptions whose messages try to
 * mislead (host names with "refused" or "timeout" in them), then real failures over loopback.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PeerFailureTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("refused", new ConnectException("Connection refused: node-b/10.0.0.2:8848"), PeerFailure.REFUSED),
        Arguments.of("refused, no message", new ConnectException(), PeerFailure.REFUSED),
        Arguments.of("connect timeout to a host named 'refused'",
            new ConnectTimeoutException("connection timed out after 500 ms: refused.example/10.0.0.9:8848"),
            PeerFailure.TIMEOUT),
        Arguments.of("future timeout", new NoStackTraceTimeoutException("Timeout 500 (ms) fired"), PeerFailure.TIMEOUT),
        Arguments.of("wrapped timeout", new CompletionException(new java.util.concurrent.TimeoutException()),
            PeerFailure.TIMEOUT),
        Arguments.of("closed", new HttpClosedException("Connection was closed"), PeerFailure.CLOSED),
        Arguments.of("closed early", new PrematureChannelClosureException("x"), PeerFailure.CLOSED),
        Arguments.of("bad JSON", new DecodeException("Failed to decode"), PeerFailure.MALFORMED),
        Arguments.of("no route", new NoRouteToHostException("No route to host"), PeerFailure.OTHER),
        Arguments.of("a link cut by the fault plan", new NoRouteToHostException("fault plan: link a -> b cut"),
            PeerFailure.OTHER),
        Arguments.of("message says refused", new VertxException("Connection refused"), PeerFailure.OTHER),
        Arguments.of("message says timeout", new IOException("read timed out (timeout)"), PeerFailure.OTHER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void classifiedByType(String name, Throwable t, PeerFailure expected) {
    assertEquals(expected, PeerFailure.of(t));
    assertEquals(expected == PeerFailure.REFUSED, PeerClient.refused(t), "PeerClient.refused");
  }

  Vertx vertx;
  WebClient client;
  NetServer server;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    client.close();
    if (server != null) {
      Wait.on(server.close());
    }
  }

  private Throwable failureOf(Future<?> f) throws Exception {
    try {
      f.timeout(1, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  private int serve(io.vertx.core.Handler<io.vertx.core.net.NetSocket> h) {
    server = vertx.createNetServer().connectHandler(h);
    return Wait.on(server.listen(0, "127.0.0.1")).actualPort();
  }

  @Test
  void realFailures_overLoopback() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Throwable refused = failureOf(client.get(closedPort, "127.0.0.1", "/").send());
    assertEquals(PeerFailure.REFUSED, PeerFailure.of(refused), refused.toString());
    assertTrue(PeerClient.refused(refused));

    int silent = serve(so -> { });
    Throwable slow = failureOf(client.get(silent, "127.0.0.1", "/").send());
    assertEquals(PeerFailure.TIMEOUT, PeerFailure.of(slow), slow.toString());
    assertFalse(PeerClient.refused(slow));
    Wait.on(server.close());

    int hangUp = serve(so -> so.handler(b -> so.close()));
    Throwable closed = failureOf(client.get(hangUp, "127.0.0.1", "/").send());
    assertEquals(PeerFailure.CLOSED, PeerFailure.of(closed), closed.toString());
    Wait.on(server.close());

    int garbage = serve(so -> so.handler(b -> so.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\":")));
    Throwable bad = failureOf(client.get(garbage, "127.0.0.1", "/").send().map(r -> r.bodyAsJsonObject()));
    assertEquals(PeerFailure.MALFORMED, PeerFailure.of(bad), bad.toString());
  }
}

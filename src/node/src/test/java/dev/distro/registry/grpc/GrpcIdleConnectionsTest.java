package dev.distro.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A thousand sockets that open an HTTP/2 connection on the gRPC port and then say nothing: the node
 * holds them, keeps answering another client at once, and closes each once it has been silent, never
 * set up, for the detection delay, so idle sockets cannot keep the node's connections.
 */
@ExtendWith(VertxExtension.class)
class GrpcIdleConnectionsTest {

  /** The HTTP/2 connection preface and an empty SETTINGS frame: a connection, and nothing more. */
  static final Buffer PREFACE = Buffer.buffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
      .appendBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

  @Test
  void aThousandIdleConnections_areHeld_othersServed_andClosedAfterTheSilence(Vertx vertx) {
    SdkConnections connections = new SdkConnections(2_000);
    long silenceMs = 4_000;
    GrpcServerVerticle server = new GrpcServerVerticle(new GrpcServerVerticle.Settings("127.0.0.1", 0, 10,
        "127.0.0.1:8848", () -> true, () -> false, () -> System.nanoTime() / 1_000_000, 200, silenceMs),
        connections, Map.of(), new HttpServerOptions());
    Wait.on(vertx.deployVerticle(server));
    NetClient net = vertx.createNetClient();
    List<Future<NetSocket>> opened = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      opened.add(net.connect(server.actualPort(), "127.0.0.1").compose(s -> s.write(PREFACE).map(s)));
    }
    Wait.on(Future.all(opened), 60);
    Poll.until(Duration.ofSeconds(20), "the node holds the thousand connections", () -> connections.size() == 1_000);

    HttpClient other = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(server.actualPort()));
    RawGrpc.Answer check = RawGrpc.unary(other, RawGrpc.request("ServerCheckRequest", "{}"));
    assertEquals("ServerCheckResponse", check.payload().type(), "another client is served meanwhile");

    Poll.until(Duration.ofSeconds(30), "the idle ones closed after the silence", () -> connections.size() == 0);
    assertEquals(1_001, connections.idleClosed.sum(), "the thousand, and the other client: it never set up either");
    other.close();
    net.close();
  }
}

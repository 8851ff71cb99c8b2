package dev.distro.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gRPC transport and handshake against a plain HTTP/2 client, frame by frame. */
@ExtendWith(VertxExtension.class)
class GrpcTransportTest {

  Vertx vertx;
  SdkConnections connections;
  GrpcServerVerticle server;
  HttpClient client;
  final AtomicBoolean ready = new AtomicBoolean(true);
  final AtomicBoolean cutOff = new AtomicBoolean(false);
  /** Silence before detection: long here, so that no other test's idle connection is probed. */
  long detectAfterMs = 600_000;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    connections = new SdkConnections(3);
    Map<String, GrpcServerVerticle.Handler> handlers = Map.of("EchoRequest",
        (c, p) -> Future.succeededFuture(Payload.of("EchoResponse", p.json())));
    server = new GrpcServerVerticle(new GrpcServerVerticle.Settings("127.0.0.1", 0, 10, "127.0.0.1:8848", ready::get,
        cutOff::get, () -> System.nanoTime() / 1_000_000, 100, detectAfterMs), connections, handlers,
        new HttpServerOptions());
    Wait.on(vertx.deployVerticle(server));
    client = http2();
  }

  HttpClient http2() {
    return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(server.actualPort()));
  }

  @AfterEach
  void stop() {
    client.close();
  }

  static Payload request(String type, String json) {
    return RawGrpc.request(type, json);
  }

  RawGrpc.Answer unary(HttpClient via, String path, String contentType, Buffer body) {
    return RawGrpc.unary(via, path, contentType, body);
  }

  RawGrpc.Answer unary(HttpClient via, Payload p) {
    return RawGrpc.unary(via, p);
  }

  List<Payload> setUp(HttpClient via, boolean abilityTable) {
    return RawGrpc.setUp(via, abilityTable);
  }

  @Test
  void serverCheck_answersTheConnectionId_andNegotiation() throws Exception {
    RawGrpc.Answer a = unary(client, request("ServerCheckRequest", "{\"headers\":{},\"module\":\"internal\"}"));
    assertEquals(0, a.status());
    assertEquals("ServerCheckResponse", a.payload().type());
    JsonNode j = a.json();
    assertEquals(200, j.path("resultCode").asInt());
    assertTrue(j.path("supportAbilityNegotiation").asBoolean());
    String id = j.path("connectionId").asText();
    assertEquals(1, connections.size());
    assertEquals(id, connections.all().iterator().next().id());
    assertTrue(id.matches("\\d+_127\\.0\\.0\\.1_\\d+"), id);
  }

  @Test
  void aNodeNotReady_refusesServerCheck_soClientsTryAnother() throws Exception {
    ready.set(false);
    RawGrpc.Answer a = unary(client, request("ServerCheckRequest", "{}"));
    assertEquals(0, a.status(), "in-band");
    assertEquals("ErrorResponse", a.payload().type());
    assertEquals(Messages.SERVER_NOT_STARTED, a.json().path("errorCode").asInt());
  }

  @Test
  void healthCheck_isRefusedUntilSetup_thenAnswered_andSetupAckFollowsAnAbilityTable() throws Exception {
    assertEquals(Messages.UN_REGISTER, unary(client, request("HealthCheckRequest", "{}")).json().path("errorCode").asInt());
    assertEquals(Messages.UN_REGISTER, unary(client, request("EchoRequest", "{}")).json().path("errorCode").asInt());
    List<Payload> pushed = setUp(client, true);
    Poll.until(Duration.ofSeconds(5), "SetupAck on the bi-stream", () -> !pushed.isEmpty());
    assertEquals("SetupAckRequest", pushed.get(0).type());
    Poll.until(Duration.ofSeconds(5), "registered", () -> connections.all().iterator().next().registered());
    RawGrpc.Answer health = unary(client, request("HealthCheckRequest", "{}"));
    assertEquals("HealthCheckResponse", health.payload().type());
    assertEquals(200, health.json().path("resultCode").asInt());
    SdkConnection c = connections.all().iterator().next();
    assertEquals("naming", c.module());
    assertEquals("Nacos-Java-Client:v2.5.1", c.clientVersion());
    RawGrpc.Answer echo = unary(client, request("EchoRequest", "{\"x\":1}"));
    assertEquals("EchoResponse", echo.payload().type());
    assertEquals(1, echo.json().path("x").asInt());
    assertEquals(Messages.NO_HANDLER, unary(client, request("ConfigQueryRequest", "{}")).json().path("errorCode").asInt());
  }

  @Test
  void noSetupAckForAClientWithoutAnAbilityTable() throws Exception {
    List<Payload> pushed = setUp(client, false);
    Poll.until(Duration.ofSeconds(5), "registered", () -> !connections.all().isEmpty()
        && connections.all().iterator().next().registered());
    assertEquals(200, unary(client, request("HealthCheckRequest", "{}")).json().path("resultCode").asInt());
    assertTrue(pushed.isEmpty(), "pre-2.3 clients do not know SetupAckRequest: " + pushed);
  }

  @Test
  void protocolFaults_getTheirGrpcStatus() {
    assertEquals(Frames.UNIMPLEMENTED, unary(client, "/Other/method", "application/grpc",
        Frames.frame(request("ServerCheckRequest", "{}").encode())).status());
    assertEquals(415, unary(client, GrpcServerVerticle.UNARY, "application/json", Buffer.buffer("{}")).status());
    assertEquals(Frames.RESOURCE_EXHAUSTED, unary(client, GrpcServerVerticle.UNARY, "application/grpc",
        Buffer.buffer().appendByte((byte) 0).appendInt(GrpcServerVerticle.MAX_MESSAGE_BYTES + 1)).status());
    assertEquals(Frames.INTERNAL, unary(client, GrpcServerVerticle.UNARY, "application/grpc",
        Frames.frame(Buffer.buffer().appendByte((byte) 0x12).appendByte((byte) 0x7f))).status(), "malformed Payload");
    assertEquals(Frames.INTERNAL, unary(client, GrpcServerVerticle.UNARY, "application/grpc",
        Frames.frame(Buffer.buffer("abc")).slice(0, 6)).status(), "cut short");
    assertEquals(0, unary(client, request("ServerCheckRequest", "{}")).status(), "the connection still serves");
  }

  @Test
  void closingTheConnection_removesIt_andTheLimitRefusesTheFourth() {
    List<HttpClient> clients = List.of(http2(), http2(), http2());
    for (HttpClient c : clients) {
      assertEquals(0, unary(c, request("ServerCheckRequest", "{}")).status());
    }
    Poll.until(Duration.ofSeconds(5), "four connections, one refused", () -> connections.size() == 3
        && connections.refused() >= 1 || connections.size() == 3);
    HttpClient fourth = http2();
    boolean refused;
    try {
      unary(fourth, request("ServerCheckRequest", "{}"));
      refused = false;
    } catch (RuntimeException e) {
      refused = true;
    }
    assertTrue(refused && connections.refused() >= 1, "the connection over the limit is closed");
    List<String> closed = new CopyOnWriteArrayList<>();
    connections.onClose(c -> closed.add(c.id()));
    for (HttpClient c : clients) {
      Wait.on(c.close());
    }
    fourth.close();
    Poll.until(Duration.ofSeconds(5), "closed connections are gone", () -> connections.size() == 0);
    assertTrue(closed.size() >= 3, closed.toString());
  }

  @Test
  void aNodeCutOffFromMostMembers_refusesServerCheck_andAsksItsClientsToMove() throws Exception {
    List<Payload> pushed = setUp(client, false);
    Poll.until(Duration.ofSeconds(5), "registered", () -> !connections.all().isEmpty()
        && connections.all().iterator().next().registered());
    cutOff.set(true);
    Poll.until(Duration.ofSeconds(5), "a ConnectResetRequest on the bi-stream",
        () -> pushed.stream().anyMatch(p -> p.type().equals("ConnectResetRequest")));
    assertTrue(connections.all().iterator().next().resetByServer(), "its instances stay while it moves");
    assertEquals(1, connections.resetsSent.sum(), "asked once, not at every look");
    RawGrpc.Answer check = unary(http2(), request("ServerCheckRequest", "{}"));
    assertEquals("ErrorResponse", check.payload().type(), "a client that checks this node is sent on");
    assertEquals(Messages.SERVER_NOT_STARTED, check.json().path("errorCode").asInt());
  }

  @Test
  void aClientThatDoesNotAnswerDetection_losesItsConnection_oneThatAnswersKeepsIt() throws Exception {
    client.close();
    Wait.on(vertx.undeploy(server.deploymentID()));
    detectAfterMs = 300;
    start(vertx);
    // the silent one: set up, then never answers a server request
    setUp(client, false);
    Poll.until(Duration.ofSeconds(5), "registered", () -> connections.size() == 1
        && connections.all().iterator().next().registered());
    Poll.until(Duration.ofSeconds(15), "closed after an unanswered detection", () -> connections.size() == 0);
    assertEquals(1, connections.detectionsFailed.sum());
    // the live one answers every ClientDetectionRequest with its requestId
    HttpClient live = http2();
    HttpClientRequest req = Wait.on(live.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setURI(GrpcServerVerticle.BI_STREAM).putHeader("content-type", "application/grpc")));
    AtomicInteger answered = new AtomicInteger();
    req.response().onSuccess(resp -> resp.handler(new Frames.Deframer(1 << 20, m -> {
      try {
        Payload p = Payload.decode(m);
        if (p.type().equals("ClientDetectionRequest")) {
          String id = Json.parse(p.json()).path("requestId").asText();
          req.write(Frames.frame(request("ClientDetectionResponse", "{\"resultCode\":200,\"requestId\":\"" + id
              + "\"}").encode()));
          answered.incrementAndGet();
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, f -> { })::feed));
    req.write(Frames.frame(request("ConnectionSetupRequest", "{\"labels\":{\"module\":\"naming\"}}").encode()));
    Poll.until(Duration.ofSeconds(15), "three detections answered", () -> answered.get() >= 3);
    assertEquals(1, connections.size(), "the client that answers keeps its connection");
    assertEquals(1, connections.detectionsFailed.sum());
    live.close();
  }
}

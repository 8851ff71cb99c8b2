package dev.distro.registry.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.Wait;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A gRPC client by hand over a plain Vert.x HTTP/2 client, frame by frame, for the tests. */
final class RawGrpc {

  private RawGrpc() { }

  /** What a unary call answered: the gRPC status and, when there was one, the message. */
  record Answer(int status, Payload payload) {
    JsonNode json() throws Exception {
      return Json.parse(payload.json());
    }
  }

  static Payload request(String type, String json) {
    return request(type, json, Map.of("app", "test"));
  }

  static Payload request(String type, String json, Map<String, String> headers) {
    return new Payload(type, "192.0.2.2", headers, json.getBytes(StandardCharsets.UTF_8));
  }

  static Answer unary(HttpClient via, String path, String contentType, Buffer body) {
    return Wait.on(via.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
            .putHeader("content-type", contentType).putHeader("te", "trailers"))
        .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> {
          String status = resp.getTrailer("grpc-status") != null ? resp.getTrailer("grpc-status")
              : resp.getHeader("grpc-status");
          Payload[] p = new Payload[1];
          if (!"application/grpc".equals(resp.getHeader("content-type"))) {
            return new Answer(resp.statusCode(), null);
          }
          new Frames.Deframer(1 << 20, m -> {
            try {
              p[0] = Payload.decode(m);
            } catch (Payload.Malformed e) {
              throw new AssertionError(e);
            }
          }, f -> {
            throw new AssertionError(f.message());
          }).feed(b);
          return new Answer(status == null ? resp.statusCode() : Integer.parseInt(status), p[0]);
        }))));
  }

  static Answer unary(HttpClient via, Payload p) {
    return unary(via, GrpcServerVerticle.UNARY, "application/grpc", Frames.frame(p.encode()));
  }

  /** Opens the bi-stream and sends a ConnectionSetupRequest; collects what the server sends on it. */
  static List<Payload> setUp(HttpClient via, boolean abilityTable) {
    return setUp(via, abilityTable, "naming");
  }

  static List<Payload> setUp(HttpClient via, boolean abilityTable, String module) {
    return setUp(via, abilityTable, module, false);
  }

  /** Sets up a bi-stream; with {@code acking}, answers every push with resultCode 200 as the SDK does. */
  static List<Payload> setUp(HttpClient via, boolean abilityTable, String module, boolean acking) {
    List<Payload> received = new CopyOnWriteArrayList<>();
    HttpClientRequest req = Wait.on(via.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setURI(GrpcServerVerticle.BI_STREAM).putHeader("content-type", "application/grpc")));
    req.response().onSuccess(resp -> {
      Frames.Deframer d = new Frames.Deframer(1 << 20, m -> {
        Payload p;
        try {
          p = Payload.decode(m);
        } catch (Payload.Malformed e) {
          throw new AssertionError(e);
        }
        received.add(p);
        if (acking && p.type().equals("NotifySubscriberRequest")) {
          String id;
          try {
            id = Json.parse(p.json()).path("requestId").asText();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          resp.request().write(Frames.frame(request("NotifySubscriberResponse",
              "{\"resultCode\":200,\"errorCode\":0,\"requestId\":\"" + id + "\"}").encode()));
        }
      }, f -> { });
      resp.handler(d::feed);
    });
    String json = "{\"headers\":{},\"clientVersion\":\"Nacos-Java-Client:v2.5.1\",\"labels\":{\"source\":\"sdk\","
        + "\"module\":\"" + module + "\"}" + (abilityTable ? ",\"abilityTable\":{}" : "") + ",\"module\":\"internal\"}";
    req.write(Frames.frame(request("ConnectionSetupRequest", json).encode()));
    return received;
  }
}

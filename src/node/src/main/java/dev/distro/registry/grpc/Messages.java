package dev.distro.registry.grpc;

import dev.distro.registry.support.JsonWriter;
import java.nio.charset.StandardCharsets;

/**
 * The JSON bodies of the protocol's own messages (handshake, health, errors), as a Nacos server
 * writes them. Fields a client derives ({@code success}) are written too, as Nacos's Jackson does.
 */
final class Messages {

  /** Nacos error codes (NacosException) a client acts on. */
  static final int SERVER_NOT_STARTED = 300;
  static final int UN_REGISTER = 301;
  static final int NO_HANDLER = 302;
  static final int INVALID_PARAM = 400;
  static final int NO_RIGHT = 403;
  static final int SERVER_ERROR = 500;

  private Messages() { }

  static Payload serverCheck(String connectionId) {
    return payload("ServerCheckResponse", new JsonWriter().beginObject().field("resultCode", 200).field("errorCode", 0)
        .field("connectionId", connectionId).field("supportAbilityNegotiation", true).field("success", true)
        .endObject());
  }

  static Payload ok(String type) {
    return payload(type, new JsonWriter().beginObject().field("resultCode", 200).field("errorCode", 0)
        .field("success", true).endObject());
  }

  static Payload error(int errorCode, String message) {
    return payload("ErrorResponse", new JsonWriter().beginObject().field("resultCode", 500)
        .field("errorCode", errorCode).field("message", message).field("success", false).endObject());
  }

  /** Pushed once the connection is registered, to a client that sent an ability table; nothing advertised. */
  static Payload setupAck() {
    return payload("SetupAckRequest", new JsonWriter().beginObject().name("headers").beginObject().endObject()
        .name("abilityTable").beginObject().endObject().field("module", "internal").endObject());
  }

  static Payload clientDetection(String requestId) {
    return payload("ClientDetectionRequest", new JsonWriter().beginObject().name("headers").beginObject().endObject()
        .field("requestId", requestId).field("module", "internal").endObject());
  }

  /** Asks the client to move: with no server named, it takes the next one from its own list. */
  static Payload connectReset(String requestId) {
    return payload("ConnectResetRequest", new JsonWriter().beginObject().name("headers").beginObject().endObject()
        .field("requestId", requestId).field("module", "internal").endObject());
  }

  static Payload payload(String type, JsonWriter json) {
    return Payload.of(type, json.toString().getBytes(StandardCharsets.UTF_8));
  }
}

package dev.distro.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PayloadTest {

  static final String JSON = "{\"headers\":{},\"namespace\":\"public\",\"serviceName\":\"orders\"}";

  static Buffer hex(String h) {
    return Buffer.buffer(HexFormat.of().parseHex(h.replace(" ", "")));
  }

  static String hexOf(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The layout of a real nacos-client 2.5.1 InstanceRequest (reference, section 7). */
  @Test
  void decodesTheRealClientsLayout() throws Exception {
    byte[] json = JSON.getBytes(StandardCharsets.UTF_8);
    String meta = "1a0f" + hexOf("InstanceRequest") + "3a0b" + "0a03" + hexOf("app") + "1204" + hexOf("demo")
        + "4209" + hexOf("192.0.2.2");
    String any = "12" + String.format("%02x", json.length) + HexFormat.of().formatHex(json);
    Buffer wire = hex("12" + String.format("%02x", meta.length() / 2) + meta
        + "1a" + String.format("%02x", any.length() / 2) + any);
    Payload p = Payload.decode(wire);
    assertEquals("InstanceRequest", p.type());
    assertEquals("192.0.2.2", p.clientIp());
    assertEquals(Map.of("app", "demo"), p.headers());
    assertEquals(JSON, p.jsonText());
  }

  @Test
  void roundTrip_withHeadersAndALongBody() throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("app", "orders");
    headers.put("accessToken", "t".repeat(300));
    byte[] json = ("{\"x\":\"" + "é".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    Payload p = Payload.decode(new Payload("SubscribeServiceRequest", "10.1.2.3", headers, json).encode());
    assertEquals("SubscribeServiceRequest", p.type());
    assertEquals("10.1.2.3", p.clientIp());
    assertEquals(headers, p.headers());
    assertArrayEquals(json, p.json());
  }

  @Test
  void fieldsInAnyOrder_unknownFieldsOfEveryWireTypeSkipped_lastScalarWins() throws Exception {
    String body = "1a" + String.format("%02x", 2 + 2) + "12" + "02" + hexOf("{}"); // body: Any{value="{}"}
    String type1 = "1a01" + hexOf("A");
    String type2 = "1a01" + hexOf("B");
    String unknownMeta = "08" + "96 01" + "11" + "0102030405060708" + "1d" + "01020304" + "2a02" + "ffff";
    String meta = type1 + unknownMeta + type2;
    Buffer wire = hex(body + "20" + "01" + "12" + String.format("%02x", meta.replace(" ", "").length() / 2) + meta
        + "29" + "0000000000000000");
    Payload p = Payload.decode(wire);
    assertEquals("B", p.type());
    assertEquals("{}", p.jsonText());
  }

  @Test
  void emptyMessage_isAnEmptyPayload() throws Exception {
    Payload p = Payload.decode(Buffer.buffer());
    assertEquals("", p.type());
    assertEquals(0, p.json().length);
  }

  @Test
  void malformedInput_isMalformed() {
    for (String bad : new String[] {"12", "1205", "12ff", "ffffffffffffffffffff01", "0b", "1a8080808080808080808001",
        "120a1a08", "13", "1c"}) {
      assertThrows(Payload.Malformed.class, () -> Payload.decode(hex(bad)), bad);
    }
  }

  @Test
  void tooManyHeaders_isMalformed() {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i <= Payload.MAX_HEADERS; i++) {
      headers.put("h" + i, "v");
    }
    Buffer wire = new Payload("X", "", headers, new byte[0]).encode();
    assertThrows(Payload.Malformed.class, () -> Payload.decode(wire));
  }

  @Property(tries = 3000)
  void anyBytes_decodeOrAreMalformed_neverAnotherException(@ForAll byte[] bytes) {
    try {
      Payload.decode(Buffer.buffer(bytes));
    } catch (Payload.Malformed expected) {
      // refused cleanly
    }
  }
}

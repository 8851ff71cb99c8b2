package dev.distro.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcWireTest {

  @Test
  void aFramedRequest_cutAnywhere_decodesToItsTypeAndJson() {
    JsonObject json = new JsonObject().put("serviceName", "orders").put("note", "ünïcode");
    Buffer framed = GrpcWire.frame("InstanceRequest", json).appendBuffer(GrpcWire.frame("HealthCheckRequest",
        new JsonObject()));
    for (int cut = 1; cut < framed.length(); cut++) {
      List<GrpcWire.Message> out = new ArrayList<>();
      GrpcWire.Deframer d = new GrpcWire.Deframer(m -> out.add(GrpcWire.decode(m)));
      d.feed(framed.getBuffer(0, cut));
      d.feed(framed.getBuffer(cut, framed.length()));
      assertEquals(2, out.size(), "cut at " + cut);
      assertEquals("InstanceRequest", out.get(0).type());
      assertEquals(json, out.get(0).json());
      assertEquals("HealthCheckRequest", out.get(1).type());
    }
  }

  @Test
  void decode_skipsUnknownFieldsOfEveryWireType_andTakesFieldsInAnyOrder() {
    Buffer body = Buffer.buffer();
    // Any{type_url = 1 (ignored), value = 2}
    Buffer any = Buffer.buffer().appendByte((byte) 0x0a).appendByte((byte) 1).appendString("x")
        .appendByte((byte) 0x12).appendByte((byte) 7).appendString("{\"a\":1}");
    body.appendByte((byte) 0x1a).appendByte((byte) any.length()).appendBuffer(any); // body before metadata
    body.appendByte((byte) 0x48).appendByte((byte) 0x96).appendByte((byte) 0x01); // field 9 varint
    body.appendByte((byte) 0x51).appendLong(7); // field 10 fixed64
    body.appendByte((byte) 0x5d).appendInt(7); // field 11 fixed32
    Buffer meta = Buffer.buffer().appendByte((byte) 0x42).appendByte((byte) 3).appendString("1.2")
        .appendByte((byte) 0x1a).appendByte((byte) 11).appendString("SomeRequest");
    body.appendByte((byte) 0x12).appendByte((byte) meta.length()).appendBuffer(meta);
    GrpcWire.Message m = GrpcWire.decode(body);
    assertEquals("SomeRequest", m.type());
    assertEquals(new JsonObject().put("a", 1), m.json());
  }

  @Test
  void decode_refusesALengthBeyondTheMessage() {
    Buffer bad = Buffer.buffer().appendByte((byte) 0x12).appendByte((byte) 40).appendString("short");
    assertThrows(IllegalArgumentException.class, () -> GrpcWire.decode(bad));
  }
}

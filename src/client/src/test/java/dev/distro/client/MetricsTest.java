package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With Micrometer present, a client's meters go to the registry it is given and leave it on close. */
class MetricsTest {

  @Test
  void metersBoundToTheGivenRegistry_andRemovedOnClose() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WatchClient client = WatchClient.create(new WatchClientOptions().setNodes(List.of("127.0.0.1:1"))
        .setMeterRegistry(registry));
    try {
      assertNotNull(registry.find("distro.watch.client.connected").gauge());
      assertEquals(0.0, registry.find("distro.watch.client.connected").gauge().value());
      assertEquals(0.0, registry.find("distro.watch.client.reconnects").functionCounter().count());
      assertNotNull(registry.find("distro.watch.client.instances").gauge());
    } finally {
      client.close();
    }
    assertTrue(registry.getMeters().isEmpty(), registry.getMeters().toString());
  }
}

package dev.distro.registry.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import dev.distro.registry.push.UdpPushVerticle;
import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Nacos 1.x client connected to node B sees, through UDP push, a registration made on
 * node A well within a second, not at its 10 s poll.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NacosClientPushTest {

  @Test
  void subscribeListener_firesWithin1s_ofAChangeMadeThroughAnotherNode(@TempDir Path cache) throws Exception {
    System.setProperty("JM.SNAPSHOT.PATH", cache.toString());
    System.setProperty("com.alibaba.nacos.naming.cache.dir", cache.resolve("naming").toString());
    System.setProperty("com.alibaba.nacos.client.naming.local.ip", "127.0.0.1");
    try (TestCluster cluster = TestCluster.started(3, Map.of())) {
      String a = cluster.address(0);
      String b = cluster.address(1);
      Properties p = new Properties();
      p.setProperty("serverAddr", b);
      NamingService naming = NamingFactory.createNamingService(p);
      try {
        AtomicLong seenAt = new AtomicLong();
        naming.subscribe("pushed", event -> {
          if (((NamingEvent) event).getInstances().stream().anyMatch(i -> i.getIp().equals("10.3.3.3"))) {
            seenAt.compareAndSet(0, System.nanoTime());
          }
        });
        UdpPushVerticle push = (UdpPushVerticle) cluster.node(b).push();
        Poll.until(Duration.ofSeconds(10), "the client registered for push on B", () -> push.targets() > 0);
        long t0 = System.nanoTime();
        cluster.api(a).post("/nacos/v1/ns/instance", "serviceName", "pushed", "ip", "10.3.3.3", "port", "80");
        Poll.until(Duration.ofSeconds(5), "the listener fired", () -> seenAt.get() != 0);
        long ms = TimeUnit.NANOSECONDS.toMillis(seenAt.get() - t0);
        System.out.printf("UDP push: listener fired %d ms after the write on another node%n", ms);
        assertTrue(ms < 1000, "listener fired after " + ms + " ms");
        Poll.until(Duration.ofSeconds(5), "the push was acknowledged",
            () -> cluster.node(b).metrics().udpPushAcked.sum() > 0);
      } finally {
        naming.shutDown();
      }
    }
  }
}

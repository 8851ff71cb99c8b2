package dev.distro.registry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.testing.FakeDnsServer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The DNS lookup against an in-process fake DNS server on a free UDP port. */
@ExtendWith(VertxExtension.class)
class DnsMemberLookupTest {

  static final String NAME = "registry-headless.default.svc.cluster.local";

  Vertx vertx;
  FakeDnsServer dns;
  DnsMemberLookup lookup;

  @BeforeEach
  void startDns(Vertx vertx) throws Exception {
    this.vertx = vertx;
    dns = new FakeDnsServer(vertx)
        .name(NAME, "10.0.0.2", "10.0.0.1", "10.0.0.2")
        .name("v6only.example", "fd00::1", "fd00:0:0:0:0:0:0:2")
        .name("dual.example", "10.0.0.7", "fd00::7")
        .name("empty.example")
        .start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (lookup != null) {
      lookup.close();
    }
    dns.close().await(10, TimeUnit.SECONDS);
  }

  NodeConfig config(String name, String... extra) throws Exception {
    Map<String, String> settings = new HashMap<>(Map.of("dns-name", name, "dns-server", "127.0.0.1:" + dns.port(),
        "cluster-secret", "0123456789abcdef", "port", "8848"));
    for (int i = 0; i < extra.length; i += 2) {
      settings.put(extra[i], extra[i + 1]);
    }
    return NodeConfig.of(settings);
  }

  DnsMemberLookup lookupOf(String name, String... extra) throws Exception {
    lookup = new DnsMemberLookup(vertx, config(name, extra));
    return lookup;
  }

  static Throwable failureOf(Future<?> f) throws Exception {
    AsyncResult<?> ar = f.transform(r -> Future.succeededFuture((AsyncResult<?>) r)).await(10, TimeUnit.SECONDS);
    assertTrue(ar.failed(), () -> "expected a failure, got " + ar.result());
    return ar.cause();
  }

  @Test
  void aRecordsOnly_giveSortedDistinctMembers() throws Exception {
    assertEquals(List.of("10.0.0.1:8848", "10.0.0.2:8848"), lookupOf(NAME).lookup().await(10, TimeUnit.SECONDS));
    assertTrue(dns.questions().containsAll(List.of("A " + NAME, "AAAA " + NAME)), dns.questions().toString());
  }

  @Test
  void membersUseThisNodesClientPort() throws Exception {
    assertEquals(List.of("10.0.0.1:9000", "10.0.0.2:9000"),
        lookupOf(NAME, "port", "9000").lookup().await(10, TimeUnit.SECONDS));
  }

  @Test
  void aaaaRecordsOnly_giveBracketedCanonicalMembers() throws Exception {
    assertEquals(List.of("[fd00::1]:8848", "[fd00::2]:8848"),
        lookupOf("v6only.example").lookup().await(10, TimeUnit.SECONDS));
  }

  @Test
  void dualStack_takesTheFamilyOfThisNodesHost() throws Exception {
    assertEquals(List.of("10.0.0.7:8848"),
        lookupOf("dual.example", "host", "10.0.0.9").lookup().await(10, TimeUnit.SECONDS));
    lookup.close();
    assertEquals(List.of("[fd00::7]:8848"),
        lookupOf("dual.example", "host", "fd00::9").lookup().await(10, TimeUnit.SECONDS));
  }

  @Test
  void unknownName_failsClearly() throws Exception {
    String m = failureOf(lookupOf("nobody.example").lookup()).getMessage();
    assertTrue(m.contains("nobody.example") && m.contains("NXDOMAIN") && m.contains("no members"), m);
  }

  @Test
  void nameWithoutRecords_fails() throws Exception {
    String m = failureOf(lookupOf("empty.example").lookup()).getMessage();
    assertTrue(m.contains("empty.example") && m.contains("no records"), m);
  }

  @Test
  void dnsServerMustBeAnIpAddress() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DnsMemberLookup(vertx, config(NAME, "dns-server", "kube-dns.kube-system:53")));
    assertTrue(e.getMessage().contains("kube-dns.kube-system:53"), e.getMessage());
  }
}

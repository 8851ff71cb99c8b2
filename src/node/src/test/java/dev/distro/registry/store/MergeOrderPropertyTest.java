package dev.distro.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.FakeClock;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Replicas that receive the same peer entries (syncs from members that are not the owner: no
 * ownership facts, no client heard here) in any order and with any duplication end in the same
 * state: the same instances, field for field, and the same remembered deletes.
 *
 * <p>Except one shape, a known limitation (docs/ARCHITECTURE.md): a delete D, a healthy copy P and
 * an unhealthy mark M of the same instance with versions D &lt; P &lt; M. D loses to P, P to M, and
 * M to D (a delete beats a mark made without hearing the client), so the result depends on which
 * of them met. The property is stated as "replicas differ only on histories holding that shape";
 * the sync fuzzer's input of it is replayed below and pinned as order-dependent, so that mending it
 * turns that test red and into a regression row.
 */
class MergeOrderPropertyTest {

  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "svc");
  static final long T0 = 1_700_000_000_000L;

  enum Op { PUT_HEALTHY, PUT_UNHEALTHY, DELETE }

  /** One entry from a peer: instance {@code ip} (of two), written at {@code T0 + ms}; weight varies content. */
  record Entry(int ip, Op op, int ms, int weight) {

    long version() {
      return Versions.versionAt(T0 + ms);
    }

    String address() {
      return "10.0.0." + ip;
    }

    String localId() {
      return Instance.localId(address(), 80, "DEFAULT");
    }
  }

  /**
   * Histories of one or two instances; distinct writes to an instance carry distinct versions (a
   * hybrid clock's: two members stamping the very same version for different writes is outside).
   */
  @Provide
  Arbitrary<List<Entry>> histories() {
    Arbitrary<Entry> entry = Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.of(Op.class),
        Arbitraries.integers().between(1, 40), Arbitraries.integers().between(1, 3)).as(Entry::new);
    return entry.list().ofMinSize(1).ofMaxSize(8).uniqueElements(e -> e.ip + ":" + e.ms);
  }

  @Property(tries = 3000)
  void replicas_endAlike_inAnyOrderAndDuplication_butForTheKnownShape(
      @ForAll("histories") List<Entry> entries, @ForAll Random random) {
    boolean known = hasKnownOrderDependentShape(entries);
    Statistics.collect(known ? "known order-dependent shape" : "claimed order-independent");
    if (known) {
      return;
    }
    String expected = replay(entries);
    List<Entry> reversed = new ArrayList<>(entries);
    Collections.reverse(reversed);
    assertEquals(expected, replay(reversed), "reversed: " + reversed);
    for (int round = 0; round < 4; round++) {
      List<Entry> delivery = new ArrayList<>();
      for (Entry e : entries) {
        for (int copies = 1 + random.nextInt(3); copies > 0; copies--) {
          delivery.add(e);
        }
      }
      Collections.shuffle(delivery, random);
      assertEquals(expected, replay(delivery), "delivered as " + delivery);
    }
  }

  /** A delete, a healthy copy and an unhealthy mark of one instance with versions D < P < M. */
  static boolean hasKnownOrderDependentShape(List<Entry> entries) {
    for (Entry d : entries) {
      for (Entry p : entries) {
        for (Entry m : entries) {
          if (d.op == Op.DELETE && p.op == Op.PUT_HEALTHY && m.op == Op.PUT_UNHEALTHY
              && d.ip == p.ip && p.ip == m.ip && d.ms < p.ms && p.ms < m.ms) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Applies the entries to a fresh replica and describes what it ends with. */
  static String replay(List<Entry> delivery) {
    FakeClock clock = new FakeClock();
    RegistryStore store = new RegistryStore(clock);
    for (Entry e : delivery) {
      switch (e.op) {
        case PUT_HEALTHY, PUT_UNHEALTHY -> store.applyRemote(new Instance(SVC, "DEFAULT", e.address(), 80, e.weight, e.op
            == Op.PUT_HEALTHY, true, true, Map.of(), e.version()), Reason.SYNC);
        case DELETE -> store.applyRemoteDelete(SVC, e.localId(), e.version(), Reason.SYNC);
        default -> throw new IllegalStateException();
      }
    }
    return state(store);
  }

  static String state(RegistryStore store) {
    Map<String, String> out = new TreeMap<>();
    ServiceEntry entry = store.service(SVC);
    if (entry != null) {
      for (Registration r : entry.registrations()) {
        Instance i = r.instance();
        out.put(i.globalKey(), "healthy=" + i.healthy() + " weight=" + i.weight() + " v=" + i.version());
      }
    }
    store.tombstones().forEach((k, t) -> out.merge(k, "deleted at v=" + t.version(), (a, b) -> a + ", " + b));
    return out.toString();
  }

  // ---- the sync fuzzer's finding ----

  /**
   * Known limitation, not a success: the sync fuzzer's three entries (a healthy put A, an older
   * delete D, a newer unhealthy mark B) end as B in the order A, D, B and deleted in A, B, D.
   * This pins today's behaviour so that a fix shows here; then assert equality instead.
   */
  @Example
  void knownLimitation_fuzzerFinding_deleteVersusUnhealthyMark_dependsOnArrivalOrder() throws Exception {
    JsonNode body;
    try (InputStream in = getClass().getResourceAsStream(
        "/dev/distro/registry/distro/findings/order-dependent-delete-vs-unhealthy-mark.json")) {
      body = Json.parse(in.readAllBytes());
    }
    JsonNode a = body.get("entries").get(0);
    JsonNode d = body.get("entries").get(1);
    JsonNode b = body.get("entries").get(2);
    String adb = replayFinding(a, d, b);
    String abd = replayFinding(a, b, d);
    assertTrue(adb.contains("healthy=false"), adb);
    assertTrue(abd.contains("deleted"), abd);
    assertNotEquals(adb, abd, "order-dependent today (docs/ARCHITECTURE.md, known limitations)");
  }

  static String replayFinding(JsonNode... entries) {
    FakeClock clock = new FakeClock();
    RegistryStore store = new RegistryStore(clock);
    for (JsonNode n : entries) {
      SyncCodec.Tally out = new SyncCodec.Tally();
      SyncCodec.apply(store, n, Reason.SYNC, out);
      assertEquals(0, out.rejected, "entry accepted: " + n);
    }
    Map<String, String> out = new TreeMap<>();
    for (ServiceEntry e : store.services()) {
      e.registrations().forEach(r -> out.put(r.instance().globalKey(), "healthy=" + r.instance().healthy()));
    }
    store.tombstones().forEach((k, t) -> out.put(k, "deleted"));
    return out.toString();
  }
}

package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.distro.registry.config.NodeConfig;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.testing.FakeClock;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Entries every member must accept (findings of the fuzz tests). */
class SyncCodecTest {

  final FakeClock clock = new FakeClock();

  SyncCodec.Tally apply(RegistryStore store, Instance i) throws Exception {
    StringBuilder sb = new StringBuilder();
    SyncCodec.writePut(new JsonWriter(sb), i);
    SyncCodec.Tally out = new SyncCodec.Tally();
    SyncCodec.apply(store, Json.parse(sb.toString().getBytes(StandardCharsets.UTF_8)), Reason.SYNC, out);
    return out;
  }

  @Test
  void serviceName_asLongAsAnyNodeMayAccept_replicates() throws Exception {
    // ParamsFuzzTest's finding: with --max-service-name-length=4096 (the largest allowed) a client
    // could register a 1,025-character name that every peer then rejected, so it never replicated
    String name = "s".repeat(NodeConfig.MAX_SERVICE_NAME_LENGTH);
    RegistryStore peer = new RegistryStore(clock);
    Instance i = new Instance(new ServiceKey("public", "DEFAULT_GROUP", name), "DEFAULT", "10.0.0.1", 80, 1.0,
        true, true, true, Map.of(), peer.versions().next());
    assertEquals(1, apply(peer, i).applied);
    assertNotNull(peer.find(i.service(), i.localId()));
  }

  @Test
  void serviceDelete_deliveredTwice_changesNothingTheSecondTime() throws Exception {
    // SyncCodecFuzzTest's finding: a service that still has instances keeps them and has its
    // settings reset by a peer's delete; the same delete again (a retried batch) reset them again,
    // a new revision and a change event each time
    RegistryStore peer = new RegistryStore(clock);
    ServiceKey svc = new ServiceKey("public", "G", "svc");
    Instance i = new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1.0, true, true, true, Map.of(), peer.versions().next());
    assertEquals(1, apply(peer, i).applied);
    StringBuilder sb = new StringBuilder();
    SyncCodec.writeServiceDel(new JsonWriter(sb), svc, peer.versions().next());
    byte[] delete = sb.toString().getBytes(StandardCharsets.UTF_8);
    SyncCodec.Tally first = new SyncCodec.Tally();
    SyncCodec.apply(peer, Json.parse(delete), Reason.SYNC, first);
    assertEquals(1, first.applied);
    long revision = peer.revision();
    SyncCodec.Tally again = new SyncCodec.Tally();
    SyncCodec.apply(peer, Json.parse(delete), Reason.SYNC, again);
    assertEquals(1, again.stale, "already applied");
    assertEquals(revision, peer.revision(), "no new revision");
  }

  @Test
  void serviceName_longerThanAnyNodeAccepts_isRejected() throws Exception {
    RegistryStore peer = new RegistryStore(clock);
    Instance i = new Instance(new ServiceKey("public", "DEFAULT_GROUP", "s".repeat(NodeConfig.MAX_SERVICE_NAME_LENGTH + 1)),
        "DEFAULT", "10.0.0.1", 80, 1.0, true, true, true, Map.of(), peer.versions().next());
    assertEquals(1, apply(peer, i).rejected);
  }

  @Test
  void theHolderOfAConnectionHeldInstance_travels_andAMalformedOneIsRefused() throws Exception {
    RegistryStore peer = new RegistryStore(clock);
    ServiceKey svc = new ServiceKey("public", "G", "held");
    Instance i = new Instance(svc, "DEFAULT", "10.0.0.1", 80, 1.0, true, true, true, Map.of(), peer.versions().next(),
        Instance.holder("10.1.0.1:8848", "1700000000000_10.0.0.9_5000"));
    assertEquals(1, apply(peer, i).applied);
    assertEquals("10.1.0.1:8848/1700000000000_10.0.0.9_5000", peer.find(svc, i.localId()).instance().holder());
    assertEquals("10.1.0.1:8848", peer.find(svc, i.localId()).instance().holderNode());
    for (String bad : new String[] {"no-slash", "/conn", "node/", "node/with space", "x".repeat(Instance.MAX_HOLDER)
        + "/c"}) {
      Instance b = new Instance(svc, "DEFAULT", "10.0.0.2", 80, 1.0, true, true, true, Map.of(),
          peer.versions().next(), bad);
      assertEquals(1, apply(peer, b).rejected, bad);
      assertNull(peer.find(svc, b.localId()), bad);
    }
  }
}

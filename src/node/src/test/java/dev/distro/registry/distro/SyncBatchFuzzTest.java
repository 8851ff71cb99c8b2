package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.Json;
import dev.distro.registry.testing.FakeClock;
import java.io.IOException;
import java.util.TreeMap;

/**
 * Fuzzes the sync endpoint's streamed reading of its body ({@link SyncBatch}) against the tree it
 * replaced, which {@link SyncCodecFuzzTest} fuzzes on its own. A class of its own: Jazzer fuzzes
 * one test per JVM, and the build gives each fuzz test class its own.
 *
 * <p>Seeds: {@code src/test/resources/dev/distro/registry/distro/SyncBatchFuzzTestInputs/streamedSameAsTree/}.
 */
class SyncBatchFuzzTest {

  /**
   * The sync endpoint reads its body from the stream ({@link SyncBatch}) instead of as a tree: on
   * any bytes, both readings agree on whether the body is JSON with an object root, on the sender
   * and the entries, and applying either entry by entry counts the same and leaves the same store.
   */
  @FuzzTest(maxDuration = "5s")
  void streamedSameAsTree(byte[] body) {
    JsonNode tree;
    try {
      tree = Json.parse(body);
    } catch (IOException e) {
      tree = null;
    }
    SyncBatch streamed;
    boolean streamFailed = false;
    try {
      streamed = SyncBatch.read(body);
    } catch (IOException e) {
      streamed = null;
      streamFailed = true;
    }
    boolean treeObject = tree != null && tree.isObject();
    if (streamFailed || streamed == null) {
      // the peer API answers 400 either way: bytes that are not JSON, or a root that is not an object
      assertTrue(!treeObject, "the tree read an object the stream refused");
      if (streamFailed) {
        assertTrue(tree == null, "the stream failed on JSON the tree read");
      }
      return;
    }
    assertTrue(treeObject, "the stream read an object the tree did not");
    assertEquals(tree.path("from").asText(""), streamed.from());
    JsonNode entries = tree.get("entries");
    if (entries == null || !entries.isArray()) {
      assertTrue(streamed.entries() == null, "entries where the tree has none");
      return;
    }
    assertNotNull(streamed.entries(), "no entries where the tree has some");
    assertEquals(entries.size(), streamed.entries().size());
    FakeClock clock = new FakeClock();
    RegistryStore byTree = new RegistryStore(clock);
    RegistryStore byStream = new RegistryStore(clock);
    SyncCodec.Tally treeOut = new SyncCodec.Tally();
    SyncCodec.Tally streamOut = new SyncCodec.Tally();
    for (int i = 0; i < entries.size(); i++) {
      SyncCodec.apply(byTree, entries.get(i), Reason.SYNC, treeOut);
      SyncCodec.apply(byStream, streamed.entries().get(i), Reason.SYNC, streamOut, SyncCodec.OwnerFacts.NONE);
    }
    assertEquals(treeOut.applied, streamOut.applied, "applied");
    assertEquals(treeOut.stale, streamOut.stale, "stale");
    assertArrayEquals(treeOut.byReason, streamOut.byReason, "rejections by reason");
    assertArrayEquals(treeOut.detail, streamOut.detail, "rejection details");
    assertEquals(contents(byTree), contents(byStream));
  }

  /** What a store holds: every instance (with its version) and service, in a stable order. */
  static String contents(RegistryStore store) {
    TreeMap<String, String> all = new TreeMap<>();
    for (ServiceEntry s : store.services()) {
      all.put(s.key().toString(), s.meta().toString());
      for (Registration r : s.registrations()) {
        Instance i = r.instance();
        all.put(i.globalKey(), i + "@" + i.version());
      }
    }
    all.put("tombstones", new TreeMap<>(store.tombstones()).toString());
    return all.toString();
  }
}

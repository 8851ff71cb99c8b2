package dev.distro.registry.distro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Registration;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.testing.FakeClock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes what a peer sends: the body of {@code POST /distro/sync} (and a repair's entries), parsed
 * as the peer API parses it and applied entry by entry with {@link SyncCodec#apply}. A body that
 * does not parse is the one declared bad input (an {@link IOException}, answered 400); an entry
 * that does not check out is counted as rejected; nothing else may come out. Every entry is
 * accounted for once (applied, stale or rejected); an entry delivered again at once is stale; what
 * was applied is valid and encodes to an entry that applies on another peer unchanged; and the work
 * is bounded by the input: the thread allocates at most a fixed multiple of the body's size.
 *
 * <p>Seeds: {@code src/test/resources/dev/distro/registry/distro/SyncCodecFuzzTestInputs/syncBody/}.
 */
class SyncCodecFuzzTest {

  /**
   * Parsing, the tree and the copies in the store: about 40 bytes per body byte when warm (the
   * seeds), so this is generous per byte, but linear in the body.
   */
  static final long BYTES_PER_INPUT_BYTE = 400;
  static final long FIXED_BYTES = 1024 * 1024;
  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @FuzzTest(maxDuration = "5s")
  void syncBody(byte[] body) throws IOException {
    long bound = FIXED_BYTES + BYTES_PER_INPUT_BYTE * body.length;
    long allocated = allocatedApplying(body);
    if (allocated > bound) {
      // the first run down a new path also pays for loading its classes: only a repeat counts
      allocated = allocatedApplying(body);
    }
    long twice = allocated;
    assertTrue(twice <= bound, () -> "a " + body.length + "-byte body allocated " + twice + " bytes");
  }

  /** Parses and applies {@code body} as the peer API does, checks the outcome; the bytes this thread allocated. */
  static long allocatedApplying(byte[] body) throws IOException {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    JsonNode parsed;
    try {
      parsed = Json.parse(body);
    } catch (IOException e) {
      return THREADS.getCurrentThreadAllocatedBytes() - before; // the declared bad input: 400
    }
    if (parsed == null || !parsed.path("entries").isArray()) {
      return THREADS.getCurrentThreadAllocatedBytes() - before; // 400 "entries missing"
    }
    JsonNode entries = parsed.get("entries");
    RegistryStore store = new RegistryStore(new FakeClock());
    SyncCodec.Tally out = new SyncCodec.Tally();
    // the entries as a sync (from a member that owns nothing here), then as a repair from the owner
    SyncCodec.OwnerFacts owner = new SyncCodec.OwnerFacts() {
      @Override
      public boolean senderOwns(dev.distro.registry.model.Instance i) {
        return true;
      }
    };
    SyncCodec.Tally twice = new SyncCodec.Tally();
    for (JsonNode e : entries) {
      SyncCodec.apply(store, e, Reason.SYNC, out);
      SyncCodec.apply(store, e, Reason.SYNC, twice); // the same entry at once again: never applied twice
    }
    assertEquals(0, twice.applied, "an entry delivered twice in a row applied twice");
    // the same entries as a repair from their owner
    for (JsonNode e : entries) {
      SyncCodec.apply(store, e, Reason.REPAIR, out, owner);
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertEquals(2L * entries.size(), (long) out.applied + out.stale + out.rejected, "every entry counted once");
    for (ServiceEntry s : store.services()) {
      for (Registration r : s.registrations()) {
        Instance i = r.instance();
        assertTrue(i.port() >= 1 && i.port() <= 65535 && i.version() > 0 && i.weight() >= 0 && i.weight() <= 10_000,
            () -> "applied an invalid instance: " + i);
        reappliesUnchanged(i);
      }
    }
    return allocated;
  }

  /** A stored instance, encoded as this node would send it, applies on another peer unchanged. */
  static void reappliesUnchanged(Instance i) throws IOException {
    RegistryStore other = new RegistryStore(new FakeClock());
    StringBuilder sb = new StringBuilder();
    SyncCodec.writePut(new JsonWriter(sb), i);
    SyncCodec.Tally out = new SyncCodec.Tally();
    SyncCodec.apply(other, Json.parse(sb.toString().getBytes(StandardCharsets.UTF_8)), Reason.SYNC, out);
    assertEquals(1, out.applied, () -> "re-encoded entry not applied: " + sb);
    Instance copy = other.find(i.service(), i.localId()).instance();
    assertTrue(copy.sameContent(i) && copy.version() == i.version(), () -> i + " became " + copy);
  }
}

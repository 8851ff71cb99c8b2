package dev.distro.registry.distro;

import static dev.distro.registry.distro.HandlerFixture.PEER;
import static dev.distro.registry.distro.HandlerFixture.SELF;
import static dev.distro.registry.distro.HandlerFixture.await;
import static dev.distro.registry.distro.HandlerFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Member;
import dev.distro.registry.model.Instance;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Verify, repair, digest, ping and snapshot on parsed input, without a socket: what each answers
 * and what it changes in the store. The same handlers behind the peer port are covered over HTTP
 * by DistroClusterTest, PartitionRulesTest, PeerRejectionTest and DigestEndpointTest.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolHandlersTest {

  final HandlerFixture f;
  final SyncHandler sync;
  final VerifyHandler verify;
  final RepairHandler repair;
  final DigestHandler digests;

  ProtocolHandlersTest() throws Exception {
    f = new HandlerFixture();
    sync = f.sync();
    verify = f.verify();
    repair = f.repair();
    digests = f.digests();
  }

  @AfterEach
  void close() {
    f.close();
  }

  /** Applies a replica of {@code i} as the peer's sync would. */
  void replicate(Instance i) {
    JsonWriter w = new JsonWriter().beginArray();
    SyncCodec.writePut(w, i);
    sync.apply(json(w.endArray().toString()), PEER);
  }

  static String zeros() {
    JsonWriter w = new JsonWriter().beginArray();
    for (int i = 0; i < Digests.BUCKETS; i++) {
      w.value(0);
    }
    return w.endArray().toString();
  }

  String verifyBody(String from, String buckets) {
    return "{\"from\":\"" + from + "\",\"buckets\":" + buckets + "}";
  }

  @Test
  void verify_answersTheBucketsThatDiffer() {
    long[] empty = Digests.compute(f.store, i -> true);
    JsonWriter w = new JsonWriter().beginArray();
    for (long d : empty) {
      w.value(d);
    }
    String emptyBuckets = w.endArray().toString();
    assertEquals("{\"mismatched\":[]}", await(verify.handle(json(verifyBody(PEER, emptyBuckets)))).json());
    Instance i = f.ownedBy(PEER, 0, f.store.versions().next());
    replicate(i);
    PeerAnswer a = await(verify.handle(json(verifyBody(PEER, emptyBuckets))));
    assertEquals(new PeerAnswer(200, "{\"mismatched\":[" + Digests.bucketOf(i) + "]}"), a);
  }

  @Test
  void verify_refusesBadRequestsAndAnswers503WhenNotUp() {
    String buckets = zeros();
    assertEquals(400, await(verify.handle(json(verifyBody("10.9.9.9:8848", buckets)))).status());
    assertEquals(400, await(verify.handle(json(verifyBody(PEER, "[1,2,3]")))).status());
    assertEquals(400, await(verify.handle(json("{\"from\":\"" + PEER + "\",\"buckets\":" + buckets
        + ",\"ring\":[\"" + SELF + "\"]}"))).status());
    f.cluster.selfState(Member.State.STARTING);
    assertEquals(new PeerAnswer(503, "{\"error\":\"not verifying while STARTING\"}"),
        await(verify.handle(json(verifyBody(PEER, buckets)))));
  }

  String repairBody(long asOf, int bucket, Instance... entries) {
    JsonWriter w = new JsonWriter().beginObject().field("from", PEER).field("asOf", asOf)
        .name("buckets").beginArray().value(bucket).endArray().name("entries").beginArray();
    for (Instance i : entries) {
      SyncCodec.writePut(w, i);
    }
    return w.endArray().endObject().toString();
  }

  @Test
  void repair_dropsASettledCopyTheOwnerDoesNotHold() {
    Instance i = f.ownedBy(PEER, 0, Versions.versionAt(f.clock.millis() - 60_000));
    replicate(i);
    assertNotNull(f.store.find(i.service(), i.localId()));
    long asOf = Versions.versionAt(f.clock.millis());
    JsonNode answer = json(await(repair.handle(json(repairBody(asOf, Digests.bucketOf(i))))).json());
    assertEquals(1, answer.path("removed").asInt());
    assertNull(f.store.find(i.service(), i.localId()));
    assertEquals(1, f.metrics.repairs.sum());
  }

  @Test
  void repair_keepsAYoungCopy() {
    Instance i = f.ownedBy(PEER, 0, f.store.versions().next());
    replicate(i);
    long asOf = Versions.versionAt(f.clock.millis());
    JsonNode answer = json(await(repair.handle(json(repairBody(asOf, Digests.bucketOf(i))))).json());
    assertEquals(0, answer.path("removed").asInt());
    assertNotNull(f.store.find(i.service(), i.localId()));
  }

  @Test
  void repair_answersTheCopiesNewerHere() {
    long old = Versions.versionAt(f.clock.millis() - 60_000);
    Instance newer = f.ownedBy(PEER, 0, Versions.versionAt(f.clock.millis() - 1_000));
    replicate(newer);
    Instance older = new Instance(newer.service(), newer.cluster(), newer.ip(), newer.port(), 2.0, true, true,
        true, newer.metadata(), old);
    JsonNode answer = json(await(repair.handle(json(repairBody(Versions.versionAt(f.clock.millis()),
        Digests.bucketOf(newer), older)))).json());
    assertEquals(1, answer.path("stale").asInt());
    assertEquals(1, answer.path("newer").size());
    assertEquals(newer.version(), answer.path("newer").get(0).path("v").asLong());
  }

  /**
   * A copy newer than the listing that was made after the owner built it ({@code asOf}) is a change
   * on its way (the owner's own, or one in this node's sync queue): not carried back.
   */
  @Test
  void repair_doesNotAnswerCopiesMadeAfterTheListing() {
    long old = Versions.versionAt(f.clock.millis() - 60_000);
    long asOf = Versions.versionAt(f.clock.millis() - 2_000);
    Instance newer = f.ownedBy(PEER, 0, Versions.versionAt(f.clock.millis() - 1_000));
    replicate(newer);
    Instance older = new Instance(newer.service(), newer.cluster(), newer.ip(), newer.port(), 2.0, true, true,
        true, newer.metadata(), old);
    JsonNode answer = json(await(repair.handle(json(repairBody(asOf, Digests.bucketOf(newer), older)))).json());
    assertEquals(1, answer.path("stale").asInt());
    assertTrue(answer.path("newer").isMissingNode(), answer.toString());
    assertNotNull(f.store.find(newer.service(), newer.localId()));
  }

  @Test
  void repair_badRequest_400() {
    assertEquals(new PeerAnswer(400, "{\"error\":\"bad repair request\"}"),
        await(repair.handle(json(repairBody(0, 1)))));
  }

  @Test
  void ping_carriesThisNodesClock() {
    f.clock.stepWall(Duration.ofMinutes(5));
    JsonNode ping = json(digests.ping().json());
    assertEquals(SELF, ping.path("address").asText());
    assertEquals("UP", ping.path("state").asText());
    assertEquals(f.clock.millis(), ping.path("clock").asLong());
  }

  @Test
  void digest_sameContentSameNumber() throws Exception {
    Instance i = f.ownedBy(PEER, 0, f.store.versions().next());
    replicate(i);
    JsonNode mine = json(await(digests.digest()).json());
    assertEquals(1, mine.path("instances").asInt());
    try (HandlerFixture other = new HandlerFixture()) {
      DigestHandler theirs = other.digests();
      assertTrue(!json(await(theirs.digest()).json()).path("digest").asText()
          .equals(mine.path("digest").asText()));
      other.sync().apply(json("[" + line(i) + "]"), PEER);
      assertEquals(mine.path("digest").asText(), json(await(theirs.digest()).json()).path("digest").asText());
    }
  }

  static String line(Instance i) {
    JsonWriter w = new JsonWriter();
    SyncCodec.writePut(w, i);
    return w.toString();
  }

  @Test
  void snapshot_inBoundedChunks_rebuildsTheRegistry() throws Exception {
    int n = 2 * SnapshotSource.CHUNK + 7;
    JsonWriter w = new JsonWriter().beginArray();
    for (int k = 0; k < n; k++) {
      SyncCodec.writePut(w, f.ownedBy(PEER, k, f.store.versions().next()));
    }
    sync.apply(json(w.endArray().toString()), PEER);
    assertEquals(n, f.store.instanceCount());
    SnapshotSource source = SnapshotSource.of(f.store);
    int chunks = 0;
    try (HandlerFixture other = new HandlerFixture()) {
      while (!source.done()) {
        String chunk = source.next();
        chunks++;
        String[] lines = chunk.isEmpty() ? new String[0] : chunk.split("\n");
        assertTrue(lines.length <= SnapshotSource.CHUNK, "a chunk of " + lines.length + " lines");
        SyncCodec.Tally out = new SyncCodec.Tally();
        for (String l : lines) {
          SyncCodec.apply(other.store, json(l), Reason.SYNC, out);
        }
      }
      assertTrue(chunks >= 3, chunks + " chunks");
      assertEquals(Digests.combine(Digests.compute(f.store, i -> true)),
          Digests.combine(Digests.compute(other.store, i -> true)));
    }
  }

  @Test
  void snapshot_refusedUnlessUp() {
    assertNull(SnapshotSource.refusal(f.cluster, f.status));
    f.cluster.selfState(Member.State.STARTING);
    assertEquals(503, SnapshotSource.refusal(f.cluster, f.status).status());
  }
}

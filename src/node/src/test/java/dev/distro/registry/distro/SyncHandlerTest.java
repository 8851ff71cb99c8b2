package dev.distro.registry.distro;

import static dev.distro.registry.distro.HandlerFixture.PEER;
import static dev.distro.registry.distro.HandlerFixture.await;
import static dev.distro.registry.distro.HandlerFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.model.Instance;
import dev.distro.registry.metrics.Counters;
import dev.distro.registry.store.Versions;
import dev.distro.registry.support.JsonWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sync handler on parsed bodies, without a socket: answers, store effects and counters. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncHandlerTest {

  final HandlerFixture f;
  final SyncHandler sync;

  SyncHandlerTest() throws Exception {
    f = new HandlerFixture();
    sync = f.sync();
  }

  @AfterEach
  void close() {
    f.close();
  }

  String body(Instance... instances) {
    JsonWriter w = new JsonWriter().beginObject().field("from", PEER).name("entries").beginArray();
    for (Instance i : instances) {
      SyncCodec.writePut(w, i);
    }
    return w.endArray().endObject().toString();
  }

  @Test
  void entriesMissing_400_changesNothing() {
    long revision = f.store.revision();
    PeerAnswer a = await(sync.handle(json("{\"from\":\"" + PEER + "\"}")));
    assertEquals(new PeerAnswer(400, "{\"error\":\"entries missing\"}"), a);
    assertEquals(revision, f.store.revision());
  }

  @Test
  void smallBatch_appliedAndCounted() {
    Instance i = f.ownedBy(PEER, 0, f.store.versions().next());
    PeerAnswer a = await(sync.handle(json(body(i))));
    assertEquals(200, a.status());
    assertEquals(1, json(a.json()).path("applied").asInt());
    assertNotNull(f.store.find(i.service(), i.localId()));
    assertEquals(1, f.metrics.syncEntriesReceived.sum());
    // the same batch again: stale, nothing changes
    assertEquals(1, json(await(sync.handle(json(body(i)))).json()).path("stale").asInt());
  }

  @Test
  void batchOverTheInlineLimit_appliedOnAWorker() {
    int n = SyncHandler.INLINE_MAX + 1;
    Instance[] batch = new Instance[n];
    for (int k = 0; k < n; k++) {
      batch[k] = f.ownedBy(PEER, k, f.store.versions().next());
    }
    PeerAnswer a = await(sync.handle(json(body(batch))));
    assertEquals(200, a.status());
    assertEquals(n, json(a.json()).path("applied").asInt());
    assertEquals(n, f.store.instanceCount());
  }

  @Test
  void entryFromTheFuture_refusedWithItsReason() {
    long ahead = Versions.versionAt(f.clock.millis() + Duration.ofHours(2).toMillis());
    Instance i = f.ownedBy(PEER, 0, ahead);
    JsonNode answer = json(await(sync.handle(json(body(i)))).json());
    assertEquals(1, answer.path("rejected").asInt());
    assertEquals(1, answer.path("reasons").path("clock_ahead").asInt());
    assertEquals(1, Counters.byTag(f.metrics.peerEntriesRejected, "clock_ahead").sum());
    assertNull(f.store.find(i.service(), i.localId()));
  }
}

package dev.distro.registry.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distro.registry.cluster.Rendezvous;
import dev.distro.registry.distro.Digests;
import dev.distro.registry.distro.SyncCodec;
import dev.distro.registry.model.Clock;
import dev.distro.registry.model.Instance;
import dev.distro.registry.model.ServiceKey;
import dev.distro.registry.store.ChangeEvent;
import dev.distro.registry.store.ChangeEvent.Reason;
import dev.distro.registry.store.RegistryStore;
import dev.distro.registry.store.ServiceEntry;
import dev.distro.registry.support.Json;
import dev.distro.registry.support.JsonWriter;
import dev.distro.registry.view.ServiceView;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Microbenchmarks of the hot paths: registry apply, list serialization (cached and after a change),
 * ownership hashing, verify digests, sync batch encode and decode. Run with
 * {@code mvn -B -Pjmh -DskipTests test-compile exec:exec} (arguments in {@code -Djmh.args}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmark {

  static final ServiceKey SVC = new ServiceKey("public", "DEFAULT_GROUP", "bench");

  @Param({"100000"})
  int instances;

  RegistryStore store;
  RegistryStore fresh;
  long next;
  Rendezvous ring3;
  Rendezvous ring5;
  ServiceEntry list100;
  String batchJson;
  List<ChangeEvent> batch;

  static Instance inst(ServiceKey k, long i) {
    return new Instance(k, "DEFAULT", "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 8080, 1.0,
        true, true, true, Map.of("version", "1.2"), 0);
  }

  @Setup(Level.Trial)
  public void setup() {
    store = new RegistryStore(Clock.SYSTEM);
    List<ChangeEvent> events = new ArrayList<>();
    store.addListener(events::add);
    for (int i = 0; i < instances; i++) {
      store.register(inst(new ServiceKey("public", "DEFAULT_GROUP", "s" + (i % 1000)), i));
    }
    ServiceKey list = new ServiceKey("public", "DEFAULT_GROUP", "list");
    for (int i = 0; i < 100; i++) {
      store.register(inst(list, 5_000_000 + i));
    }
    list100 = store.service(list);
    batch = new ArrayList<>(events.subList(0, 1000));
    JsonWriter w = new JsonWriter().beginObject().field("from", "x").name("entries").beginArray();
    for (ChangeEvent e : batch) {
      SyncCodec.write(w, e, store);
    }
    batchJson = w.endArray().endObject().toString();
    ring3 = new Rendezvous(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848"));
    ring5 = new Rendezvous(List.of("10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848", "10.0.0.4:8848",
        "10.0.0.5:8848"));
  }

  @Setup(Level.Iteration)
  public void freshStore() {
    fresh = new RegistryStore(Clock.SYSTEM);
    next = 0;
  }

  /** One client registration into the store (new ip:port), events published. */
  @Benchmark
  public Object registryApply() {
    return fresh.register(inst(SVC, next++));
  }

  /** A list response of a 100-instance service from the per-service cache. */
  @Benchmark
  public Buffer listCached() {
    return ServiceView.serviceInfoBytes(list100.key(), "", ServiceView.hosts(list100, null, false), 10_000, 1L);
  }

  /** A list response after the service changed: the hosts array is encoded again. */
  @Benchmark
  public Buffer listAfterChange() {
    list100.viewCache().set(null);
    return ServiceView.serviceInfoBytes(list100.key(), "", ServiceView.hosts(list100, null, false), 10_000, 1L);
  }

  @Benchmark
  public String ownership3() {
    return ring3.ownerOf("10.1.2." + (next++ & 255), 8080);
  }

  @Benchmark
  public String ownership5() {
    return ring5.ownerOf("10.1.2." + (next++ & 255), 8080);
  }

  /** Verify digests over every instance (@Param instances): one round's CPU on the owner. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long[] digests() {
    return Digests.compute(store, i -> true);
  }

  /** Encoding a 1,000-change sync batch. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public String syncEncode() {
    JsonWriter w = new JsonWriter(new StringBuilder(batch.size() * 300)).beginObject().field("from", "x")
        .name("entries").beginArray();
    for (ChangeEvent e : batch) {
      SyncCodec.write(w, e, store);
    }
    return w.endArray().endObject().toString();
  }

  /** Decoding a 1,000-change sync batch and applying it to a replica (all stale after the first). */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int syncDecodeApply() throws Exception {
    JsonNode n = Json.MAPPER.readTree(batchJson);
    SyncCodec.Tally out = new SyncCodec.Tally();
    for (JsonNode e : n.get("entries")) {
      SyncCodec.apply(fresh, e, Reason.SYNC, out);
    }
    return out.applied + out.stale;
  }
}

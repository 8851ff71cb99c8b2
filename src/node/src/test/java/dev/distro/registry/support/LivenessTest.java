package dev.distro.registry.support;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LivenessTest {

  @Test
  void readsOnlyItsMonotonicClock(Vertx vertx) {
    AtomicLong mono = new AtomicLong(1_000_000);
    Liveness l = new Liveness(mono::get);
    Context ctx = vertx.getOrCreateContext();
    Wait.on(io.vertx.core.Future.<Void>future(p -> ctx.runOnContext(v -> {
      l.watch("t", ctx);
      p.complete();
    })));
    assertNull(l.problem(), "the wall clock may step as it likes: only elapsed time counts");
    mono.addAndGet(Liveness.STALE_MS + 1_000);
    assertNotNull(l.problem(), "a silence of more than 5 s on the monotonic clock");
  }

  @Test
  void aStoppedEventLoop_failsTheProbeWithinItsPeriod(Vertx vertx) throws InterruptedException {
    Liveness l = new Liveness();
    Context ctx = vertx.getOrCreateContext();
    Wait.on(io.vertx.core.Future.<Void>future(p -> ctx.runOnContext(v -> {
      l.watch("blocked", ctx);
      p.complete();
    })));
    CountDownLatch release = new CountDownLatch(1);
    ctx.runOnContext(v -> {
      try {
        release.await(20, TimeUnit.SECONDS); // the loop stops, as a deadlock or an endless loop would
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      Poll.until(Duration.ofSeconds(Liveness.STALE_MS / 1000 + 3), "the probe reports the stopped loop",
          () -> l.problem() != null);
      assertTrue(l.problem().contains("blocked"), l.problem());
    } finally {
      release.countDown();
    }
  }
}

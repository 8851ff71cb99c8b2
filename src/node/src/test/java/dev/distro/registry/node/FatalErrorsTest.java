package dev.distro.registry.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distro.registry.testing.Poll;
import dev.distro.registry.testing.Wait;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The process policy for unhandled throwables, on a real Vert.x with the halt recorded instead of
 * taken: an Error on an event loop or any thread halts with status 70 after one line; an exception
 * is only logged and the loop keeps serving.
 */
class FatalErrorsTest {

  final Vertx vertx = Vertx.vertx();
  final Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
  final List<String> lines = new CopyOnWriteArrayList<>();
  final List<Integer> halts = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    Thread.setDefaultUncaughtExceptionHandler(previous);
    Wait.on(vertx.close());
  }

  void install() {
    FatalErrors.install(vertx, lines::add, halts::add);
  }

  @Test
  void outOfMemoryOnAnEventLoop_halts70_withOneLine() {
    install();
    vertx.runOnContext(v -> {
      throw new OutOfMemoryError("Java heap space");
    });
    Poll.until(Duration.ofSeconds(5), "a halt", () -> !halts.isEmpty());
    assertEquals(List.of(70), halts);
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("java.lang.OutOfMemoryError") && lines.get(0).contains("vert.x-eventloop"),
        lines.get(0));
  }

  @Test
  void errorOnAnotherThread_halts70() throws InterruptedException {
    install();
    Thread t = new Thread(() -> {
      throw new StackOverflowError("deep");
    }, "worker-x");
    t.start();
    t.join();
    assertEquals(List.of(70), halts);
    assertTrue(lines.get(0).contains("StackOverflowError") && lines.get(0).contains("worker-x"), lines.get(0));
  }

  @Test
  void exceptionOnAnEventLoop_isLogged_andTheLoopGoesOn() {
    install();
    vertx.runOnContext(v -> {
      throw new IllegalStateException("a bug, not a broken node");
    });
    Wait.on(vertx.executeBlocking(() -> 1).compose(x -> {
      io.vertx.core.Promise<Integer> p = io.vertx.core.Promise.promise();
      vertx.runOnContext(v -> p.complete(2));
      return p.future();
    }));
    assertEquals(List.of(), halts);
    assertEquals(List.of(), lines);
  }
}

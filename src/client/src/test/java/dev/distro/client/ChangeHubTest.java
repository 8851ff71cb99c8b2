package dev.distro.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** The per-subscriber merge rules and demand, with a direct executor (no threads). */
class ChangeHubTest {

  static final ServiceKey A = ServiceKey.of("a");
  static final ServiceKey B = ServiceKey.of("b");

  static Instance inst(ServiceKey k, String ip, double weight) {
    return new Instance(k, "DEFAULT", ip, 80, weight, true, true, Map.of(), 1);
  }

  static final class Sink implements Flow.Subscriber<ServiceChange> {
    Flow.Subscription s;
    final List<ServiceChange> got = new ArrayList<>();
    Throwable error;
    boolean completed;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.s = s;
    }

    @Override
    public void onNext(ServiceChange item) {
      got.add(item);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }

  @Test
  void changesToOneService_mergeToTheFirstBeforeAndTheLatestAfter_inTheOrderServicesFirstChanged() {
    ChangeHub hub = new ChangeHub(Runnable::run);
    Sink sink = new Sink();
    hub.subscribe(sink);
    List<Instance> a0 = List.of();
    List<Instance> a1 = List.of(inst(A, "10.0.0.1", 1));
    List<Instance> a2 = List.of(inst(A, "10.0.0.1", 2));
    List<Instance> b1 = List.of(inst(B, "10.0.0.2", 1));
    hub.publish(new ServiceChange(A, a0, a1));
    hub.publish(new ServiceChange(B, List.of(), b1));
    hub.publish(new ServiceChange(A, a1, a2));
    assertEquals(2, hub.pending());
    sink.s.request(1);
    assertEquals(List.of(new ServiceChange(A, a0, a2)), sink.got);
    sink.s.request(5);
    assertEquals(List.of(new ServiceChange(A, a0, a2), new ServiceChange(B, List.of(), b1)), sink.got);
    assertEquals(0, hub.pending());
    // with demand left, changes go straight through
    hub.publish(new ServiceChange(B, b1, List.of()));
    assertEquals(3, sink.got.size());
  }

  @Test
  void aChangeUndoneBeforeDelivery_isDropped() {
    ChangeHub hub = new ChangeHub(Runnable::run);
    Sink sink = new Sink();
    hub.subscribe(sink);
    List<Instance> a1 = List.of(inst(A, "10.0.0.1", 1));
    hub.publish(new ServiceChange(A, List.of(), a1));
    hub.publish(new ServiceChange(A, a1, List.of()));
    assertEquals(0, hub.pending());
    sink.s.request(10);
    assertEquals(List.of(), sink.got);
  }

  @Test
  void nonPositiveRequest_cancelsWithOnError() {
    ChangeHub hub = new ChangeHub(Runnable::run);
    Sink sink = new Sink();
    hub.subscribe(sink);
    sink.s.request(0);
    assertTrue(sink.error instanceof IllegalArgumentException, String.valueOf(sink.error));
    hub.publish(new ServiceChange(A, List.of(), List.of(inst(A, "10.0.0.1", 1))));
    assertEquals(0, hub.pending(), "a cancelled subscriber keeps nothing");
  }

  @Test
  void aSubscriberThatThrows_isCancelled_othersGoOn() {
    ChangeHub hub = new ChangeHub(Runnable::run);
    Sink good = new Sink();
    hub.subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(ServiceChange item) {
        throw new IllegalStateException("boom");
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onComplete() {
      }
    });
    hub.subscribe(good);
    good.s.request(Long.MAX_VALUE);
    hub.publish(new ServiceChange(A, List.of(), List.of(inst(A, "10.0.0.1", 1))));
    hub.publish(new ServiceChange(B, List.of(), List.of(inst(B, "10.0.0.1", 1))));
    assertEquals(2, good.got.size());
    assertEquals(0, hub.pending());
  }

  @Test
  void close_completesAfterWhatIsPendingAndRequested() {
    ChangeHub hub = new ChangeHub(Runnable::run);
    Sink sink = new Sink();
    hub.subscribe(sink);
    hub.publish(new ServiceChange(A, List.of(), List.of(inst(A, "10.0.0.1", 1))));
    hub.close();
    assertTrue(!sink.completed, "not before the pending change is delivered");
    sink.s.request(1);
    assertEquals(1, sink.got.size());
    assertTrue(sink.completed);
  }
}

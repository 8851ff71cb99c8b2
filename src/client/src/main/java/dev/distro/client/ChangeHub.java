package dev.distro.client;

import java.lang.System.Logger.Level;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The change stream as a {@link Flow.Publisher}: each subscriber has its own pending changes, at
 * most one per service (a change to a service already pending merges into it: its first
 * {@code before}, the latest {@code after}; a merge that leaves the list as it was drops the
 * entry), and gets them in the order services first changed, as far as it has requested. So a
 * subscriber that does not request costs at most one entry per service, however many changes
 * happen. Subscribers are called on the delivery executor, one signal at a time each.
 */
final class ChangeHub implements Flow.Publisher<ServiceChange> {

  private static final System.Logger LOG = System.getLogger(ChangeHub.class.getName());

  private final Executor executor;
  private final CopyOnWriteArrayList<Outlet> outlets = new CopyOnWriteArrayList<>();
  final LongAdder published = new LongAdder();
  private volatile boolean closed;

  ChangeHub(Executor executor) {
    this.executor = executor;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ServiceChange> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Outlet o = new Outlet(subscriber);
    if (closed) {
      o.complete();
    } else {
      outlets.add(o);
    }
    o.schedule();
  }

  /** Hands a change to every subscriber (called by the cache's writer). */
  void publish(ServiceChange c) {
    published.increment();
    for (Outlet o : outlets) {
      o.offer(c);
    }
  }

  /** Completes every subscriber after what it has pending and requests. */
  void close() {
    closed = true;
    for (Outlet o : outlets) {
      o.complete();
      o.schedule();
    }
  }

  /** Pending entries over all subscribers (a gauge). */
  long pending() {
    long n = 0;
    for (Outlet o : outlets) {
      n += o.pendingCount();
    }
    return n;
  }

  /** One subscriber: its pending changes by service and its demand. */
  final class Outlet implements Flow.Subscription {

    private final Flow.Subscriber<? super ServiceChange> subscriber;
    /** Guarded by itself; touched briefly by the publishing thread and the delivering one. */
    private final LinkedHashMap<ServiceKey, ServiceChange> pending = new LinkedHashMap<>();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private boolean subscribed;
    private volatile boolean cancelled;
    private volatile boolean completing;
    private volatile Throwable badRequest;

    Outlet(Flow.Subscriber<? super ServiceChange> subscriber) {
      this.subscriber = subscriber;
    }

    void offer(ServiceChange c) {
      if (cancelled) {
        return;
      }
      synchronized (pending) {
        ServiceChange old = pending.get(c.service());
        if (old == null) {
          pending.put(c.service(), c);
        } else if (old.before().equals(c.after())) {
          pending.remove(c.service());
        } else {
          pending.put(c.service(), new ServiceChange(c.service(), old.before(), c.after()));
        }
      }
      schedule();
    }

    int pendingCount() {
      synchronized (pending) {
        return pending.size();
      }
    }

    void complete() {
      completing = true;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request must be positive (rule 3.9): " + n);
      } else {
        requested.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      }
      schedule();
    }

    @Override
    public void cancel() {
      cancelled = true;
      outlets.remove(this);
      synchronized (pending) {
        pending.clear();
      }
    }

    void schedule() {
      if (wip.getAndIncrement() == 0) {
        try {
          executor.execute(this::drain);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, "the delivery executor refused a task; subscriber cancelled", e);
          cancel();
        }
      }
    }

    private void drain() {
      int missed = 1;
      while (true) {
        if (!subscribed) {
          subscribed = true;
          if (!signal(() -> subscriber.onSubscribe(this))) {
            return;
          }
        }
        while (!cancelled) {
          if (badRequest != null) {
            Throwable t = badRequest;
            cancel();
            signal(() -> subscriber.onError(t));
            return;
          }
          if (requested.get() == 0) {
            break;
          }
          ServiceChange next;
          synchronized (pending) {
            Iterator<ServiceChange> it = pending.values().iterator();
            next = it.hasNext() ? it.next() : null;
            if (next != null) {
              it.remove();
            }
          }
          if (next == null) {
            break;
          }
          if (requested.get() != Long.MAX_VALUE) {
            requested.decrementAndGet();
          }
          ServiceChange c = next;
          if (!signal(() -> subscriber.onNext(c))) {
            return;
          }
        }
        if (completing && !cancelled && pendingCount() == 0) {
          cancelled = true;
          outlets.remove(this);
          signal(subscriber::onComplete);
          return;
        }
        missed = wip.addAndGet(-missed);
        if (missed == 0) {
          return;
        }
      }
    }

    /** Calls the subscriber; one that throws is cancelled (rule 2.13), and the throw logged. */
    private boolean signal(Runnable r) {
      try {
        r.run();
        return true;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a change subscriber threw; it is cancelled", e);
        cancel();
        return false;
      }
    }
  }
}

package dev.distro.registry.store;

import dev.distro.registry.model.Instance;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The store's slot for one instance: the current immutable {@link Instance}, its lease (the
 * monotonic time of the last beat, or of a lease restart) and when its client was last heard here
 * (a beat or a registration received by this node; a lease restart is not one). A beat writes these
 * two longs and nothing else, so it allocates nothing; a change replaces {@link #instance} under the
 * store's write lock.
 *
 * <p>Two time domains, never mixed: {@link #lastBeat()} is on the store clock's monotonic time (a
 * wall-clock step moves no lease); {@link #clientSeen()} is on the hybrid clock's milliseconds
 * ({@link Versions#nowMillis()}), because it is compared with the versions of peers' changes.
 */
public final class Registration {

  private static final VarHandle LAST_BEAT;
  private static final VarHandle CLIENT_SEEN;
  private static final VarHandle DIGEST_MARK;
  /** {@link #digestMark} once the registration left the store. */
  private static final long GONE = -1;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      LAST_BEAT = l.findVarHandle(Registration.class, "lastBeat", long.class);
      CLIENT_SEEN = l.findVarHandle(Registration.class, "clientSeen", long.class);
      DIGEST_MARK = l.findVarHandle(Registration.class, "digestMark", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final ServiceEntry service;
  private final String localId;
  volatile Instance instance;
  /**
   * The version this registration held before its latest change (0: none): what the instance was
   * before a change that may still be on its way to the other members. Verify digests use it for a
   * change younger than their cutoff ({@code distro/Digests}).
   */
  private volatile long prevVersion;
  /** The hash of the instance's global key (fixed for a registration), computed when first asked (0: not yet). */
  private volatile long keyHash;
  private volatile long lastBeat;
  private volatile long clientSeen;
  /**
   * The last digest walk that counted this registration ({@link RegistryStore#digestWalk}; 0: none),
   * or {@link #GONE} once it left the store: the one record of its removal.
   */
  private volatile long digestMark;
  /** The expiry wheel's place for this registration (owned by the sweep's event loop only). */
  private long wheelSlot;
  private int wheelIndex = -1;
  private volatile int ownerSlot;

  /** {@code localId}: the instance's ({@link Instance#localId()}), already built by the caller. */
  Registration(ServiceEntry service, String localId, Instance instance, long nowMono, long clientSeenMillis) {
    this.service = service;
    this.localId = localId;
    this.instance = instance;
    this.lastBeat = nowMono;
    this.clientSeen = clientSeenMillis;
  }

  public ServiceEntry service() {
    return service;
  }

  public String localId() {
    return localId;
  }

  /** Replaces the instance (write lock held), remembering the version it replaces. */
  void replace(Instance next) {
    prevVersion = instance.version();
    instance = next;
  }

  /**
   * {@code keyHash} of the instance's global key, computed once: the key (service, ip, port,
   * cluster) never changes for a registration, and verify digests and repairs hash every instance
   * at every round. Racing first callers compute the same value.
   */
  public long keyHash(java.util.function.ToLongFunction<Instance> hash) {
    long h = keyHash;
    if (h == 0) {
      h = hash.applyAsLong(instance); // a hash of 0 is computed again at each call: rare, and still right
      keyHash = h;
    }
    return h;
  }

  /**
   * A word the ownership ring keeps its answer for this registration's address in, so that the
   * verify walks do not hash every address at every round (0: none; the address never changes
   * for a registration, and the ring's word names the ring it is valid for).
   */
  public int ownerSlot() {
    return ownerSlot;
  }

  public void ownerSlot(int slot) {
    ownerSlot = slot;
  }

  /**
   * Marks this registration as counted by digest walk {@code walk}; false when it was removed
   * first (its tombstone then counts it, if anything does).
   */
  public boolean countIn(long walk) {
    long cur;
    do {
      cur = (long) DIGEST_MARK.getVolatile(this);
      if (cur == GONE) {
        return false;
      }
    } while (!DIGEST_MARK.compareAndSet(this, cur, walk));
    return true;
  }

  /** On removal (write lock held): no walk counts it from now on; returns the last walk that did (0: none). */
  long markRemoved() {
    long last = (long) DIGEST_MARK.getAndSet(this, GONE);
    return last == GONE ? 0 : last;
  }

  /** The version held before the latest change; 0 when there was none. */
  public long prevVersion() {
    return prevVersion;
  }

  public Instance instance() {
    return instance;
  }

  /** The lease: the monotonic time (ms, {@code Clock.monotonicMillis}) of the last beat or restart. */
  public long lastBeat() {
    return lastBeat;
  }

  /** True once the instance left the store; a later registration gets a new slot. */
  public boolean removed() {
    return (long) DIGEST_MARK.getVolatile(this) == GONE;
  }

  /**
   * When this node last heard the instance's client, in hybrid-clock ms (0: never, it came from a
   * peer). Only this proves the client was alive; a restarted lease does not.
   */
  public long clientSeen() {
    return clientSeen;
  }

  /**
   * Restarts the lease (an ownership change, a reconnect): the client gets a full timeout again. A
   * lease only moves forward, also when two threads renew it at once.
   */
  public void renew(long nowMono) {
    advance(LAST_BEAT, nowMono);
  }

  /** The client was heard: a beat or a registration. Restarts the lease too. */
  void heardClient(long nowMono, long nowMillis) {
    advance(LAST_BEAT, nowMono);
    advance(CLIENT_SEEN, nowMillis);
  }

  private void advance(VarHandle field, long to) {
    long cur;
    do {
      cur = (long) field.getVolatile(this);
      if (to <= cur) {
        return;
      }
    } while (!field.compareAndSet(this, cur, to));
  }

  /** For the expiry wheel (one thread): the slot this registration is filed under. */
  public long wheelSlot() {
    return wheelSlot;
  }

  /** For the expiry wheel (one thread): its index in the slot's bucket, -1 when not filed. */
  public int wheelIndex() {
    return wheelIndex;
  }

  /** For the expiry wheel (one thread). */
  public void wheelPlace(long slot, int index) {
    this.wheelSlot = slot;
    this.wheelIndex = index;
  }
}

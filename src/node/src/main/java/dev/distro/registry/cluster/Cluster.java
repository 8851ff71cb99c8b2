package dev.distro.registry.cluster;

import dev.distro.registry.cluster.Member.State;
import dev.distro.registry.model.MemberAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * This node's view of the cluster: the members, their health, and the ownership ring built from
 * the healthy ones. Written only by the {@code AddressLookupVerticle} (members; ping results
 * through its {@code FailureDetector}) and the node's start sequence (self state); read from any
 * thread through an immutable snapshot that is swapped atomically, so every reader sees one
 * consistent ring.
 *
 * <p>The ring holds this node once it is UP and every peer that is UP or SUSPICIOUS (missed fewer
 * than {@link #DOWN_AFTER_FAILED_PINGS} pings). A STARTING peer (loading its snapshot) or a SKEWED
 * one (its clock disagrees with most members') is not in the ring: nobody forwards to it and it
 * owns nothing.
 */
public final class Cluster implements Ownership {

  private static final Logger LOG = Logger.getLogger(Cluster.class.getName());
  public static final int DOWN_AFTER_FAILED_PINGS = 3;

  /** One consistent picture: members in order and the ring computed from them. */
  public record View(List<Member> members, Rendezvous ring) { }

  private final String self;
  private final Map<String, Long> lastVerifyFrom = new ConcurrentHashMap<>();
  /** Peers whose last ping was refused: known to be down, not cut off. */
  private final java.util.Set<String> refused = ConcurrentHashMap.newKeySet();
  private final List<BiConsumer<Rendezvous, Rendezvous>> ringListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<List<String>>> leftListeners = new CopyOnWriteArrayList<>();
  private final ClockSkew clocks;
  private volatile View view;
  private volatile State selfState = State.STARTING;

  public Cluster(String self) {
    this(self, 0);
  }

  /** @param maxClockSkewMs the largest wall-clock offset from most members tolerated (0: not judged) */
  public Cluster(String self, long maxClockSkewMs) {
    this.self = self;
    this.clocks = new ClockSkew(maxClockSkewMs);
    Member me = member(self, State.STARTING, 0, true);
    this.view = new View(List.of(me), new Rendezvous(List.of()));
  }

  /** A one-member cluster of this node, UP: the standalone mode (nothing logged). */
  public static Cluster standalone(String self) {
    Cluster c = new Cluster(self);
    c.selfState = State.UP;
    c.view = new View(List.of(member(self, State.UP, 0, true)),
        new Rendezvous(List.of(self)));
    return c;
  }

  public String self() {
    return self;
  }

  /** The peers' clock offsets measured in pings. */
  public ClockSkew clocks() {
    return clocks;
  }

  public View view() {
    return view;
  }

  public List<Member> members() {
    return view.members();
  }

  public State selfState() {
    return selfState;
  }

  /**
   * Called with the addresses that left the member list (the lookup no longer names them), after
   * the new list is in force, on the thread that set it. Not called for members that are merely down.
   */
  public void onMembersLeft(Consumer<List<String>> listener) {
    leftListeners.add(listener);
  }

  /** Called with (old ring, new ring) after every ring change, on the thread that changed it. */
  @Override
  public void onRingChange(BiConsumer<Rendezvous, Rendezvous> listener) {
    ringListeners.add(listener);
  }

  @Override
  public boolean isResponsible(String ip, int port) {
    String owner = view.ring().ownerOf(ip, port);
    return self.equals(owner);
  }

  @Override
  public Rendezvous ring() {
    return view.ring();
  }

  /** The owner of {@code ip:port} under the current ring, or null when the ring is empty. */
  @Override
  public String ownerOf(String ip, int port) {
    return view.ring().ownerOf(ip, port);
  }

  /** A peer that is UP: worth forwarding to (not attempted while it misses pings). */
  public boolean reachable(String address) {
    for (Member m : view.members()) {
      if (m.address().equals(address)) {
        return m.state() == State.UP;
      }
    }
    return false;
  }

  /** Peers (not self) that are not DOWN: they receive sync batches and verify rounds. */
  public List<Member> livePeers() {
    List<Member> out = new ArrayList<>();
    for (Member m : view.members()) {
      if (!m.self() && m.state() != State.DOWN) {
        out.add(m);
      }
    }
    return out;
  }

  public List<Member> peers() {
    List<Member> out = new ArrayList<>();
    for (Member m : view.members()) {
      if (!m.self()) {
        out.add(m);
      }
    }
    return out;
  }

  /** Replaces the member list (from the lookup); keeps the health of members still present. */
  public synchronized void setMembers(List<String> addresses) {
    Map<String, Member> old = new LinkedHashMap<>();
    for (Member m : view.members()) {
      old.put(m.address(), m);
    }
    List<Member> next = new ArrayList<>();
    List<String> sorted = new ArrayList<>(addresses);
    if (!sorted.contains(self)) {
      sorted.add(self);
    }
    Collections.sort(sorted);
    for (String a : sorted) {
      Member prev = old.get(a);
      if (a.equals(self)) {
        next.add(member(a, selfState, 0, true));
      } else {
        next.add(prev != null ? prev : member(a, State.DOWN, DOWN_AFTER_FAILED_PINGS, false));
      }
    }
    List<String> added = new ArrayList<>(sorted);
    added.removeAll(old.keySet());
    List<String> removed = new ArrayList<>(old.keySet());
    removed.removeAll(sorted);
    if (!added.isEmpty() || !removed.isEmpty()) {
      LOG.info("members: " + sorted + (added.isEmpty() ? "" : ", joined " + added)
          + (removed.isEmpty() ? "" : ", left " + removed));
    }
    publish(next);
    if (!removed.isEmpty()) {
      removed.forEach(clocks::forget); // a former member's clock no longer votes on this node's
      List<String> left = List.copyOf(removed);
      for (Consumer<List<String>> l : leftListeners) {
        l.accept(left);
      }
    }
  }

  /** Records a ping result for a peer and the state it reported. */
  public synchronized void pingResult(String address, boolean ok, State reported, boolean refused) {
    List<Member> next = new ArrayList<>();
    for (Member m : view.members()) {
      if (!m.address().equals(address) || m.self()) {
        next.add(m);
        continue;
      }
      State state;
      int failed;
      if (ok || !refused) {
        this.refused.remove(address);
      } else {
        this.refused.add(address);
      }
      if (ok) {
        failed = 0;
        state = reported == null ? State.UP : reported;
      } else {
        failed = Math.min(m.failedPings() + 1, 1_000);
        state = refused || failed >= DOWN_AFTER_FAILED_PINGS || m.state() == State.DOWN
            || m.state() == State.STARTING || m.state() == State.SKEWED ? State.DOWN : State.SUSPICIOUS;
      }
      if (state != m.state()) {
        LOG.info("member " + address + " is " + state + (ok ? "" : " (" + failed + " failed pings"
            + (refused ? ", connection refused" : "") + ")"));
      }
      next.add(new Member(m.address(), m.host(), m.port(), state, failed, false));
    }
    publish(next);
  }

  /** This node's own state: STARTING while it loads its snapshot, UP once it serves. */
  public synchronized void selfState(State state) {
    this.selfState = state;
    List<Member> next = new ArrayList<>();
    for (Member m : view.members()) {
      next.add(m.self() ? new Member(m.address(), m.host(), m.port(), state, 0, true) : m);
    }
    publish(next);
  }

  /**
   * Whether this node may expire instances: it must see a majority of the members that are not
   * known to be dead (a refused connection means the process is gone; silence may be a partition).
   * A node cut off from the majority keeps its instances instead of expiring clients that are
   * probably beating on the other side.
   */
  @Override
  public boolean canExpire() {
    Heard h = heard();
    return h.up * 2 > h.counted;
  }

  /**
   * True when this node, in a cluster of three or more members not known dead, hears fewer than a
   * majority of them: most likely it is on the small side of a partition, and a write acknowledged
   * here reaches the others only after the heal. (With two members a silent peer leaves no majority
   * anywhere, so the survivor is never "cut off".)
   */
  public boolean cutOffFromMost() {
    Heard h = heard();
    return h.counted >= 3 && h.up * 2 <= h.counted;
  }

  /** Members not known dead (this node included), and how many of them this node hears. */
  private record Heard(int counted, int up) { }

  private Heard heard() {
    int counted = 0;
    int up = 0;
    for (Member m : view.members()) {
      if (m.self() || m.state() == State.UP || m.state() == State.SUSPICIOUS) {
        counted++;
        up++;
      } else if (!refused.contains(m.address())) {
        counted++;
      }
    }
    return new Heard(counted, up);
  }

  /** The monotonic time (ms) of the last verify round received from {@code owner}, or 0. */
  @Override
  public long lastRenewedBy(String owner) {
    return owner == null ? 0 : lastVerifyFrom.getOrDefault(owner, 0L);
  }

  public void verifiedBy(String owner, long now) {
    lastVerifyFrom.put(owner, now);
  }

  private void publish(List<Member> members) {
    List<String> ring = new ArrayList<>();
    for (Member m : members) {
      boolean in = m.self() ? m.state() == State.UP : m.state() == State.UP || m.state() == State.SUSPICIOUS;
      if (in) {
        ring.add(m.address());
      }
    }
    View old = view;
    Rendezvous nextRing = ring.equals(old.ring().members()) ? old.ring() : new Rendezvous(ring);
    view = new View(List.copyOf(members), nextRing);
    if (nextRing != old.ring()) {
      LOG.info("ownership ring: " + ring + " (was " + old.ring().members() + ")");
      for (BiConsumer<Rendezvous, Rendezvous> l : ringListeners) {
        l.accept(old.ring(), nextRing);
      }
    }
  }

  private static Member member(String address, State state, int failedPings, boolean self) {
    MemberAddress a = MemberAddress.parse(address);
    return new Member(address, a.host(), a.port(), state, failedPings, self);
  }
}

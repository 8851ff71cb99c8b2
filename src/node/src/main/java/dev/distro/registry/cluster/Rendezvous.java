package dev.distro.registry.cluster;

import dev.distro.registry.support.Fnv64;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rendezvous (highest-random-weight) hashing of {@code ip:port} over a member list: each key goes
 * to the member with the highest score {@code mix(hash(member) ^ hash(key))} ({@link Fnv64}).
 * When a member leaves, only its keys move (each to its second-best member); when one joins, it
 * takes only the keys it now scores highest on. Every node computes the same owner from the same list, whatever its order.
 * Hashing allocates nothing.
 */
public final class Rendezvous {

  /** Rings numbered for cached answers: 1 to 2^19 - 1, then again from 1. */
  private static final AtomicInteger RINGS = new AtomicInteger();
  private static final int INDEX_BITS = 12;

  private final String[] members;
  private final long[] seeds;
  private final int id = Math.floorMod(RINGS.getAndIncrement(), (1 << (31 - INDEX_BITS)) - 1) + 1;

  public Rendezvous(List<String> members) {
    this.members = members.toArray(String[]::new);
    this.seeds = new long[this.members.length];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = Fnv64.hash(this.members[i]);
    }
  }

  public List<String> members() {
    return List.of(members);
  }

  public boolean isEmpty() {
    return members.length == 0;
  }

  /** The owner of {@code ip:port}, or null when there are no members. */
  public String ownerOf(String ip, int port) {
    int i = ownerIndexOf(ip, port);
    return i < 0 ? null : members[i];
  }

  /** The owner of {@code ip:port} as its index in {@link #members()}; -1 when there are no members. */
  public int ownerIndexOf(String ip, int port) {
    long key = keyHash(ip, port);
    int best = -1;
    long bestScore = 0;
    for (int i = 0; i < members.length; i++) {
      long score = Fnv64.mix(seeds[i] ^ key);
      if (best < 0 || Long.compareUnsigned(score, bestScore) > 0
          || score == bestScore && members[i].compareTo(members[best]) < 0) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /** The member at {@code index} of {@link #members()}. */
  public String memberAt(int index) {
    return members[index];
  }

  /**
   * A cache word for the owner {@code index} this ring gave (0, meaning nothing cached, when the
   * index does not fit or there is none): see {@link #indexIn}.
   */
  public int slot(int index) {
    return index < 0 || index >= (1 << INDEX_BITS) ? 0 : id << INDEX_BITS | index;
  }

  /**
   * The owner index a cache word holds if this ring made it, else -1. Ring numbers repeat only
   * after half a million rings (membership changes) in one process; the verify digests, the one
   * user, repair what a stale word would miscount.
   */
  public int indexIn(int slot) {
    return slot != 0 && slot >>> INDEX_BITS == id ? slot & ((1 << INDEX_BITS) - 1) : -1;
  }

  /** True when {@code other} has the same members, in any order (then every key has the same owner). */
  public boolean sameMembers(Rendezvous other) {
    if (other == this) {
      return true;
    }
    if (other == null || other.members.length != members.length) {
      return false;
    }
    return new HashSet<>(Arrays.asList(members)).equals(new HashSet<>(Arrays.asList(other.members)));
  }

  /** 64-bit FNV-1a over {@code ip}, ':' and the port as one unit (not its digits), then mixed. */
  public static long keyHash(String ip, int port) {
    return Fnv64.mix(Fnv64.add(Fnv64.add(Fnv64.add(Fnv64.OFFSET, ip), ':'), port));
  }
}

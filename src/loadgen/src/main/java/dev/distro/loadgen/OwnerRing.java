package dev.distro.loadgen;

import java.util.List;

/**
 * The node's ownership rule, as a client that knows the member list can apply it: an instance
 * {@code ip:port} belongs to the member with the highest {@code mix(hash(member) ^ hash(ip:port))}
 * (rendezvous hashing over FNV-1a, MurmurHash3's finalizer to spread it). The node pins these
 * values across releases ({@code RendezvousTest}, {@code Fnv64Test}); {@code OwnerRingTest} checks
 * this copy against the node's {@code Rendezvous} itself. With {@code --to-owner=true} the
 * generator sends each write to its owner, as a Nacos 2.x client connected to its node causes no
 * forward: the cluster's cost without forwards.
 * The members are the targets as given, so they must be spelled as the nodes' member list spells
 * them (the bench scripts' {@code 127.0.0.1:port}).
 */
final class OwnerRing {

  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private final List<String> members;
  private final long[] seeds;

  OwnerRing(List<String> members) {
    this.members = List.copyOf(members);
    this.seeds = new long[members.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = mix(add(OFFSET, members.get(i)));
    }
  }

  /** The member owning {@code ip:port}; ties (never seen) go to the smaller name, as on the node. */
  String ownerOf(String ip, int port) {
    long key = keyHash(ip, port);
    int best = -1;
    long bestScore = 0;
    for (int i = 0; i < seeds.length; i++) {
      long score = mix(seeds[i] ^ key);
      if (best < 0 || Long.compareUnsigned(score, bestScore) > 0
          || score == bestScore && members.get(i).compareTo(members.get(best)) < 0) {
        best = i;
        bestScore = score;
      }
    }
    return best < 0 ? null : members.get(best);
  }

  /** FNV-1a over {@code ip}, ':' and the port as one unit, then mixed. */
  static long keyHash(String ip, int port) {
    return mix((((add(OFFSET, ip) ^ ':') * PRIME) ^ port) * PRIME);
  }

  private static long add(long h, String s) {
    for (int k = 0; k < s.length(); k++) {
      h = (h ^ s.charAt(k)) * PRIME;
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}

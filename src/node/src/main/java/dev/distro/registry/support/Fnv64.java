package dev.distro.registry.support;

/**
 * 64-bit FNV-1a, fed piecewise so a key is hashed without being built, and MurmurHash3's 64-bit
 * finalizer to spread it. Ownership ({@code cluster/Rendezvous}) and verify digests
 * ({@code distro/Digests}) both hash with it, and members of different releases compare both: the
 * values must never change (pinned in {@code Fnv64Test}, {@code RendezvousTest}, {@code DigestsTest}).
 */
public final class Fnv64 {

  public static final long OFFSET = 0xcbf29ce484222325L;
  public static final long PRIME = 0x100000001b3L;

  private Fnv64() { }

  /** {@code h} with each UTF-16 unit of {@code s} folded in. */
  public static long add(long h, String s) {
    for (int k = 0; k < s.length(); k++) {
      h = (h ^ s.charAt(k)) * PRIME;
    }
    return h;
  }

  /** {@code h} with one value folded in as a single unit (a char, or a port as a number). */
  public static long add(long h, int unit) {
    return (h ^ unit) * PRIME;
  }

  /** {@code h} with the decimal digits of {@code n >= 0} folded in, as {@code add(h, "" + n)}. */
  public static long addDigits(long h, int n) {
    int div = 1;
    while (n / div >= 10) {
      div *= 10;
    }
    for (; div > 0; div /= 10) {
      h = add(h, '0' + (n / div) % 10);
    }
    return h;
  }

  /** The mixed hash of a whole string: {@code mix(add(OFFSET, s))}. */
  public static long hash(String s) {
    return mix(add(OFFSET, s));
  }

  /** MurmurHash3's 64-bit finalizer. */
  public static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}

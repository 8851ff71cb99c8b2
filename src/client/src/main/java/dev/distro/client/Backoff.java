package dev.distro.client;

import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: attempt n waits between half and all of min(max, initial * 2^(n-1)). */
final class Backoff {

  private Backoff() {
  }

  static long delay(int attempt, long initialMs, long maxMs) {
    if (attempt <= 0) {
      return 0;
    }
    long ceiling = initialMs << Math.min(attempt - 1, 30);
    if (ceiling <= 0 || ceiling > maxMs) {
      ceiling = maxMs;
    }
    long half = ceiling / 2;
    return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
  }
}

package dev.grad4j;

/**
 * A seedable source of random numbers (xoshiro256**, seeded through SplitMix64). The algorithm is
 * fixed and implemented here, so the same seed gives the same bits on every JVM and platform.
 * Generators are not thread-safe; give each thread its own.
 */
public final class Generator {
  private static final Generator DEFAULT = new Generator(0x9E3779B97F4A7C15L);

  private final long[] s = new long[4];
  private double spareGaussian;
  private boolean hasSpare;

  /** A generator seeded with {@code seed}. */
  public Generator(long seed) {
    manualSeed(seed);
  }

  /** The process-wide generator used by factories that take none. */
  public static Generator getDefault() {
    return DEFAULT;
  }

  /** Resets this generator to the state that {@code new Generator(seed)} has. */
  public synchronized Generator manualSeed(long seed) {
    long x = seed;
    for (int i = 0; i < 4; i++) {
      x += 0x9E3779B97F4A7C15L;
      long z = x;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      s[i] = z ^ (z >>> 31);
    }
    hasSpare = false;
    return this;
  }

  /** The full state, for checkpoints: restoring it with {@link #setState} continues the stream. */
  public synchronized long[] getState() {
    return new long[] {
      s[0], s[1], s[2], s[3], hasSpare ? 1 : 0, Double.doubleToRawLongBits(spareGaussian)
    };
  }

  /** Restores a state returned by {@link #getState}. */
  public synchronized void setState(long[] state) {
    if (state == null || state.length != 6) {
      throw new IllegalArgumentException("generator state must have 6 longs");
    }
    System.arraycopy(state, 0, s, 0, 4);
    hasSpare = state[4] != 0;
    spareGaussian = Double.longBitsToDouble(state[5]);
  }

  /** 64 random bits. */
  public synchronized long nextLong() {
    long result = Long.rotateLeft(s[1] * 5, 7) * 9;
    long t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Long.rotateLeft(s[3], 45);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform integer in [0, bound), without modulo bias. */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long r;
    long v;
    do {
      r = nextLong() >>> 1;
      v = r % bound;
    } while (r - v + (bound - 1) < 0); // reject the biased tail, as java.util.Random does
    return (int) v;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  public synchronized double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spareGaussian;
    }
    double u1;
    do {
      u1 = nextDouble();
    } while (u1 == 0.0);
    double u2 = nextDouble();
    double r = Math.sqrt(-2.0 * Math.log(u1));
    spareGaussian = r * Math.sin(2 * Math.PI * u2);
    hasSpare = true;
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  public int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

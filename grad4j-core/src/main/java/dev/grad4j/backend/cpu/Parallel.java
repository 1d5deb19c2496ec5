package dev.grad4j.backend.cpu;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The shared thread pool of the CPU backend. Its size comes from the environment variable {@code
 * GRAD4J_NUM_THREADS} (or the system property {@code grad4j.threads}), else the core count. Work is
 * always split into the same ranges for the same thread count, so results are reproducible.
 */
public final class Parallel {
  private static final int THREADS = configuredThreads();
  // One pool per thread count in use (the configured one, and any a benchmark asks for).
  private static final ConcurrentHashMap<Integer, Workers> POOLS = new ConcurrentHashMap<>();
  // The thread count in force: the configured one, or a benchmark's override (withThreads).
  private static volatile int active = THREADS;

  /** A range of work {@code [from, to)}. */
  public interface Range {
    void run(int from, int to);
  }

  private Parallel() {}

  /** The number of threads the backend uses. */
  public static int threads() {
    return active;
  }

  /**
   * Runs {@code body} with the backend using {@code n} threads instead of the configured count, for
   * benchmarks and tests that compare thread counts in one process. Not for concurrent use: the
   * count is global while {@code body} runs.
   */
  public static synchronized <T> T withThreads(int n, Supplier<T> body) {
    if (n < 1) {
      throw new IllegalArgumentException("withThreads: thread count must be >= 1, got " + n);
    }
    int saved = active;
    active = n;
    try {
      return body.get();
    } finally {
      active = saved;
    }
  }

  private static Workers workers(int threads) {
    return POOLS.computeIfAbsent(threads, k -> new Workers(k - 1));
  }

  // Set while a calling thread computes its own piece of a split range.
  private static final ThreadLocal<Boolean> CALLER_BUSY = ThreadLocal.withInitial(() -> false);

  // Whether the caller already runs a piece of split work, on a worker or as the caller that split
  // it (nested work stays on its thread).
  private static boolean inPool() {
    return CALLER_BUSY.get() || Workers.isWorker(Thread.currentThread());
  }

  /**
   * Runs {@code body} over {@code [0, n)}, split into at most one piece per thread and never into
   * pieces smaller than {@code grain}.
   */
  public static void forRange(int n, int grain, Range body) {
    int threads = active;
    int pieces = threads <= 1 ? 1 : Math.min(threads, Math.max(1, n / Math.max(1, grain)));
    if (pieces <= 1 || inPool()) {
      body.run(0, n);
      return;
    }
    // The workers are offered every piece but the first, which the caller computes; then the
    // caller takes back the pieces no worker has started yet, so a worker that comes late costs
    // nothing. Which thread computes a piece never changes the pieces, so results are the same.
    Workers.Piece[] rest = new Workers.Piece[pieces - 1];
    for (int p = 1; p < pieces; p++) {
      int from = (int) ((long) n * p / pieces);
      int to = (int) ((long) n * (p + 1) / pieces);
      rest[p - 1] = new Workers.Piece(() -> body.run(from, to));
    }
    workers(threads).offer(rest);
    boolean nested = CALLER_BUSY.get();
    CALLER_BUSY.set(true);
    try {
      body.run(0, (int) ((long) n / pieces));
      for (Workers.Piece piece : rest) {
        piece.runIfUnclaimed();
      }
    } finally {
      CALLER_BUSY.set(nested);
      // After a failure too: no piece may still be running, or start, once the caller returns.
      for (Workers.Piece piece : rest) {
        piece.cancelOrAwait();
      }
    }
    for (Workers.Piece piece : rest) {
      piece.rethrowFailure();
    }
  }

  /**
   * A {@link #forRange} grain for items of {@code workPerItem} elements of work each (planes,
   * images): enough items for about 2^15 elements per task, at least one.
   */
  static int grain(int workPerItem) {
    return Math.max(1, (1 << 15) / Math.max(1, workPerItem));
  }

  private static int configuredThreads() {
    String value = System.getenv("GRAD4J_NUM_THREADS");
    if (value == null || value.isBlank()) {
      value = System.getProperty("grad4j.threads");
    }
    if (value != null && !value.isBlank()) {
      try {
        int n = Integer.parseInt(value.trim());
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through to the default
      }
      System.err.println("grad4j: ignoring bad thread count '" + value + "'");
    }
    return Runtime.getRuntime().availableProcessors();
  }
}

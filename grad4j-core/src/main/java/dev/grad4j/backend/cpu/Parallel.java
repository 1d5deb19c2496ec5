package dev.grad4j.backend.cpu;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The shared thread pool of the CPU backend. Its size comes from the environment variable {@code
 * GRAD4J_NUM_THREADS} (or the system property {@code grad4j.threads}), else the core count. Work is
 * always split into the same ranges for the same thread count, so results are reproducible.
 */
public final class Parallel {
  private static final int THREADS = configuredThreads();
  // One pool per thread count in use (the configured one, and any a benchmark asks for).
  private static final ConcurrentHashMap<Integer, ForkJoinPool> POOLS = new ConcurrentHashMap<>();
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

  private static ForkJoinPool pool(int n) {
    return POOLS.computeIfAbsent(
        n, k -> new ForkJoinPool(k, ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, false));
  }

  // Set while a calling thread computes its own piece of a split range.
  private static final ThreadLocal<Boolean> CALLER_BUSY = ThreadLocal.withInitial(() -> false);

  // Whether the caller already runs a piece of split work, on a pool thread or as the caller that
  // split it (nested work stays on its thread).
  private static boolean inPool() {
    if (CALLER_BUSY.get()) {
      return true;
    }
    ForkJoinPool current = ForkJoinTask.getPool();
    return current != null && POOLS.containsValue(current);
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
    // The pool is offered every piece but the first, which the caller computes; then the caller
    // takes back the pieces no worker has started yet. A worker takes 5-15 us to wake up, as long
    // as a small product: this way one that wakes late costs nothing, and no core idles while the
    // caller waits. Which thread computes a piece never changes the pieces, so results are the
    // same.
    ForkJoinPool pool = pool(threads);
    Piece[] rest = new Piece[pieces - 1];
    for (int p = 1; p < pieces; p++) {
      rest[p - 1] =
          new Piece(body, (int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces));
      pool.execute(rest[p - 1]);
    }
    boolean[] mine = new boolean[rest.length];
    boolean nested = CALLER_BUSY.get();
    CALLER_BUSY.set(true);
    try {
      body.run(0, (int) ((long) n / pieces));
      for (int p = 0; p < rest.length; p++) {
        if (rest[p].claim()) {
          mine[p] = true;
          body.run(rest[p].from, rest[p].to);
        }
      }
    } finally {
      CALLER_BUSY.set(nested);
      // After a failure too: no piece may still be running when the caller returns.
      for (int p = 0; p < rest.length; p++) {
        if (!mine[p] && !rest[p].claim()) {
          rest[p].join();
        }
      }
    }
  }

  // A piece offered to the pool: computed by whichever of a worker and the caller claims it first.
  /**
   * A {@link #forRange} grain for items of {@code workPerItem} elements of work each (planes,
   * images): enough items for about 2^15 elements per task, at least one.
   */
  static int grain(int workPerItem) {
    return Math.max(1, (1 << 15) / Math.max(1, workPerItem));
  }

  private static final class Piece extends RecursiveAction {
    private final Range body;
    private final int from;
    private final int to;
    private final AtomicBoolean claimed = new AtomicBoolean();

    Piece(Range body, int from, int to) {
      this.body = body;
      this.from = from;
      this.to = to;
    }

    boolean claim() {
      return claimed.compareAndSet(false, true);
    }

    @Override
    protected void compute() {
      if (claim()) {
        body.run(from, to);
      }
    }
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

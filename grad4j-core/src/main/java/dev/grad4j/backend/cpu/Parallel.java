package dev.grad4j.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The shared thread pool of the CPU backend. Its size comes from the environment variable {@code
 * GRAD4J_NUM_THREADS} (or the system property {@code grad4j.threads}), else the core count. Work is
 * always split into the same ranges for the same thread count, so results are reproducible.
 */
public final class Parallel {
  private static final int THREADS = configuredThreads();
  private static final ForkJoinPool POOL =
      THREADS > 1
          ? new ForkJoinPool(THREADS, ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, false)
          : null;

  /** A range of work {@code [from, to)}. */
  public interface Range {
    void run(int from, int to);
  }

  private Parallel() {}

  /** The number of threads the backend uses. */
  public static int threads() {
    return THREADS;
  }

  /**
   * Runs {@code body} over {@code [0, n)}, split into at most one piece per thread and never into
   * pieces smaller than {@code grain}.
   */
  public static void forRange(int n, int grain, Range body) {
    int pieces = POOL == null ? 1 : Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
    if (pieces <= 1 || ForkJoinTask.getPool() == POOL) {
      body.run(0, n);
      return;
    }
    RecursiveAction[] tasks = new RecursiveAction[pieces];
    for (int p = 0; p < pieces; p++) {
      int from = (int) ((long) n * p / pieces);
      int to = (int) ((long) n * (p + 1) / pieces);
      tasks[p] =
          new RecursiveAction() {
            @Override
            protected void compute() {
              body.run(from, to);
            }
          };
    }
    POOL.invoke(
        new RecursiveAction() {
          @Override
          protected void compute() {
            invokeAll(tasks);
          }
        });
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

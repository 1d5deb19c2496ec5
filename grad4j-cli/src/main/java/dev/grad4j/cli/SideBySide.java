package dev.grad4j.cli;

import dev.grad4j.backend.cpu.Parallel;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Times several contestants side by side. Each is warmed up on its own first; then every round
 * calls each contestant a few times back to back and keeps its best call as that round's time.
 * Absolute figures are a contestant's best round; every ratio is the median over rounds of the
 * per-round ratio, so both of its sides were timed within the same short window. The machine this
 * runs on changes speed by up to 2x within minutes, and figures timed in blocks minutes apart gave
 * ratios off by as much.
 */
final class SideBySide {
  /**
   * How long to warm up (at least {@code warmups} calls and {@code warmupNanos}, see {@link
   * #warmUp}), how many rounds to time and how many calls of each contestant a round keeps the best
   * of.
   */
  record Plan(int warmups, long warmupNanos, int rounds, int callsPerRound) {}

  private final Plan plan;
  private final List<DoubleSupplier> calls = new ArrayList<>();
  private final List<Integer> warmupFactors = new ArrayList<>();

  SideBySide(Plan plan) {
    this.plan = plan;
  }

  /**
   * Adds a contestant: a call that returns its own time in seconds (so it can do untimed setup
   * first). Returns its index in the {@link Result}.
   */
  int add(DoubleSupplier timedCall) {
    return add(timedCall, 1);
  }

  /**
   * Like {@link #add(DoubleSupplier)}, warming up {@code warmupFactor} times the plan's minimum.
   */
  int add(DoubleSupplier timedCall, int warmupFactor) {
    calls.add(timedCall);
    warmupFactors.add(warmupFactor);
    return calls.size() - 1;
  }

  /** A timed call of {@code body}. */
  static DoubleSupplier timed(Runnable body) {
    return timed(() -> null, ignored -> body.run());
  }

  /** A timed call of {@code body} after an untimed {@code setup} that makes its input. */
  static <T> DoubleSupplier timed(Supplier<T> setup, Consumer<T> body) {
    return () -> {
      T input = setup.get();
      long t0 = System.nanoTime();
      body.accept(input);
      return (System.nanoTime() - t0) / 1e9;
    };
  }

  /** {@code call} run with grad4j's kernels on {@code threads} threads. */
  static DoubleSupplier onThreads(int threads, DoubleSupplier call) {
    return () -> Parallel.withThreads(threads, call::getAsDouble);
  }

  /** Warms every contestant up in turn, then times the rounds. */
  Result run() {
    for (int c = 0; c < calls.size(); c++) {
      warmUp(plan.warmups(), warmupFactors.get(c) * plan.warmupNanos(), calls.get(c));
    }
    int n = calls.size();
    double[][] times = new double[plan.rounds()][n];
    long[] wallNanos = new long[n];
    long[] gcMillis = new long[n];
    for (double[] round : times) {
      for (int c = 0; c < n; c++) {
        long gc0 = gcMillis();
        long t0 = System.nanoTime();
        round[c] = bestOf(plan.callsPerRound(), calls.get(c));
        wallNanos[c] += System.nanoTime() - t0;
        gcMillis[c] += gcMillis() - gc0;
      }
    }
    double[] gcShare = new double[n];
    for (int c = 0; c < n; c++) {
      gcShare[c] = gcMillis[c] * 1e6 / Math.max(1, wallNanos[c]);
    }
    return new Result(times, gcShare);
  }

  private static double bestOf(int calls, DoubleSupplier call) {
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < calls; i++) {
      best = Math.min(best, call.getAsDouble());
    }
    return best;
  }

  /**
   * The times of one contest.
   *
   * @param times seconds, [round][contestant]: the best of the round's calls
   * @param gcShare per contestant, the collectors' time over the wall time of its timed rounds
   *     (setup included; collections are counted in the contestant during whose calls they ran)
   */
  record Result(double[][] times, double[] gcShare) {
    /** A contestant's best time over all rounds, in seconds. */
    double best(int contestant) {
      double best = Double.POSITIVE_INFINITY;
      for (double[] round : times) {
        best = Math.min(best, round[contestant]);
      }
      return best;
    }

    /** The median over rounds of {@code times[numerator] / times[denominator]}. */
    double medianRatio(int numerator, int denominator) {
      return median(round -> round[numerator] / round[denominator]);
    }

    /** The median over rounds of a figure computed from each round's times. */
    double median(ToDoubleFunction<double[]> perRound) {
      double[] v = Arrays.stream(times).mapToDouble(perRound).sorted().toArray();
      int mid = v.length / 2;
      return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }
  }

  /**
   * Calls {@code timedCall} at least {@code warmups} times and for at least {@code warmupNanos},
   * then on until its best time has not improved for {@value #SETTLED_CALLS} calls and for {@code
   * warmupNanos}, for at most {@value #MAX_WARMUP_FACTOR} times {@code warmupNanos}. A fixed
   * warm-up is not enough: the vector kernels run 2-10x slower for the first 3 s (interpreted and
   * C1 code allocating a vector per operation, then on-stack-replaced loops), in plateaus of up to
   * a second, before C2's code settles.
   */
  private static void warmUp(int warmups, long warmupNanos, DoubleSupplier timedCall) {
    long start = System.nanoTime();
    double best = Double.POSITIVE_INFINITY;
    int sinceImproved = 0;
    long improvedAt = start;
    for (int i = 0; ; i++) {
      long now = System.nanoTime();
      boolean minimumDone = i >= warmups && now - start >= warmupNanos;
      boolean settled = sinceImproved >= SETTLED_CALLS && now - improvedAt >= warmupNanos;
      if (minimumDone && (settled || now - start >= MAX_WARMUP_FACTOR * warmupNanos)) {
        return;
      }
      double t = timedCall.getAsDouble();
      if (t < 0.98 * best) {
        best = t;
        sinceImproved = 0;
        improvedAt = System.nanoTime();
      } else {
        sinceImproved++;
      }
    }
  }

  private static final int SETTLED_CALLS = 5;
  private static final int MAX_WARMUP_FACTOR = 8;

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }
}

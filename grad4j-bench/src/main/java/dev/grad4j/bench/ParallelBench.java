package dev.grad4j.bench;

import dev.grad4j.backend.cpu.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What handing work to the backend's threads costs: a range of two equal pieces (about 40 us of
 * arithmetic each) split over {@code threads}, after {@code gap} iterations of work on the calling
 * thread alone, as between the products of a training step. With 2 threads the ideal is one piece's
 * time; the rest is the wait for the second thread to wake up and take its piece.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class ParallelBench {
  /** Threads the range is split over. */
  @Param({"1", "2"})
  public int threads;

  /** Iterations of serial work before each split (1000: ~1 us; 100000: ~100 us). */
  @Param({"1000", "100000"})
  public int gap;

  private static final int PIECE = 20_000;

  private double sink;

  /** The serial gap, then the split range; returns its sum so that nothing is optimised away. */
  @Benchmark
  public double gapThenSplit() {
    double serial = work(gap, sink);
    double[] sums = new double[2];
    return Parallel.withThreads(
        threads,
        () -> {
          Parallel.forRange(
              2,
              1,
              (from, to) -> {
                for (int p = from; p < to; p++) {
                  sums[p] = work(PIECE, p);
                }
              });
          sink = serial + sums[0] + sums[1];
          return sink;
        });
  }

  // A sum of independent square roots: about 2 ns an iteration, no memory traffic.
  private static double work(int iterations, double seed) {
    double s = 0;
    for (int i = 0; i < iterations; i++) {
      s += Math.sqrt(seed + i);
    }
    return s;
  }
}

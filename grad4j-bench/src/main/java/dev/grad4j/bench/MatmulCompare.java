package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.backend.cpu.Parallel;
import dev.grad4j.cli.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Prints grad4j's float32 matmul against OpenBLAS's {@code cblas_sgemm} (when installed), GFLOP/s
 * per shape and operand layout, measured alternately in the same run.
 *
 * <pre>
 *   GRAD4J_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SkylakeX \
 *     java --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages \
 *     -cp grad4j-bench/target/benchmarks.jar dev.grad4j.bench.MatmulCompare [filter...]
 * </pre>
 *
 * Layouts: NN is {@code A B}; NT is {@code A B^T} with B stored [n, k] (the forward of {@code
 * Linear}, and the input gradient {@code dY W^T}); TN is {@code A^T B} with A stored [k, m] (the
 * weight gradient {@code X^T dY}). Arguments keep only the rows whose name contains one of them.
 * Each figure is the median of five timed rounds of at least {@code grad4j.bench.roundMs}
 * milliseconds (default 200) after a warm-up; the two libraries alternate round by round.
 */
public final class MatmulCompare {
  private MatmulCompare() {}

  record Case(String name, int m, int n, int k, boolean transA, boolean transB) {
    String layout() {
      return (transA ? "T" : "N") + (transB ? "T" : "N");
    }

    double flops() {
      return 2.0 * m * n * k;
    }
  }

  static List<Case> cases() {
    List<Case> list = new ArrayList<>();
    for (int n : new int[] {256, 512, 1024, 2048}) {
      list.add(new Case("square" + n, n, n, n, false, false));
      list.add(new Case("square" + n, n, n, n, false, true));
      list.add(new Case("square" + n, n, n, n, true, false));
    }
    // The eight products of one MLP 784-512-512-10 training step at batch 64 (Linear weights
    // [out, in]): three forward (NT), two input gradients (NN), three weight gradients (TN).
    list.add(new Case("mlp.fwd1", 64, 512, 784, false, true));
    list.add(new Case("mlp.fwd2", 64, 512, 512, false, true));
    list.add(new Case("mlp.fwd3", 64, 10, 512, false, true));
    list.add(new Case("mlp.dX3", 64, 512, 10, false, false));
    list.add(new Case("mlp.dW3", 10, 512, 64, true, false));
    list.add(new Case("mlp.dX2", 64, 512, 512, false, false));
    list.add(new Case("mlp.dW2", 512, 512, 64, true, false));
    list.add(new Case("mlp.dW1", 512, 784, 64, true, false));
    // The same products with weights held [in, out] (MlpShapesBench's layout).
    list.add(new Case("mlpT.fwd1", 64, 512, 784, false, false));
    list.add(new Case("mlpT.fwd3", 64, 10, 512, false, false));
    list.add(new Case("mlpT.dX3", 64, 512, 10, false, true));
    list.add(new Case("mlpT.dW3", 512, 10, 64, true, false));
    list.add(new Case("mlpT.dX2", 64, 512, 512, false, true));
    return list;
  }

  /** Runs the comparison. */
  public static void main(String[] args) {
    long roundNs = Long.getLong("grad4j.bench.roundMs", 200) * 1_000_000L;
    int threads = Parallel.threads();
    OpenBlas blas = OpenBlas.get();
    if (blas != null) {
      blas.setThreads(threads);
    }
    System.out.printf(
        Locale.ROOT,
        "grad4j threads %d; OpenBLAS %s; %s%n",
        threads,
        blas == null ? "not installed" : "core " + blas.coreName(),
        System.getProperty("java.vm.version"));
    System.out.printf(
        Locale.ROOT,
        "%-12s %-3s %5s %5s %5s %10s %10s %7s%n",
        "shape",
        "op",
        "m",
        "n",
        "k",
        "grad4j",
        "OpenBLAS",
        "ratio");
    double mlpG = 0;
    double mlpB = 0;
    for (Case c : cases()) {
      if (args.length > 0 && Arrays.stream(args).noneMatch(c.name()::contains)) {
        continue;
      }
      double[] r = measure(c, blas, roundNs);
      if (c.name().startsWith("mlp.")) {
        mlpG += c.flops() / r[0];
        mlpB += blas == null ? 0 : c.flops() / r[1];
      }
      System.out.printf(
          Locale.ROOT,
          "%-12s %-3s %5d %5d %5d %10.1f %10s %7s%n",
          c.name(),
          c.layout(),
          c.m(),
          c.n(),
          c.k(),
          r[0],
          blas == null ? "-" : String.format(Locale.ROOT, "%.1f", r[1]),
          blas == null ? "-" : String.format(Locale.ROOT, "%.2f", r[0] / r[1]));
    }
    if (mlpG > 0) {
      System.out.printf(
          Locale.ROOT,
          "MLP step GEMMs (8 products): grad4j %.3f ms, OpenBLAS %s ms%n",
          mlpG / 1e6,
          blas == null ? "-" : String.format(Locale.ROOT, "%.3f", mlpB / 1e6));
    }
  }

  // GFLOP/s of grad4j and OpenBLAS (NaN without it).
  static double[] measure(Case c, OpenBlas blas, long roundNs) {
    Generator gen = new Generator(7);
    Tensor aStored = c.transA() ? Tensor.randn(gen, c.k(), c.m()) : Tensor.randn(gen, c.m(), c.k());
    Tensor bStored = c.transB() ? Tensor.randn(gen, c.n(), c.k()) : Tensor.randn(gen, c.k(), c.n());
    Tensor a = c.transA() ? aStored.transpose(0, 1) : aStored;
    Tensor b = c.transB() ? bStored.transpose(0, 1) : bStored;
    Runnable g = () -> a.matmul(b);
    try (Arena arena = Arena.ofConfined()) {
      Runnable o = null;
      if (blas != null) {
        MemorySegment na = OpenBlas.copy(arena, aStored.toFloatArray());
        MemorySegment nb = OpenBlas.copy(arena, bStored.toFloatArray());
        MemorySegment nc = OpenBlas.copy(arena, new float[c.m() * c.n()]);
        o = () -> blas.sgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), na, nb, nc);
      }
      timeRound(g, 3 * roundNs);
      if (o != null) {
        timeRound(o, 3 * roundNs);
      }
      double[] tg = new double[5];
      double[] to = new double[5];
      for (int r = 0; r < 5; r++) {
        tg[r] = timeRound(g, roundNs);
        to[r] = o == null ? Double.NaN : timeRound(o, roundNs);
      }
      Arrays.sort(tg);
      Arrays.sort(to);
      return new double[] {c.flops() / tg[2], c.flops() / to[2]};
    }
  }

  // Nanoseconds per call, over calls filling at least minNs.
  static double timeRound(Runnable body, long minNs) {
    long start = System.nanoTime();
    long calls = 0;
    long now;
    do {
      body.run();
      calls++;
      now = System.nanoTime();
    } while (now - start < minNs);
    return (double) (now - start) / calls;
  }
}

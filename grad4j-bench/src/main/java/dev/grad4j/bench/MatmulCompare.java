package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.backend.Backend;
import dev.grad4j.backend.Backends;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.cpu.Parallel;
import dev.grad4j.cli.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * Two grad4j figures: {@code grad4j} is {@code Tensor.matmul}, which allocates its result on every
 * call (written to memory not in cache); {@code intoC} is the backend's product into one reused
 * output, the conditions OpenBLAS is timed under, with {@code ratioC} its ratio. Each figure is the
 * best of {@code grad4j.bench.rounds} (default 7) timed rounds of at least {@code
 * grad4j.bench.roundMs} milliseconds (default 200) after a warm-up; the three alternate round by
 * round. The best round rather than the median, because on a shared machine other processes only
 * ever slow a round down.
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
        "grad4j threads %d; OpenBLAS %s; %s; %s clock%n",
        threads,
        blas == null ? "not installed" : "core " + blas.coreName(),
        System.getProperty("java.vm.version"),
        CPU_CLOCK ? "thread CPU" : "wall");
    System.out.printf(
        Locale.ROOT,
        "%-12s %-3s %5s %5s %5s %10s %10s %10s %7s %7s%n",
        "shape",
        "op",
        "m",
        "n",
        "k",
        "grad4j",
        "intoC",
        "OpenBLAS",
        "ratio",
        "ratioC");
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
          "%-12s %-3s %5d %5d %5d %10.1f %10.1f %10s %7s %7s%n",
          c.name(),
          c.layout(),
          c.m(),
          c.n(),
          c.k(),
          r[0],
          r[2],
          blas == null ? "-" : String.format(Locale.ROOT, "%.1f", r[1]),
          blas == null ? "-" : String.format(Locale.ROOT, "%.2f", r[0] / r[1]),
          blas == null ? "-" : String.format(Locale.ROOT, "%.2f", r[2] / r[1]));
    }
    if (mlpG > 0) {
      System.out.printf(
          Locale.ROOT,
          "MLP step GEMMs (8 products): grad4j %.3f ms, OpenBLAS %s ms%n",
          mlpG / 1e6,
          blas == null ? "-" : String.format(Locale.ROOT, "%.3f", mlpB / 1e6));
    }
  }

  // GFLOP/s of grad4j's Tensor.matmul, OpenBLAS (NaN without it) and grad4j into a reused output.
  static double[] measure(Case c, OpenBlas blas, long roundNs) {
    Generator gen = new Generator(7);
    Tensor aStored = c.transA() ? Tensor.randn(gen, c.k(), c.m()) : Tensor.randn(gen, c.m(), c.k());
    Tensor bStored = c.transB() ? Tensor.randn(gen, c.n(), c.k()) : Tensor.randn(gen, c.k(), c.n());
    Tensor a = c.transA() ? aStored.transpose(0, 1) : aStored;
    Tensor b = c.transB() ? bStored.transpose(0, 1) : bStored;
    Runnable g = () -> a.matmul(b);
    // The backend's product into one reused output, as OpenBLAS is timed: no allocation, and C
    // stays in cache from call to call.
    float[] av = aStored.toFloatArray();
    float[] bv = bStored.toFloatArray();
    Strided sa =
        new Strided(
            Storage.wrap(av),
            new int[] {1, c.m(), c.k()},
            c.transA() ? new int[] {0, 1, c.m()} : new int[] {0, c.k(), 1},
            0);
    Strided sb =
        new Strided(
            Storage.wrap(bv),
            new int[] {1, c.k(), c.n()},
            c.transB() ? new int[] {0, 1, c.k()} : new int[] {0, c.n(), 1},
            0);
    Strided sc =
        Strided.contiguous(Storage.wrap(new float[c.m() * c.n()]), new int[] {1, c.m(), c.n()});
    Backend backend = Backends.current();
    Runnable into = () -> backend.matmul(sa, sb, sc);
    try (Arena arena = Arena.ofConfined()) {
      Runnable o = null;
      if (blas != null) {
        MemorySegment na = OpenBlas.copy(arena, aStored.toFloatArray());
        MemorySegment nb = OpenBlas.copy(arena, bStored.toFloatArray());
        MemorySegment nc = OpenBlas.copy(arena, new float[c.m() * c.n()]);
        o = () -> blas.sgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), na, nb, nc);
      }
      timeRound(g, 3 * roundNs);
      timeRound(into, 3 * roundNs);
      if (o != null) {
        timeRound(o, 3 * roundNs);
      }
      int rounds = Integer.getInteger("grad4j.bench.rounds", 7);
      double tg = Double.POSITIVE_INFINITY;
      double ti = Double.POSITIVE_INFINITY;
      double to = Double.POSITIVE_INFINITY;
      for (int r = 0; r < rounds; r++) {
        tg = Math.min(tg, timeRound(g, roundNs));
        ti = Math.min(ti, timeRound(into, roundNs));
        to = o == null ? Double.NaN : Math.min(to, timeRound(o, roundNs));
      }
      return new double[] {c.flops() / tg, c.flops() / to, c.flops() / ti};
    }
  }

  // With -Dgrad4j.bench.clock=cpu rounds are timed by the calling thread's CPU time, which on a
  // busy machine leaves out the time the thread waited for a core; only meaningful when both
  // libraries compute on the calling thread (one thread each).
  private static final boolean CPU_CLOCK = "cpu".equals(System.getProperty("grad4j.bench.clock"));
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static long clock() {
    return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
  }

  // Nanoseconds per call, over calls filling at least minNs.
  static double timeRound(Runnable body, long minNs) {
    long start = clock();
    long calls = 0;
    long now;
    do {
      body.run();
      calls++;
      now = clock();
    } while (now - start < minNs);
    return (double) (now - start) / calls;
  }
}

package dev.grad4j.cli;

import static dev.grad4j.backend.BinaryOp.ADD;
import static dev.grad4j.backend.BinaryOp.MUL;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.Backend;
import dev.grad4j.backend.Backends;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;
import dev.grad4j.backend.cpu.Parallel;
import dev.grad4j.nn.Functional;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.SGD;
import dev.grad4j.train.Models;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The measurements behind {@code grad4j bench}: GEMM, memory-bound ops against a plain Java triad
 * loop, convolution layers, whole MLP and CNN training steps, per-op overhead and GC share, each
 * against OpenBLAS's {@code cblas_sgemm} where that applies and the library is installed.
 *
 * <p>Every figure is the best of several timed runs after warm-up runs, so that a busy machine
 * disturbs it less; thread counts are switched in-process with {@link Parallel#withThreads}.
 */
final class SpeedBench {
  /** Sizes of one run: the full set, or the quick one (a few seconds, for tests). */
  record Sizes(int gemmN, int memoryFloats, int batch, int warmups, long warmupNanos, int runs) {
    static final Sizes FULL = new Sizes(1024, 1 << 24, 64, 3, 1_000_000_000L, 7);
    static final Sizes QUICK = new Sizes(128, 1 << 16, 4, 1, 0, 2);
  }

  private final Sizes sizes;
  private final OpenBlas blas;
  private final Generator gen = new Generator(42);

  SpeedBench(Sizes sizes, OpenBlas blas) {
    this.sizes = sizes;
    this.blas = blas;
  }

  /** Best wall time of {@code runs} calls, in seconds, after {@link #warmUp warm-up calls}. */
  static double bestSeconds(int warmups, long warmupNanos, int runs, Runnable body) {
    return bestSeconds(warmups, warmupNanos, runs, () -> null, ignored -> body.run());
  }

  /**
   * Like {@link #bestSeconds(int, long, int, Runnable)}, timing only {@code body} after an untimed
   * setup.
   */
  static <T> double bestSeconds(
      int warmups,
      long warmupNanos,
      int runs,
      Supplier<T> setup,
      java.util.function.Consumer<T> body) {
    DoubleSupplier call =
        () -> {
          T input = setup.get();
          long t0 = System.nanoTime();
          body.accept(input);
          return (System.nanoTime() - t0) / 1e9;
        };
    warmUp(warmups, warmupNanos, call);
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < runs; i++) {
      best = Math.min(best, call.getAsDouble());
    }
    return best;
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

  private double time(Runnable body) {
    return bestSeconds(sizes.warmups(), sizes.warmupNanos(), sizes.runs(), body);
  }

  static <T> T withThreads(int threads, Supplier<T> body) {
    return Parallel.withThreads(threads, body);
  }

  // ---------------------------------------------------------------- GEMM

  /**
   * Seconds for one grad4j float32 [n, n] x [n, n] product. Measured first, so its warm-up is at
   * least three times the usual: the GEMM kernel takes about 3 s to reach C2's code.
   */
  double gemm(int n) {
    Tensor a = Tensor.randn(gen, n, n);
    Tensor b = Tensor.randn(gen, n, n);
    return noGrad(
        () ->
            bestSeconds(sizes.warmups(), 3 * sizes.warmupNanos(), sizes.runs(), () -> a.matmul(b)));
  }

  /** Seconds for one OpenBLAS sgemm C[m, n] = A[m, k] B[k, n] with {@code threads} threads. */
  double blasGemm(int threads, int m, int n, int k) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment a = OpenBlas.copy(arena, Tensor.randn(gen, m * k).toFloatArray());
      MemorySegment b = OpenBlas.copy(arena, Tensor.randn(gen, k * n).toFloatArray());
      MemorySegment c = OpenBlas.copy(arena, new float[m * n]);
      blas.setThreads(threads);
      return time(() -> blas.sgemm(false, false, m, n, k, a, b, c));
    }
  }

  // ---------------------------------------------------------------- memory-bound ops

  /**
   * One memory-bound op: its name, bytes moved, seconds when it returns a fresh result (as {@code
   * Tensor}'s ops do), and seconds when the backend's kernel writes into one reused output (NaN
   * where that was not measured). The difference is what allocating the result costs.
   */
  record MemoryRow(String name, double bytes, double seconds, double intoSeconds) {
    double gbPerSecond() {
      return bytes / seconds / 1e9;
    }

    double intoGbPerSecond() {
      return bytes / intoSeconds / 1e9;
    }
  }

  /** A plain Java triad loop a[i] = b[i] + s·c[i] over the given floats, split over threads. */
  MemoryRow triad(int threads) {
    int n = sizes.memoryFloats();
    float[] a = new float[n];
    float[] b = Tensor.randn(gen, n).toFloatArray();
    float[] c = Tensor.randn(gen, n).toFloatArray();
    float s = 1.5f;
    double t =
        withThreads(
            threads,
            () ->
                time(
                    () ->
                        Parallel.forRange(
                            n,
                            n / threads,
                            (from, to) -> {
                              for (int i = from; i < to; i++) {
                                a[i] = b[i] + s * c[i];
                              }
                            })));
    return new MemoryRow("triad (plain Java loop)", 12.0 * n, t, t);
  }

  /**
   * The floor under every op that returns a fresh result: allocating a zeroed float[] of the same
   * size (for 2^24 floats a G1 humongous object, zeroed by the allocating thread), as bytes
   * written.
   */
  MemoryRow allocation() {
    int n = sizes.memoryFloats();
    float[][] keep = new float[1][];
    double t = time(() -> keep[0] = new float[n]);
    return new MemoryRow("allocate a result (new float[n])", 4.0 * n, t, Double.NaN);
  }

  /**
   * The elementwise ops, reductions and softmax on the same number of floats, each timed returning
   * a fresh tensor and with the backend's kernel writing into one reused output.
   */
  MemoryRow[] memoryOps(int threads) {
    int n = sizes.memoryFloats();
    int side = (int) Math.sqrt(n);
    int[] shape = {side, side};
    Tensor x = Tensor.randn(gen, side, side);
    Tensor y = Tensor.randn(gen, side, side);
    Tensor row = Tensor.randn(gen, side);
    Tensor ytData = Tensor.randn(gen, side, side);
    Tensor yt = ytData.t();
    // The same operands as the backend sees them, and one output that every kernel overwrites.
    Strided xs = Strided.contiguous(Storage.wrap(x.toFloatArray()), shape);
    Strided ys = Strided.contiguous(Storage.wrap(y.toFloatArray()), shape);
    Strided two = new Strided(Storage.wrap(new float[] {2}), shape, new int[] {0, 0}, 0);
    Strided rows = new Strided(Storage.wrap(row.toFloatArray()), shape, new int[] {0, 1}, 0);
    Strided yts = new Strided(Storage.wrap(ytData.toFloatArray()), shape, new int[] {1, side}, 0);
    Strided out = Strided.contiguous(Storage.wrap(new float[side * side]), shape);
    Backend be = Backends.current();
    settleHeap(n);
    double f = 4.0 * side * side; // bytes of one operand
    return withThreads(
        threads,
        () ->
            noGrad(
                () ->
                    timeMemoryOps(
                        new MemoryOp[] {
                          new MemoryOp(
                              "add  x + y",
                              3 * f,
                              () -> x.add(y),
                              () -> be.binary(ADD, xs, ys, out)),
                          new MemoryOp(
                              "mul  x * 2",
                              2 * f,
                              () -> x.mul(2),
                              () -> be.binary(MUL, xs, two, out)),
                          new MemoryOp(
                              "relu", 2 * f, x::relu, () -> be.unary(UnaryOp.RELU, 0, 0, xs, out)),
                          new MemoryOp(
                              "exp", 2 * f, x::exp, () -> be.unary(UnaryOp.EXP, 0, 0, xs, out)),
                          new MemoryOp(
                              "tanh", 2 * f, x::tanh, () -> be.unary(UnaryOp.TANH, 0, 0, xs, out)),
                          new MemoryOp(
                              "sigmoid",
                              2 * f,
                              x::sigmoid,
                              () -> be.unary(UnaryOp.SIGMOID, 0, 0, xs, out)),
                          // Sums write one value or one column: nothing to gain from a reused
                          // output.
                          new MemoryOp("sum (all)", f, x::sum, null),
                          new MemoryOp("sum (rows)", f, () -> x.sum(1), null),
                          new MemoryOp(
                              "softmax (rows)",
                              2 * f,
                              () -> x.softmax(1),
                              () -> be.softmax(false, xs, 1, out)),
                          new MemoryOp(
                              "broadcast add x + row",
                              2 * f,
                              () -> x.add(row),
                              () -> be.binary(ADD, xs, rows, out)),
                          new MemoryOp(
                              "transposed add x + y^T",
                              3 * f,
                              () -> x.add(yt),
                              () -> be.binary(ADD, xs, yts, out)),
                        })));
  }

  /** A memory-bound op: returning a fresh result, and its kernel into a reused output (or null). */
  private record MemoryOp(String name, double bytes, Runnable fresh, Runnable into) {}

  /**
   * Times every op's fresh form first and then every kernel into the reused output, so that each
   * phase works on one set of operands: interleaved, the two sets (7 x 64 MiB) overflowed the L3
   * cache and each fresh op read its inputs from memory.
   */
  private MemoryRow[] timeMemoryOps(MemoryOp[] ops) {
    double[] fresh = new double[ops.length];
    for (int i = 0; i < ops.length; i++) {
      fresh[i] = time(ops[i].fresh());
    }
    MemoryRow[] rows = new MemoryRow[ops.length];
    for (int i = 0; i < ops.length; i++) {
      MemoryOp op = ops[i];
      double into = op.into() == null ? Double.NaN : time(op.into());
      rows[i] = new MemoryRow(op.name(), op.bytes(), fresh[i], into);
    }
    return rows;
  }

  // ---------------------------------------------------------------- convolution

  /** One conv layer of the CNN: forward and backward times and the FLOPs of each. */
  record ConvRow(String name, double flops, double forward, double backward, double blasSeconds) {}

  /** The CNN's two conv layers at the batch size: 1→32 on 28×28 and 32→64 on 13×13, 3×3. */
  ConvRow[] conv(int threads) {
    return new ConvRow[] {
      conv(threads, "conv 1->32, 28x28", 1, 32, 28), conv(threads, "conv 32->64, 13x13", 32, 64, 13)
    };
  }

  private ConvRow conv(int threads, String name, int in, int out, int side) {
    int n = sizes.batch();
    int o = side - 2;
    Tensor x = Tensor.randn(gen, n, in, side, side).requiresGrad(true);
    Tensor w = Tensor.randn(gen, out, in, 3, 3).mul(0.1).detach().requiresGrad(true);
    Tensor g = Tensor.randn(gen, n, out, o, o);
    double flops = 2.0 * n * out * in * 9 * o * o; // one of forward, input grad, weight grad
    double forward =
        withThreads(threads, () -> noGrad(() -> time(() -> Functional.conv2d(x, w, null))));
    // Backward alone: the graph is recorded in an untimed setup before each call.
    double backward =
        withThreads(
            threads,
            () ->
                bestSeconds(
                    sizes.warmups(),
                    sizes.warmupNanos(),
                    sizes.runs(),
                    () -> {
                      x.zeroGrad();
                      w.zeroGrad();
                      return Functional.conv2d(x, w, null);
                    },
                    y -> y.backward(g)));
    double blasSeconds = blas == null ? Double.NaN : blasGemm(threads, out, n * o * o, in * 9);
    return new ConvRow(name, flops, forward, backward, blasSeconds);
  }

  // ---------------------------------------------------------------- training steps

  /** Seconds per training step and the GC share of the timed steps. */
  record StepRow(double seconds, double gcShare) {}

  /**
   * One training step of the seed model {@code name} at the batch size: forward, cross-entropy,
   * backward and an SGD-with-momentum update.
   */
  StepRow trainStep(String name, int threads) {
    int n = sizes.batch();
    Sequential model = Models.create(name, new Generator(1));
    Tensor x = Tensor.rand(gen, n, 1, 28, 28);
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 10;
    }
    Tensor y = Tensor.of(labels, n);
    // Learning rate 0: the update still does all its work (momentum 0.9), but the weights stay
    // put. Trained on one fixed batch the loss falls to ~3e-4 and ~48k gradient and momentum
    // values turn subnormal, which x86 handles several times slower than a real step would.
    SGD opt = new SGD(model.parameters(), 0, 0.9);
    Runnable step =
        () -> {
          opt.zeroGrad();
          Losses.crossEntropy(model.forward(x), y).backward();
          opt.step();
        };
    return withThreads(
        threads,
        () -> {
          long gc0 = gcMillis();
          long t0 = System.nanoTime();
          double best = time(step);
          double wall = (System.nanoTime() - t0) / 1e9;
          return new StepRow(best, (gcMillis() - gc0) / 1e3 / wall);
        });
  }

  // m, n, k of the MLP step's eight products: three forward, two input gradients (layer 1's is
  // not needed) and three weight gradients.
  private int[][] mlpGemmShapes() {
    int b = sizes.batch();
    return new int[][] {
      {b, 512, 784},
      {b, 512, 512},
      {b, 10, 512},
      {b, 512, 10},
      {b, 512, 512},
      {10, 512, b},
      {512, 512, b},
      {512, 784, b}
    };
  }

  /** The eight GEMMs of one MLP 784-512-512-10 step at the batch size under OpenBLAS, seconds. */
  double mlpGemmsUnderBlas(int threads) {
    double total = 0;
    for (int[] s : mlpGemmShapes()) {
      total += blasGemm(threads, s[0], s[1], s[2]);
    }
    return total;
  }

  /** The same eight GEMMs through grad4j's matmul (dense operands), seconds. */
  double mlpGemms(int threads) {
    double total = 0;
    for (int[] s : mlpGemmShapes()) {
      Tensor a = Tensor.randn(gen, s[0], s[2]);
      Tensor b = Tensor.randn(gen, s[2], s[1]);
      total += withThreads(threads, () -> noGrad(() -> time(() -> a.matmul(b))));
    }
    return total;
  }

  /**
   * Allocates results of {@code n} floats until the collector has run twice. Until then the heap
   * grows, and each fresh result lands in memory never touched before, whose page faults made the
   * first timed op (add) read 3x slower than the ones after it; a long training run allocates in a
   * heap that has long settled.
   */
  private static void settleHeap(int n) {
    long start = gcCount();
    for (int i = 0; i < 1000 && gcCount() < start + 2; i++) {
      heapSink = new float[n];
    }
    heapSink = null;
  }

  // Keeps settleHeap's arrays from being optimised away.
  private static volatile float[] heapSink;

  private static long gcCount() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionCount());
    }
    return sum;
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  // ---------------------------------------------------------------- overhead

  /** Seconds per scalar add with gradient recording (dispatch, kernel and graph node). */
  double scalarAddOverhead() {
    Tensor a = Tensor.scalar(1.5).requiresGrad(true);
    Tensor b = Tensor.scalar(2.5);
    int reps = 10_000;
    return time(
            () -> {
              for (int i = 0; i < reps; i++) {
                a.add(b);
              }
            })
        / reps;
  }

  private static <T> T noGrad(Supplier<T> body) {
    try (var g = GradMode.disabled()) {
      return body.get();
    }
  }
}

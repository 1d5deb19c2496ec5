package dev.grad4j.cli;

import static dev.grad4j.backend.BinaryOp.ADD;
import static dev.grad4j.backend.BinaryOp.MUL;
import static dev.grad4j.cli.SideBySide.onThreads;
import static dev.grad4j.cli.SideBySide.timed;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.Backend;
import dev.grad4j.backend.Backends;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;
import dev.grad4j.backend.Window2d;
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
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The measurements behind {@code grad4j bench}: GEMM, memory-bound ops against a plain Java triad
 * loop, convolution layers, whole MLP and CNN training steps, per-op overhead and GC share, each
 * against OpenBLAS's {@code cblas_sgemm} where that applies and the library is installed.
 *
 * <p>Every figure that a ratio compares is timed in one {@link SideBySide} contest with the other
 * side of the ratio; thread counts are switched call by call with {@link Parallel#withThreads} and
 * {@link OpenBlas#setThreads}. Each method returns NaN for OpenBLAS's figures when it is absent.
 */
final class SpeedBench {
  /** Sizes of one run: the full set, or the quick one (a few seconds, for tests). */
  record Sizes(int gemmN, int memoryFloats, int batch, SideBySide.Plan plan) {
    static final Sizes FULL =
        new Sizes(1024, 1 << 24, 64, new SideBySide.Plan(3, 1_000_000_000L, 7, 3));
    static final Sizes QUICK = new Sizes(128, 1 << 16, 4, new SideBySide.Plan(1, 0, 3, 2));
  }

  private final Sizes sizes;
  private final OpenBlas blas;
  private final int many;
  private final Generator gen = new Generator(42);

  /**
   * Measures at 1 and {@code many} threads, with OpenBLAS beside grad4j unless {@code blas} is
   * null.
   */
  SpeedBench(Sizes sizes, OpenBlas blas, int many) {
    this.sizes = sizes;
    this.blas = blas;
    this.many = many;
  }

  private SideBySide contest() {
    return new SideBySide(sizes.plan());
  }

  // ---------------------------------------------------------------- GEMM

  /**
   * Seconds per call at 1 and N threads, and the ratios of one GEMM contest: grad4j's speed over
   * OpenBLAS's at each thread count and each library's N-thread speedup (per-round medians).
   */
  record GemmRow(
      double flops,
      double one,
      double many,
      double blasOne,
      double blasMany,
      double vsBlasOne,
      double vsBlasMany,
      double speedup,
      double blasSpeedup) {}

  /**
   * grad4j's float32 [n, n] x [n, n] product at 1 and N threads and OpenBLAS's at 1 and N, side by
   * side. grad4j's warm-up is three times the usual: its GEMM kernel takes about 3 s to reach C2's
   * code.
   */
  GemmRow gemm(int n) {
    Tensor a = Tensor.randn(gen, n, n);
    Tensor b = Tensor.randn(gen, n, n);
    SideBySide contest = contest();
    int g1 = contest.add(onThreads(1, timed(() -> a.matmul(b))), 3);
    int gm = contest.add(onThreads(many, timed(() -> a.matmul(b))), 3);
    try (Arena arena = Arena.ofConfined()) {
      int b1 = blas == null ? -1 : contest.add(blasGemm(arena, 1, new int[][] {{n, n, n}}));
      int bm = blas == null ? -1 : contest.add(blasGemm(arena, many, new int[][] {{n, n, n}}));
      SideBySide.Result r = noGrad(contest::run);
      return new GemmRow(
          2.0 * n * n * n,
          r.best(g1),
          r.best(gm),
          best(r, b1),
          best(r, bm),
          ratio(r, b1, g1),
          ratio(r, bm, gm),
          r.medianRatio(g1, gm),
          ratio(r, b1, bm));
    }
  }

  /**
   * A timed call of OpenBLAS sgemm C[m, n] = A[m, k] B[k, n] with {@code threads} threads, for each
   * {m, n, k} of {@code shapes} back to back, on operands allocated in {@code arena}.
   */
  private DoubleSupplier blasGemm(Arena arena, int threads, int[][] shapes) {
    MemorySegment[][] operands = new MemorySegment[shapes.length][];
    for (int i = 0; i < shapes.length; i++) {
      int m = shapes[i][0];
      int n = shapes[i][1];
      int k = shapes[i][2];
      operands[i] =
          new MemorySegment[] {
            OpenBlas.copy(arena, Tensor.randn(gen, m * k).toFloatArray()),
            OpenBlas.copy(arena, Tensor.randn(gen, k * n).toFloatArray()),
            OpenBlas.copy(arena, new float[m * n])
          };
    }
    return timed(
        () -> {
          blas.setThreads(threads);
          return null;
        },
        ignored -> {
          for (int i = 0; i < shapes.length; i++) {
            MemorySegment[] o = operands[i];
            blas.sgemm(false, false, shapes[i][0], shapes[i][1], shapes[i][2], o[0], o[1], o[2]);
          }
        });
  }

  /** The best time of contestant {@code c}, or NaN when it was not added ({@code c < 0}). */
  private static double best(SideBySide.Result r, int c) {
    return c < 0 ? Double.NaN : r.best(c);
  }

  /** The median ratio of times {@code num / den}, or NaN when either was not added. */
  private static double ratio(SideBySide.Result r, int num, int den) {
    return num < 0 || den < 0 ? Double.NaN : r.medianRatio(num, den);
  }

  // ---------------------------------------------------------------- memory-bound ops

  /**
   * One memory-bound op: its name, bytes moved, seconds when it returns a fresh result (as {@code
   * Tensor}'s ops do) and its speed as a fraction of the triad's timed beside it, and the same when
   * the backend's kernel writes into one reused output (NaN where that was not measured). The
   * difference is what allocating the result costs.
   */
  record MemoryRow(
      String name,
      double bytes,
      double seconds,
      double vsTriad,
      double intoSeconds,
      double intoVsTriad) {
    double gbPerSecond() {
      return bytes / seconds / 1e9;
    }

    double intoGbPerSecond() {
      return bytes / intoSeconds / 1e9;
    }
  }

  /** A memory-bound op: returning a fresh result, and its kernel into a reused output (or null). */
  private record MemoryOp(String name, double bytes, Runnable fresh, Runnable into) {}

  /**
   * The triad (a plain Java loop), the elementwise ops, reductions and softmax on the same number
   * of floats at N threads, each returning a fresh tensor and with the backend's kernel writing
   * into one reused output, and last the cost of allocating a result alone.
   *
   * <p>Two contests, each with its own triad as the reference: first the fresh forms, then the
   * kernels into the reused output, so that each works on one set of operands: interleaved, the two
   * sets (7 x 64 MiB) overflowed the L3 cache and each fresh op read its inputs from memory. The
   * second triad reads and writes the second contest's own arrays (out = xs + 1.5 ys).
   */
  MemoryRow[] memoryOps() {
    int n = sizes.memoryFloats();
    int side = (int) Math.sqrt(n);
    int[] shape = {side, side};
    Tensor x = Tensor.randn(gen, side, side);
    Tensor y = Tensor.randn(gen, side, side);
    Tensor row = Tensor.randn(gen, side);
    Tensor ytData = Tensor.randn(gen, side, side);
    Tensor yt = ytData.t();
    // The same operands as the backend sees them, and one output that every kernel overwrites.
    float[] xa = x.toFloatArray();
    float[] ya = y.toFloatArray();
    float[] outa = new float[side * side];
    Strided xs = Strided.contiguous(Storage.wrap(xa), shape);
    Strided ys = Strided.contiguous(Storage.wrap(ya), shape);
    Strided two = new Strided(Storage.wrap(new float[] {2}), shape, new int[] {0, 0}, 0);
    Strided rows = new Strided(Storage.wrap(row.toFloatArray()), shape, new int[] {0, 1}, 0);
    Strided yts = new Strided(Storage.wrap(ytData.toFloatArray()), shape, new int[] {1, side}, 0);
    Strided out = Strided.contiguous(Storage.wrap(outa), shape);
    Backend be = Backends.current();
    double f = 4.0 * side * side; // bytes of one operand
    float[][] keep = new float[1][];
    MemoryOp[] ops = {
      new MemoryOp("add  x + y", 3 * f, () -> x.add(y), () -> be.binary(ADD, xs, ys, out)),
      new MemoryOp("mul  x * 2", 2 * f, () -> x.mul(2), () -> be.binary(MUL, xs, two, out)),
      new MemoryOp("relu", 2 * f, x::relu, () -> be.unary(UnaryOp.RELU, 0, 0, xs, out)),
      new MemoryOp("exp", 2 * f, x::exp, () -> be.unary(UnaryOp.EXP, 0, 0, xs, out)),
      new MemoryOp("tanh", 2 * f, x::tanh, () -> be.unary(UnaryOp.TANH, 0, 0, xs, out)),
      new MemoryOp("sigmoid", 2 * f, x::sigmoid, () -> be.unary(UnaryOp.SIGMOID, 0, 0, xs, out)),
      // Sums write one value or one column: nothing to gain from a reused output.
      new MemoryOp("sum (all)", f, x::sum, null),
      new MemoryOp("sum (rows)", f, () -> x.sum(1), null),
      new MemoryOp(
          "softmax (rows)", 2 * f, () -> x.softmax(1), () -> be.softmax(false, xs, 1, out)),
      new MemoryOp(
          "broadcast add x + row", 2 * f, () -> x.add(row), () -> be.binary(ADD, xs, rows, out)),
      new MemoryOp(
          "transposed add x + y^T", 3 * f, () -> x.add(yt), () -> be.binary(ADD, xs, yts, out)),
      // The floor under every fresh result: for 2^24 floats a G1 humongous object, zeroed by the
      // allocating thread; as bytes written. One thread whatever the thread count.
      new MemoryOp("allocate a result (new float[n])", f, () -> keep[0] = new float[n], null),
    };
    float[] triadOut = new float[n];
    float[] triadB = Tensor.randn(gen, n).toFloatArray();
    float[] triadC = Tensor.randn(gen, n).toFloatArray();
    settleHeap(n);
    double[][] fresh =
        noGrad(() -> timeAgainstTriad(ops, MemoryOp::fresh, triadOut, triadB, triadC));
    double[][] into = timeAgainstTriad(ops, MemoryOp::into, outa, xa, ya);

    MemoryRow[] result = new MemoryRow[ops.length + 1];
    result[0] = new MemoryRow("triad (plain Java loop)", 3 * f, fresh[0][0], 1, into[0][0], 1);
    for (int i = 0; i < ops.length; i++) {
      result[i + 1] =
          new MemoryRow(
              ops[i].name(),
              ops[i].bytes(),
              fresh[i + 1][0],
              fresh[i + 1][1],
              into[i + 1][0],
              into[i + 1][1]);
    }
    return result;
  }

  /**
   * One contest at N threads of the triad a = b + 1.5 c and of the form of each op that {@code
   * form} picks (null: not timed). Returns, the triad first, {best seconds, median of the per-round
   * speed over the triad's}; {NaN, NaN} for ops not timed.
   */
  private double[][] timeAgainstTriad(
      MemoryOp[] ops, Function<MemoryOp, Runnable> form, float[] a, float[] b, float[] c) {
    int n = a.length;
    SideBySide contest = contest();
    int triad =
        contest.add(
            onThreads(
                many,
                timed(
                    () ->
                        Parallel.forRange(
                            n,
                            Math.max(1, n / many),
                            (from, to) -> {
                              for (int i = from; i < to; i++) {
                                a[i] = b[i] + 1.5f * c[i];
                              }
                            }))));
    int[] index = new int[ops.length];
    for (int i = 0; i < ops.length; i++) {
      Runnable body = form.apply(ops[i]);
      index[i] = body == null ? -1 : contest.add(onThreads(many, timed(body)));
    }
    SideBySide.Result r = contest.run();
    double[][] rows = new double[ops.length + 1][];
    rows[0] = new double[] {r.best(triad), 1};
    for (int i = 0; i < ops.length; i++) {
      int op = index[i];
      // Speed ratio = bytes ratio x time ratio; the triad moves 12 bytes per float.
      rows[i + 1] =
          op < 0
              ? new double[] {Double.NaN, Double.NaN}
              : new double[] {r.best(op), ops[i].bytes() / (12.0 * n) * r.medianRatio(triad, op)};
    }
    return rows;
  }

  // ---------------------------------------------------------------- convolution

  /**
   * One conv layer of the CNN: the FLOPs of each of forward, input gradient and weight gradient;
   * per thread count grad4j's forward and backward and OpenBLAS's sgemm of the same shape; and the
   * ratios of one contest (per-round medians): the speedup of forward and backward together, of the
   * forward kernel into a reused output alone, and of the forward as a training step runs it.
   */
  record ConvRow(
      String name,
      double flops,
      ConvSide one,
      ConvSide many,
      double speedup,
      double intoSpeedup,
      double trainingSpeedup,
      double blasSpeedup) {}

  /**
   * Seconds of forward, backward (two GEMM-sized products), the forward kernel writing into one
   * reused output (as OpenBLAS's sgemm writes into its C; NaN when the backend has no conv kernel),
   * the forward in training (recorded, its result in the buffer of the gradient the previous
   * backward consumed) and OpenBLAS's sgemm at one thread count, and grad4j's speeds as fractions
   * of that sgemm's.
   */
  record ConvSide(
      double forward,
      double backward,
      double forwardInto,
      double forwardTraining,
      double blas,
      double forwardVsBlas,
      double backwardVsBlas,
      double forwardIntoVsBlas,
      double forwardTrainingVsBlas) {}

  /** The CNN's two conv layers at the batch size: 1→32 on 28×28 and 32→64 on 13×13, 3×3. */
  ConvRow[] conv() {
    return new ConvRow[] {
      conv("conv 1->32, 28x28", 1, 32, 28), conv("conv 32->64, 13x13", 32, 64, 13)
    };
  }

  private ConvRow conv(String name, int in, int out, int side) {
    int n = sizes.batch();
    int o = side - 2;
    Tensor x = Tensor.randn(gen, n, in, side, side).requiresGrad(true);
    Tensor w = Tensor.randn(gen, out, in, 3, 3).mul(0.1).detach().requiresGrad(true);
    Tensor g = Tensor.randn(gen, n, out, o, o);
    DoubleSupplier forward =
        timed(
            () -> {
              try (var off = GradMode.disabled()) {
                Functional.conv2d(x, w, null);
              }
            });
    // Backward alone: the graph is recorded in an untimed setup before each call.
    DoubleSupplier backward =
        timed(
            () -> {
              x.zeroGrad();
              w.zeroGrad();
              return Functional.conv2d(x, w, null);
            },
            y -> y.backward(g));
    // The backend's kernel into one reused output: the forward without the fresh result, whose
    // zeroing by the JVM (serial, on the allocating thread) is a large share of a short forward.
    Backend be = Backends.current();
    Strided xs = Strided.contiguous(Storage.wrap(x.toFloatArray()), x.shape());
    Strided ws = Strided.contiguous(Storage.wrap(w.toFloatArray()), w.shape());
    int[] outShape = {n, out, o, o};
    Strided ys = Strided.contiguous(Storage.wrap(new float[n * out * o * o]), outShape);
    Window2d window = new Window2d(3, 3, 1, 1, 0, 0, 1, 1);
    DoubleSupplier forwardInto =
        be.conv2d(xs, ws, null, window, ys)
            ? timed(() -> be.conv2d(xs, ws, null, window, ys))
            : null;
    // The forward as a training step runs it: recorded, and its result takes the buffer of the
    // output's gradient, which the previous backward consumed (see Engine), so no new array is
    // zeroed. The untimed setup runs that backward through a ReLU, as in the CNN.
    DoubleSupplier forwardTraining =
        timed(
            () -> {
              x.zeroGrad();
              w.zeroGrad();
              Functional.conv2d(x, w, null).relu().sum().backward();
              return null;
            },
            ignored -> Functional.conv2d(x, w, null));
    SideBySide contest = contest();
    int f1 = contest.add(onThreads(1, forward));
    int b1 = contest.add(onThreads(1, backward));
    int fm = contest.add(onThreads(many, forward));
    int bm = contest.add(onThreads(many, backward));
    int i1 = forwardInto == null ? -1 : contest.add(onThreads(1, forwardInto));
    int im = forwardInto == null ? -1 : contest.add(onThreads(many, forwardInto));
    int t1 = contest.add(onThreads(1, forwardTraining));
    int tm = contest.add(onThreads(many, forwardTraining));
    try (Arena arena = Arena.ofConfined()) {
      int[][] shape = {{out, n * o * o, in * 9}};
      int s1 = blas == null ? -1 : contest.add(blasGemm(arena, 1, shape));
      int sm = blas == null ? -1 : contest.add(blasGemm(arena, many, shape));
      SideBySide.Result r = contest.run();
      return new ConvRow(
          name,
          2.0 * n * out * in * 9 * o * o,
          convSide(r, f1, b1, i1, t1, s1),
          convSide(r, fm, bm, im, tm, sm),
          r.median(t -> (t[f1] + t[b1]) / (t[fm] + t[bm])),
          ratio(r, i1, im),
          ratio(r, t1, tm),
          ratio(r, s1, sm));
    }
  }

  private static ConvSide convSide(
      SideBySide.Result r, int forward, int backward, int forwardInto, int training, int blas) {
    return new ConvSide(
        r.best(forward),
        r.best(backward),
        best(r, forwardInto),
        r.best(training),
        best(r, blas),
        ratio(r, blas, forward),
        blas < 0 ? Double.NaN : 2 * r.medianRatio(blas, backward),
        ratio(r, blas, forwardInto),
        ratio(r, blas, training));
  }

  // ---------------------------------------------------------------- training steps

  /**
   * Seconds per training step at 1 and N threads, the N-thread speedup (per-round median) and the
   * GC share of the N-thread step's timed rounds.
   */
  record StepRow(double one, double many, double speedup, double gcShare) {}

  /**
   * The MLP's step beside its eight GEMMs: the step, those GEMMs through grad4j and under OpenBLAS
   * at N threads (seconds of the eight back to back), and the step over each (per-round medians).
   */
  record MlpRow(StepRow step, double gemms, double blasGemms, double overGemms, double overBlas) {}

  /**
   * The MLP's training step at 1 and N threads, its eight GEMMs in grad4j at N threads and the same
   * eight under OpenBLAS at N threads, side by side.
   */
  MlpRow mlpStep() {
    SideBySide contest = contest();
    DoubleSupplier step = trainStep("mlp");
    int s1 = contest.add(onThreads(1, step));
    int sm = contest.add(onThreads(many, step));
    int[][] shapes = mlpGemmShapes();
    Tensor[][] operands = new Tensor[shapes.length][];
    for (int i = 0; i < shapes.length; i++) {
      operands[i] =
          new Tensor[] {
            Tensor.randn(gen, shapes[i][0], shapes[i][2]),
            Tensor.randn(gen, shapes[i][2], shapes[i][1])
          };
    }
    int gm =
        contest.add(
            onThreads(
                many,
                timed(
                    () -> {
                      try (var off = GradMode.disabled()) {
                        for (Tensor[] ab : operands) {
                          ab[0].matmul(ab[1]);
                        }
                      }
                    })));
    try (Arena arena = Arena.ofConfined()) {
      int bm = blas == null ? -1 : contest.add(blasGemm(arena, many, shapes));
      SideBySide.Result r = contest.run();
      return new MlpRow(
          stepRow(r, s1, sm), r.best(gm), best(r, bm), r.medianRatio(sm, gm), ratio(r, sm, bm));
    }
  }

  /** The CNN's training step at 1 and N threads, side by side. */
  StepRow cnnStep() {
    SideBySide contest = contest();
    DoubleSupplier step = trainStep("cnn");
    int s1 = contest.add(onThreads(1, step));
    int sm = contest.add(onThreads(many, step));
    return stepRow(contest.run(), s1, sm);
  }

  private static StepRow stepRow(SideBySide.Result r, int one, int many) {
    return new StepRow(r.best(one), r.best(many), r.medianRatio(one, many), r.gcShare()[many]);
  }

  /**
   * A timed training step of the seed model {@code name} at the batch size: forward, cross-entropy,
   * backward and an SGD-with-momentum update.
   */
  private DoubleSupplier trainStep(String name) {
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
    return timed(
        () -> {
          opt.zeroGrad();
          Losses.crossEntropy(model.forward(x), y).backward();
          opt.step();
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

  // ---------------------------------------------------------------- overhead

  /** Seconds per scalar add with gradient recording (dispatch, kernel and graph node). */
  double scalarAddOverhead() {
    Tensor a = Tensor.scalar(1.5).requiresGrad(true);
    Tensor b = Tensor.scalar(2.5);
    int reps = 10_000;
    SideBySide contest = contest();
    int add =
        contest.add(
            timed(
                () -> {
                  for (int i = 0; i < reps; i++) {
                    a.add(b);
                  }
                }));
    return contest.run().best(add) / reps;
  }

  private static <T> T noGrad(Supplier<T> body) {
    try (var g = GradMode.disabled()) {
      return body.get();
    }
  }
}

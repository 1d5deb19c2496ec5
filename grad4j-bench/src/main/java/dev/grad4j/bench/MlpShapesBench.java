package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.cli.OpenBlas;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The eight float32 matrix products of one training step of an MLP 784-512-512-10 at batch 64, each
 * on its own and all eight together, called directly through {@link Tensor#matmul} with no gradient
 * recording.
 *
 * <p>Here the weights are held as {@code [in, out]}, so the forward product of layer l is {@code Y
 * = X W} with both operands contiguous. The backward products are written the way the matmul
 * derivative rule writes them, with {@code transpose(0, 1)} views: {@code dX = dY W^T} and {@code
 * dW = X^T dY}. The backend reads a transposed view in place (its packing routines transpose), so
 * no dense copy is made; the packing is part of what is measured. The first layer's {@code dX} (the
 * gradient for the images) is not needed in training, which leaves five backward products:
 *
 * <pre>
 *   forward1         [64, 784] x [784, 512]    2*64*784*512 =  51.4 MFLOP
 *   forward2         [64, 512] x [512, 512]    2*64*512*512 =  33.6 MFLOP
 *   forward3         [64, 512] x [512, 10]     2*64*512*10  =   0.66 MFLOP
 *   backward3Input   [64, 10]  x [10, 512]^    2*64*10*512  =   0.66 MFLOP
 *   backward3Weight  [512, 64]^ x [64, 10]     2*512*64*10  =   0.66 MFLOP
 *   backward2Input   [64, 512] x [512, 512]^   2*64*512*512 =  33.6 MFLOP
 *   backward2Weight  [512, 64]^ x [64, 512]    2*512*64*512 =  33.6 MFLOP
 *   backward1Weight  [784, 64]^ x [64, 512]    2*784*64*512 =  51.4 MFLOP
 *   allEight                                                 = 205.5 MFLOP
 * </pre>
 *
 * (^ marks a transposed view.) One extra benchmark, {@link #forward1OutInWeight}, runs the first
 * product with the weight held {@code [out, in]} as {@code Linear} (and {@link MlpStepBench}) holds
 * it, {@code X W^T}: its difference from {@code forward1} is the cost of densifying the transposed
 * weight (now: of packing it transposed). {@link #allEightOpenBlas} runs the same eight products
 * with OpenBLAS's {@code cblas_sgemm} (through {@link OpenBlas}; a no-op when it is not installed)
 * for a same-run ratio. Each score is the average time of the product(s), including the allocation
 * of the results; GFLOP/s is the MFLOP figure above divided by the time in ms, over 1000.
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
      "-XX:+UseTransparentHugePages",
      "--enable-native-access=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class MlpShapesBench {

  /** The batch size. */
  public static final int BATCH = 64;

  // Layer inputs (the previous layer's activations), weights [in, out], and output gradients.
  private Tensor x1;
  private Tensor w1;
  private Tensor w1OutIn;
  private Tensor dy1;
  private Tensor x2;
  private Tensor w2;
  private Tensor dy2;
  private Tensor x3;
  private Tensor w3;
  private Tensor dy3;

  /** Builds random activations, weights and output gradients of the right shapes once. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(1);
    x1 = Tensor.randn(gen, BATCH, 784);
    w1 = Tensor.randn(gen, 784, 512);
    w1OutIn = w1.transpose(0, 1).contiguous();
    dy1 = Tensor.randn(gen, BATCH, 512);
    x2 = Tensor.randn(gen, BATCH, 512);
    w2 = Tensor.randn(gen, 512, 512);
    dy2 = Tensor.randn(gen, BATCH, 512);
    x3 = Tensor.randn(gen, BATCH, 512);
    w3 = Tensor.randn(gen, 512, 10);
    dy3 = Tensor.randn(gen, BATCH, 10);
  }

  /** Layer 1 forward: [64, 784] x [784, 512]. */
  @Benchmark
  public Tensor forward1() {
    return x1.matmul(w1);
  }

  /**
   * Layer 1 forward with the weight in {@code Linear}'s {@code [out, in]} layout: [64, 784] x [512,
   * 784]^T. Not one of the eight; {@code allEight} does not include it.
   */
  @Benchmark
  public Tensor forward1OutInWeight() {
    return x1.matmul(w1OutIn.transpose(0, 1));
  }

  /** Layer 2 forward: [64, 512] x [512, 512]. */
  @Benchmark
  public Tensor forward2() {
    return x2.matmul(w2);
  }

  /** Layer 3 forward: [64, 512] x [512, 10]. */
  @Benchmark
  public Tensor forward3() {
    return x3.matmul(w3);
  }

  /** Layer 3 input gradient {@code dY W^T}: [64, 10] x [10, 512] (transposed view). */
  @Benchmark
  public Tensor backward3Input() {
    return dy3.matmul(w3.transpose(0, 1));
  }

  /** Layer 3 weight gradient {@code X^T dY}: [512, 64] (transposed view) x [64, 10]. */
  @Benchmark
  public Tensor backward3Weight() {
    return x3.transpose(0, 1).matmul(dy3);
  }

  /** Layer 2 input gradient {@code dY W^T}: [64, 512] x [512, 512] (transposed view). */
  @Benchmark
  public Tensor backward2Input() {
    return dy2.matmul(w2.transpose(0, 1));
  }

  /** Layer 2 weight gradient {@code X^T dY}: [512, 64] (transposed view) x [64, 512]. */
  @Benchmark
  public Tensor backward2Weight() {
    return x2.transpose(0, 1).matmul(dy2);
  }

  /** Layer 1 weight gradient {@code X^T dY}: [784, 64] (transposed view) x [64, 512]. */
  @Benchmark
  public Tensor backward1Weight() {
    return x1.transpose(0, 1).matmul(dy1);
  }

  /** The eight products with OpenBLAS (same shapes and transposes), or nothing without it. */
  @Benchmark
  public void allEightOpenBlas() {
    OpenBlas blas = OpenBlas.get();
    if (blas == null) {
      return;
    }
    if (nat == null) {
      blas.setThreads(dev.grad4j.backend.cpu.Parallel.threads());
      nat = new java.lang.foreign.MemorySegment[10];
      Tensor[] all = {x1, w1, dy1, x2, w2, dy2, x3, w3, dy3};
      for (int i = 0; i < all.length; i++) {
        nat[i] = OpenBlas.copy(java.lang.foreign.Arena.global(), all[i].toFloatArray());
      }
      nat[9] = OpenBlas.copy(java.lang.foreign.Arena.global(), new float[784 * 512]);
    }
    java.lang.foreign.MemorySegment out = nat[9];
    blas.sgemm(false, false, BATCH, 512, 784, nat[0], nat[1], out);
    blas.sgemm(false, false, BATCH, 512, 512, nat[3], nat[4], out);
    blas.sgemm(false, false, BATCH, 10, 512, nat[6], nat[7], out);
    blas.sgemm(false, true, BATCH, 512, 10, nat[8], nat[7], out);
    blas.sgemm(true, false, 512, 10, BATCH, nat[6], nat[8], out);
    blas.sgemm(false, true, BATCH, 512, 512, nat[5], nat[4], out);
    blas.sgemm(true, false, 512, 512, BATCH, nat[3], nat[5], out);
    blas.sgemm(true, false, 784, 512, BATCH, nat[0], nat[2], out);
  }

  private java.lang.foreign.MemorySegment[] nat;

  /** All eight products above, one after another: the GEMM work of one training step. */
  @Benchmark
  public void allEight(Blackhole bh) {
    bh.consume(x1.matmul(w1));
    bh.consume(x2.matmul(w2));
    bh.consume(x3.matmul(w3));
    bh.consume(dy3.matmul(w3.transpose(0, 1)));
    bh.consume(x3.transpose(0, 1).matmul(dy3));
    bh.consume(dy2.matmul(w2.transpose(0, 1)));
    bh.consume(x2.transpose(0, 1).matmul(dy2));
    bh.consume(x1.transpose(0, 1).matmul(dy1));
  }
}

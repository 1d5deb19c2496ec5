package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memory-bound float32 ops on [4096, 4096] (2^24 floats, 64 MiB per operand) against a plain Java
 * triad loop {@code a[i] = b[i] + s·c[i]} over the same number of floats: elementwise ops,
 * reductions, softmax along rows, a broadcast row and a transposed operand. Bytes moved per op:
 * triad and the two-operand adds 12 per element, the one-operand ops and the broadcast add 8, the
 * sums 4. GB/s = bytes / time; the ratio to the triad's GB/s is the figure issue 8 asks for.
 *
 * <p>No gradient is recorded; each op allocates its result, as real use does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class MemoryBench {

  /** Rows and columns of the operands. */
  public static final int SIDE = 4096;

  private Tensor x;
  private Tensor y;
  private Tensor yt;
  private Tensor row;
  private float[] a;
  private float[] b;
  private float[] c;
  private GradMode.Scope noGrad;

  /** Builds the inputs once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(7);
    x = Tensor.randn(gen, SIDE, SIDE);
    y = Tensor.randn(gen, SIDE, SIDE);
    yt = Tensor.randn(gen, SIDE, SIDE).t();
    row = Tensor.randn(gen, SIDE);
    a = new float[SIDE * SIDE];
    b = x.toFloatArray();
    c = y.toFloatArray();
    noGrad = GradMode.disabled();
  }

  /** Ends the no-grad scope. */
  @TearDown
  public void tearDown() {
    noGrad.close();
  }

  /** The reference: a plain single-threaded Java triad loop. */
  @Benchmark
  public float[] triad() {
    float s = 1.5f;
    for (int i = 0; i < a.length; i++) {
      a[i] = b[i] + s * c[i];
    }
    return a;
  }

  /** {@code x + y}. */
  @Benchmark
  public Tensor add() {
    return x.add(y);
  }

  /** {@code relu(x)}. */
  @Benchmark
  public Tensor relu() {
    return x.relu();
  }

  /** {@code exp(x)}. */
  @Benchmark
  public Tensor exp() {
    return x.exp();
  }

  /** {@code tanh(x)}. */
  @Benchmark
  public Tensor tanh() {
    return x.tanh();
  }

  /** The sum of all elements. */
  @Benchmark
  public Tensor sum() {
    return x.sum();
  }

  /** Softmax along the rows. */
  @Benchmark
  public Tensor softmax() {
    return x.softmax(1);
  }

  /** {@code x + row}: the row is broadcast. */
  @Benchmark
  public Tensor broadcastAdd() {
    return x.add(row);
  }

  /** {@code x + yᵀ} with yᵀ a transposed view. */
  @Benchmark
  public Tensor transposedAdd() {
    return x.add(yt);
  }
}

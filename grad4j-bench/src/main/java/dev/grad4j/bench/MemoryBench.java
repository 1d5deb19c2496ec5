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
 * triad and the two-operand adds 12 per element, the one-operand ops (softmax and log-softmax
 * included) and the broadcast add 8, the sums 4. GB/s = bytes / time; the ratio to the triad's GB/s
 * is the figure issue 8 asks for.
 *
 * <p>No gradient is recorded. Each op runs twice: as the tensor op, which allocates its result as
 * real use does, and ({@code ...Into}) as its into-form ({@code x.add(y, out)}) writing into one
 * reused output, so that the difference shows what allocating the fresh 64 MiB result costs; {@link
 * #allocate} times that allocation alone.
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
  // The one output every ...Into form overwrites.
  private Tensor out;

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
    out = Tensor.zeros(SIDE, SIDE);
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

  /** {@code sigmoid(x)}. */
  @Benchmark
  public Tensor sigmoid() {
    return x.sigmoid();
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

  /** Log-softmax along the rows. */
  @Benchmark
  public Tensor logSoftmax() {
    return x.logSoftmax(1);
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

  /** Allocating a zeroed result of the same size: the floor under every op above. */
  @Benchmark
  public float[] allocate() {
    return new float[SIDE * SIDE];
  }

  /** {@code x.add(y, out)}: x + y into the reused output. */
  @Benchmark
  public Tensor addInto() {
    return x.add(y, out);
  }

  /** {@code x.relu(out)}. */
  @Benchmark
  public Tensor reluInto() {
    return x.relu(out);
  }

  /** {@code x.exp(out)}. */
  @Benchmark
  public Tensor expInto() {
    return x.exp(out);
  }

  /** {@code x.tanh(out)}. */
  @Benchmark
  public Tensor tanhInto() {
    return x.tanh(out);
  }

  /** {@code x.sigmoid(out)}. */
  @Benchmark
  public Tensor sigmoidInto() {
    return x.sigmoid(out);
  }

  /** {@code x.logSoftmax(1, out)}: log-softmax along the rows. */
  @Benchmark
  public Tensor logSoftmaxInto() {
    return x.logSoftmax(1, out);
  }

  /** {@code x.softmax(1, out)}: softmax along the rows. */
  @Benchmark
  public Tensor softmaxInto() {
    return x.softmax(1, out);
  }

  /** {@code x.add(row, out)}. */
  @Benchmark
  public Tensor broadcastAddInto() {
    return x.add(row, out);
  }

  /** {@code x.add(yT, out)}: a transposed operand. */
  @Benchmark
  public Tensor transposedAddInto() {
    return x.add(yt, out);
  }
}

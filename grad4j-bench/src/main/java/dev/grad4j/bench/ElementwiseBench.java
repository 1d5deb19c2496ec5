package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
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

/**
 * Elementwise float32 kernels on about a million elements, through the public {@link Tensor} API
 * with no gradient recording: a same-shape add, a tanh, and a broadcast add of a row vector to a
 * matrix (the bias add of a linear layer). Each score is the average time of one op, including the
 * allocation of its result.
 *
 * <p>Memory traffic per op is 12 MB for the adds (two 4 MB reads, one 4 MB write) and 8 MB for
 * tanh; dividing by the time gives an effective bandwidth to compare with the machine's.
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
public class ElementwiseBench {

  /** Elements in the flat operands: 2^20. */
  public static final int SIZE = 1 << 20;

  /** Rows and columns of the broadcast add's matrix operand. */
  public static final int SIDE = 1024;

  private Tensor x;
  private Tensor y;
  private Tensor matrix;
  private Tensor row;

  /** Builds the random inputs once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(7);
    x = Tensor.randn(gen, SIZE);
    y = Tensor.randn(gen, SIZE);
    matrix = Tensor.randn(gen, SIDE, SIDE);
    row = Tensor.randn(gen, SIDE);
  }

  /** {@code x + y} for two contiguous float32 vectors of 2^20 elements. */
  @Benchmark
  public Tensor add() {
    return x.add(y);
  }

  /** {@code tanh(x)} for a contiguous float32 vector of 2^20 elements. */
  @Benchmark
  public Tensor tanh() {
    return x.tanh();
  }

  /** {@code [1024, 1024] + [1024]}: the vector is broadcast along the rows. */
  @Benchmark
  public Tensor broadcastAdd() {
    return matrix.add(row);
  }
}

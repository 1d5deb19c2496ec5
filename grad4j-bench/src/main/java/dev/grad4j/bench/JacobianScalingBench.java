package dev.grad4j.bench;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.Autodiff;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the cost of a full Jacobian scales with the number of outputs m and inputs n, for an MLP
 * n-512-512-m applied to one input vector (float32). Reverse mode runs one forward pass and m vjps
 * over one recorded graph, so its time grows with m; forward mode runs n jvps, so it grows with n.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class JacobianScalingBench {
  /** Outputs. */
  @Param({"1", "10", "100"})
  public int m;

  /** Inputs. */
  @Param({"196", "784"})
  public int n;

  private Tensor x;
  private UnaryOperator<Tensor> f;

  /** Builds the MLP and the input once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(11);
    Tensor w1 = weight(gen, 512, n);
    Tensor w2 = weight(gen, 512, 512);
    Tensor w3 = weight(gen, m, 512);
    f = v -> v.matmul(w1.t()).relu().matmul(w2.t()).relu().matmul(w3.t());
    x = Tensor.rand(gen, n);
  }

  private static Tensor weight(Generator gen, int out, int in) {
    double bound = 1 / Math.sqrt(in);
    return Tensor.uniform(gen, -bound, bound, DType.FLOAT32, out, in);
  }

  /** m vjps over one graph. */
  @Benchmark
  public Tensor reverse() {
    return Autodiff.jacobian(f, x, Autodiff.Mode.REVERSE);
  }

  /** n jvps (double-vjp) over one graph. */
  @Benchmark
  public Tensor forward() {
    return Autodiff.jacobian(f, x, Autodiff.Mode.FORWARD);
  }
}

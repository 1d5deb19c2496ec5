package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.func.Autodiff;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * The cost of the function transforms against one forward pass, on the seed MLP 784-512-512-10
 * (float32, weights fixed, as a function of its input):
 *
 * <ul>
 *   <li>{@link #forward}: one forward pass of a batch of 64, recording off: the unit of cost.
 *   <li>{@link #vjp}: {@code Autodiff.vjp} of the batch with a random cotangent [64, 10]: one
 *       forward and one backward pass.
 *   <li>{@link #jvp}: {@code Autodiff.jvp} with a random tangent [64, 784]: one forward and two
 *       backward passes (the double-vjp method).
 *   <li>{@link #inputJacobianReverse} / {@link #inputJacobianForward}: the full [10, 784] input
 *       Jacobian of one image (an MNIST classifier's saliency Jacobian), by 10 vjps or 784 jvps.
 * </ul>
 *
 * Scores are average times per call; the bar is vjp and jvp under 4x forward.
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
public class AutodiffBench {
  private Tensor batch;
  private Tensor image;
  private Tensor tangent;
  private Tensor cotangent;
  private UnaryOperator<Tensor> mlp;

  /** Builds fixed weights and random inputs once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(7);
    Tensor w1 = linearWeight(gen, 512, 784);
    Tensor b1 = linearWeight(gen, 512, 784).select(1, 0);
    Tensor w2 = linearWeight(gen, 512, 512);
    Tensor b2 = linearWeight(gen, 512, 512).select(1, 0);
    Tensor w3 = linearWeight(gen, 10, 512);
    Tensor b3 = linearWeight(gen, 10, 512).select(1, 0);
    mlp = x -> x.matmul(w1.t()).add(b1).relu().matmul(w2.t()).add(b2).relu().matmul(w3.t()).add(b3);
    batch = Tensor.rand(gen, 64, 784);
    image = Tensor.rand(gen, 784);
    tangent = Tensor.randn(gen, 64, 784);
    cotangent = Tensor.randn(gen, 64, 10);
  }

  private static Tensor linearWeight(Generator gen, int out, int in) {
    double bound = 1 / Math.sqrt(in);
    return Tensor.uniform(gen, -bound, bound, dev.grad4j.DType.FLOAT32, out, in);
  }

  /** One forward pass of 64 images, recording off. */
  @Benchmark
  public Tensor forward() {
    try (var g = GradMode.disabled()) {
      return mlp.apply(batch);
    }
  }

  /** v^T J for the batch: one forward and one backward pass. */
  @Benchmark
  public Tensor vjp() {
    return Autodiff.vjp(mlp, batch, cotangent).cotangent();
  }

  /** J v for the batch, without forming J. */
  @Benchmark
  public Tensor jvp() {
    return Autodiff.jvp(mlp, batch, tangent).tangent();
  }

  /** The [10, 784] input Jacobian of one image, one vjp per output. */
  @Benchmark
  public Tensor inputJacobianReverse() {
    return Autodiff.jacobian(mlp, image, Autodiff.Mode.REVERSE);
  }

  /** The same Jacobian, one jvp per input element: the wrong mode for this shape. */
  @Benchmark
  public Tensor inputJacobianForward() {
    return Autodiff.jacobian(mlp, image, Autodiff.Mode.FORWARD);
  }
}

package dev.grad4j.bench;

import dev.grad4j.DType;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step of an MLP 784-512-512-10 at batch 64 in float32, through autograd, written with
 * bare tensors (no nn layers) so that it measures the core library only.
 *
 * <p>The parameters use the PyTorch {@code Linear} layout: weights {@code [out, in]}, biases {@code
 * [out]}, initialised uniformly in {@code +-1/sqrt(in)}. The forward pass is
 *
 * <pre>
 *   h1     = relu(x  w1^T + b1)          [64, 512]
 *   h2     = relu(h1 w2^T + b2)          [64, 512]
 *   logits =      h2 w3^T + b3           [64, 10]
 *   loss   = -mean_i logSoftmax(logits)[i, label_i]
 * </pre>
 *
 * that is, the real cross-entropy loss: log-softmax along the classes, the log-probability of each
 * row's label picked with {@code gather}, averaged and negated. {@link #trainingStep} clears the
 * six gradients, runs the forward pass with recording on, and calls {@code backward()}, which fills
 * the gradients of all six parameters (the images need none). The optimiser update is not included:
 * it is six elementwise ops, small next to the eight matrix products.
 *
 * <p>Scores are throughput: steps (or forward passes) per second. {@link #forwardOnly} runs the
 * same forward pass with gradient recording off, for the inference cost and, by difference, the
 * cost of recording plus backward.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class MlpStepBench {

  /** The batch size. */
  public static final int BATCH = 64;

  /** Number of classes. */
  public static final int CLASSES = 10;

  private Tensor x;
  private Tensor labels;
  private Tensor w1;
  private Tensor b1;
  private Tensor w2;
  private Tensor b2;
  private Tensor w3;
  private Tensor b3;

  /** Builds random images, labels and parameters once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(2024);
    x = Tensor.rand(gen, BATCH, 784);
    float[] y = new float[BATCH];
    for (int i = 0; i < BATCH; i++) {
      y[i] = gen.nextInt(CLASSES);
    }
    labels = Tensor.of(y, BATCH, 1);
    w1 = param(gen, 784, 512, 784);
    b1 = param(gen, 784, 512);
    w2 = param(gen, 512, 512, 512);
    b2 = param(gen, 512, 512);
    w3 = param(gen, 512, CLASSES, 512);
    b3 = param(gen, 512, CLASSES);
  }

  private static Tensor param(Generator gen, int fanIn, int... shape) {
    double bound = 1 / Math.sqrt(fanIn);
    return Tensor.uniform(gen, -bound, bound, DType.FLOAT32, shape).requiresGrad(true);
  }

  private Tensor loss() {
    Tensor h1 = x.matmul(w1.t()).add(b1).relu();
    Tensor h2 = h1.matmul(w2.t()).add(b2).relu();
    Tensor logits = h2.matmul(w3.t()).add(b3);
    return logits.logSoftmax(1).gather(1, labels).mean().neg();
  }

  /** Clear gradients, forward with recording, backward: one full training step minus the update. */
  @Benchmark
  public Tensor trainingStep() {
    w1.zeroGrad();
    b1.zeroGrad();
    w2.zeroGrad();
    b2.zeroGrad();
    w3.zeroGrad();
    b3.zeroGrad();
    Tensor loss = loss();
    loss.backward();
    return loss;
  }

  /** The same forward pass and loss with gradient recording off. */
  @Benchmark
  @SuppressWarnings("try") // the scope is only opened and closed
  public Tensor forwardOnly() {
    try (var noGrad = GradMode.disabled()) {
      return loss();
    }
  }
}

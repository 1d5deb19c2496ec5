package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.SGD;
import dev.grad4j.train.Models;
import java.util.concurrent.TimeUnit;
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
 * A whole training step of a seed model ({@code model=mlp}: 784-512-512-10, {@code cnn}: two 3×3
 * conv layers) at batch 64, as {@code grad4j train} runs it: clear the gradients, forward,
 * cross-entropy, backward, SGD-with-momentum update. Compare {@code mlp} with {@link
 * MlpShapesBench#allEightOpenBlas}, the step's eight GEMMs under OpenBLAS.
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
public class TrainStepBench {

  /** The seed model. */
  @Param({"mlp", "cnn"})
  public String model;

  private Sequential net;
  private SGD opt;
  private Tensor x;
  private Tensor y;

  /** Builds the model, a random batch and the optimiser once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(1);
    net = Models.create(model, gen);
    x = Tensor.rand(gen, 64, 1, 28, 28);
    double[] labels = new double[64];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
    }
    y = Tensor.of(labels, 64);
    // Learning rate 0: the update still does all its work (momentum 0.9), but the weights stay
    // put. Trained on one fixed batch the loss falls to ~3e-4 and ~48k gradient and momentum
    // values turn subnormal, which x86 handles several times slower than a real step would.
    opt = new SGD(net.parameters(), 0, 0.9);
  }

  /** One step; the score is steps per second. */
  @Benchmark
  public Tensor step() {
    opt.zeroGrad();
    Tensor loss = Losses.crossEntropy(net.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  }
}

package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.Locale;

/**
 * A plain main: the memory-bound ops of {@code grad4j bench} on [4096, 4096] in the bench's order,
 * each run for 1.5 s, printing each op's best time. Run it in several fresh JVMs to catch a kernel
 * that C2 compiles well in some runs and badly in others, depending on what ran before it: softmax
 * with a compare-and-blend max took 30-35 instead of 12-15 ms in 2 to 4 runs of 8 (see {@code
 * FloatKernels.exponentials}). One run, or a JMH benchmark that forks a JVM per op, does not show
 * it.
 */
public final class OpSequence {
  private OpSequence() {}

  /** Runs the sequence once. */
  @SuppressWarnings("try") // the scope is only opened and closed
  public static void main(String[] args) {
    int side = 4096;
    Generator gen = new Generator(42);
    Tensor x = Tensor.randn(gen, side, side);
    Tensor y = Tensor.randn(gen, side, side);
    Tensor row = Tensor.randn(gen, side);
    Tensor yt = Tensor.randn(gen, side, side).t();
    String[] names = {
      "add", "mul", "relu", "exp", "tanh", "sigmoid", "sum", "sum(1)", "softmax", "add row",
      "add yT"
    };
    Runnable[] ops = {
      () -> x.add(y),
      () -> x.mul(2),
      x::relu,
      x::exp,
      x::tanh,
      x::sigmoid,
      x::sum,
      () -> x.sum(1),
      () -> x.softmax(1),
      () -> x.add(row),
      () -> x.add(yt)
    };
    StringBuilder line = new StringBuilder();
    try (var noGrad = GradMode.disabled()) {
      for (int k = 0; k < ops.length; k++) {
        long end = System.nanoTime() + 1_500_000_000L;
        long best = Long.MAX_VALUE;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          ops[k].run();
          best = Math.min(best, System.nanoTime() - t0);
        }
        line.append(String.format(Locale.ROOT, "%s %.2f ms; ", names[k], best / 1e6));
      }
    }
    System.out.println(line);
  }
}

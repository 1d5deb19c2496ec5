package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.SGD;
import dev.grad4j.train.Models;
import java.util.Locale;

/**
 * A plain main: how long a fresh JVM takes to train at full speed. Trains the model named by the
 * first argument ({@code mlp} or {@code cnn}; default {@code cnn}) on one fixed batch of 64 and
 * prints the milliseconds of each of the first 25 steps (forward + backward and update), then the
 * steps done in each of the next 10 seconds. Until C2 has compiled the vector kernels they run in
 * the interpreter and in C1 code, where every vector operation allocates: on the development VM (2
 * threads) the CNN's first step took 2.2-3.2 s (full speed, ~13 ms a step, after 5-8 s) and the
 * MLP's 0.7 s, its next 20 steps ~40 ms each (full speed, ~1.4 ms, after 5-9 s).
 */
public final class WarmUp {
  private WarmUp() {}

  /** Runs the measurement; the argument is the model's name. */
  public static void main(String[] args) {
    String name = args.length == 0 ? "cnn" : args[0];
    Sequential model = Models.create(name, new Generator(1));
    Tensor x = Tensor.rand(new Generator(42), 64, 1, 28, 28);
    double[] labels = new double[64];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
    }
    Tensor y = Tensor.of(labels, 64);
    SGD opt = new SGD(model.parameters(), 0, 0.9);
    StringBuilder first = new StringBuilder();
    for (int step = 0; step < 25; step++) {
      long t0 = System.nanoTime();
      opt.zeroGrad();
      Tensor out = model.forward(x);
      long t1 = System.nanoTime();
      Losses.crossEntropy(out, y).backward();
      opt.step();
      long t2 = System.nanoTime();
      first.append(
          String.format(Locale.ROOT, " %d+%d", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000));
    }
    System.out.println(name + ", ms per step (forward+rest), the first 25:" + first);
    StringBuilder perSecond = new StringBuilder();
    for (int second = 0; second < 10; second++) {
      long end = System.nanoTime() + 1_000_000_000L;
      int steps = 0;
      while (System.nanoTime() < end) {
        opt.zeroGrad();
        Losses.crossEntropy(model.forward(x), y).backward();
        opt.step();
        steps++;
      }
      perSecond.append(' ').append(steps);
    }
    System.out.println(name + ", steps in each of the next 10 seconds:" + perSecond);
  }
}

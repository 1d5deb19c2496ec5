package dev.grad4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.nn.Tanh;
import dev.grad4j.optim.schedule.CosineAnnealingLR;
import org.junit.jupiter.api.Test;

/** Small networks trained end to end with a fixed seed: losses, optimizers and schedules. */
class TrainingTest {

  private static double accuracy(Tensor logits, Tensor labels) {
    try (var g = GradMode.disabled()) {
      return logits.argmax(1, false).eq(labels.to(logits.argmax(1, false).dtype())).mean().item();
    }
  }

  @Test
  void mlpLearnsXorWithBceWithLogits() {
    Generator gen = new Generator(42);
    Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
    Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
    Sequential model =
        new Sequential(new Linear(2, 8, true, gen), new Tanh(), new Linear(8, 1, true, gen));
    Adam opt = new Adam(model.parameters(), 0.05);
    double loss = Double.NaN;
    for (int step = 0; step < 300; step++) {
      opt.zeroGrad();
      Tensor l = Losses.bceWithLogits(model.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    assertTrue(loss < 0.05, "final loss " + loss);
    Tensor predicted;
    try (var g = GradMode.disabled()) {
      predicted = model.forward(x).gt(0);
    }
    assertTrue(predicted.eq(y).all(), "XOR predictions " + predicted);
  }

  /** Two interleaved spirals, {@code n} points each, classes 0 and 1. */
  static Tensor[] spirals(int n, Generator gen) {
    float[] xs = new float[4 * n];
    int[] labels = new int[2 * n];
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < n; i++) {
        double r = 0.1 + 0.9 * i / n;
        double theta = 1.5 * Math.PI * i / n * 2 + c * Math.PI;
        int k = c * n + i;
        xs[2 * k] = (float) (r * Math.cos(theta) + 0.01 * gen.nextGaussian());
        xs[2 * k + 1] = (float) (r * Math.sin(theta) + 0.01 * gen.nextGaussian());
        labels[k] = c;
      }
    }
    return new Tensor[] {Tensor.of(xs, 2 * n, 2), Tensor.of(labels, 2 * n)};
  }

  @Test
  void mlpSeparatesTwoSpirals() {
    Generator gen = new Generator(7);
    Tensor[] data = spirals(100, gen);
    Tensor x = data[0];
    Tensor y = data[1];
    Sequential model =
        new Sequential(
            new Linear(2, 64, true, gen),
            new ReLU(),
            new Linear(64, 64, true, gen),
            new ReLU(),
            new Linear(64, 2, true, gen));
    int steps = 600;
    AdamW opt = new AdamW(model.parameters(), AdamW.options().lr(0.02).weightDecay(1e-4));
    CosineAnnealingLR schedule = new CosineAnnealingLR(opt, steps);
    for (int step = 0; step < steps; step++) {
      opt.zeroGrad();
      Losses.crossEntropy(model.forward(x), y).backward();
      GradClip.clipGradNorm(model.parameters(), 5.0);
      opt.step();
      schedule.step();
    }
    double acc = accuracy(model.forward(x), y);
    assertTrue(acc >= 0.99, "training accuracy " + acc);
    assertEquals(0, opt.paramGroups().get(0).lr(), 1e-12); // annealed to the end
  }
}

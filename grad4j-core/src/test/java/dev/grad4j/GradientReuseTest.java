package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.SGD;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A weight gradient that backward created and nobody read through {@code grad()} gives its buffer
 * to the next product of its size once it is cleared; a gradient someone read is never reused, and
 * reuse changes no bits.
 */
class GradientReuseTest {

  private static Sequential model() {
    Generator gen = new Generator(3);
    return new Sequential(
        new Linear(200, 160, true, gen), new ReLU(), new Linear(160, 10, true, gen));
  }

  private static Tensor weight(Sequential net) {
    return ((Linear) net.get(0)).weight();
  }

  private static float[] buffer(Tensor t) {
    return t.strided().storage().floats();
  }

  // One training step on batch `step` of a fixed random stream; `inspect` sees the model after
  // backward.
  private static void step(Sequential net, SGD opt, int step, Consumer<Sequential> inspect) {
    Generator gen = new Generator(100 + step);
    Tensor x = Tensor.randn(gen, 16, 200);
    double[] labels = new double[16];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (i + step) % 10;
    }
    opt.zeroGrad();
    Losses.crossEntropy(net.forward(x), Tensor.of(labels, 16)).backward();
    inspect.accept(net);
    opt.step();
  }

  @Test
  void anUnreadWeightGradientsBufferServesTheNextStep() {
    Sequential net = model();
    SGD opt = new SGD(net.parameters(), 0.1, 0.9);
    step(net, opt, 0, m -> {});
    float[] first = buffer(weight(net).peekGrad());
    step(net, opt, 1, m -> {});
    assertSame(first, buffer(weight(net).peekGrad()));
  }

  @Test
  void aGradientSomeoneReadIsNeverReused() {
    Sequential net = model();
    SGD opt = new SGD(net.parameters(), 0.1, 0.9);
    Tensor[] held = new Tensor[1];
    step(net, opt, 0, m -> held[0] = weight(m).grad());
    float[] before = held[0].toFloatArray();
    step(net, opt, 1, m -> {});
    step(net, opt, 2, m -> {});
    assertNotSame(buffer(held[0]), buffer(weight(net).peekGrad()));
    assertArrayEquals(before, held[0].toFloatArray());
  }

  @Test
  void reuseChangesNoBits() {
    Sequential reusing = model();
    Sequential reading = model();
    SGD a = new SGD(reusing.parameters(), 0.1, 0.9);
    SGD b = new SGD(reading.parameters(), 0.1, 0.9);
    for (int s = 0; s < 4; s++) {
      step(reusing, a, s, m -> {});
      // Reading every gradient through grad() keeps each step on fresh buffers.
      step(reading, b, s, m -> m.parameters().forEach(Tensor::grad));
    }
    for (int i = 0; i < reusing.parameters().size(); i++) {
      assertArrayEquals(
          reading.parameters().get(i).toFloatArray(), reusing.parameters().get(i).toFloatArray());
    }
  }
}

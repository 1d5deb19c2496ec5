package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.Adam;
import dev.grad4j.optim.AdamW;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.SGD;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A weight gradient that backward created and nobody read through {@code grad()} gives its buffer
 * to the next product of its size once it is cleared; a gradient someone read is never reused, and
 * reuse changes no bits. Gradients that flow between rules inside backward are handed on as soon as
 * the last rule that reads them has run.
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
  private static void step(Sequential net, Optimizer opt, int step, Consumer<Sequential> inspect) {
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

  // The optimizers that read gradients without keeping them.
  private static final List<Function<List<Tensor>, Optimizer>> REUSING =
      List.of(ps -> new SGD(ps, 0.1, 0.9), ps -> new Adam(ps, 1e-3), ps -> new AdamW(ps, 1e-3));

  @Test
  void anUnreadWeightGradientsBufferServesTheNextStep() {
    for (Function<List<Tensor>, Optimizer> make : REUSING) {
      Sequential net = model();
      Optimizer opt = make.apply(net.parameters());
      step(net, opt, 0, m -> {});
      float[] first = buffer(weight(net).peekGrad());
      step(net, opt, 1, m -> {});
      assertSame(first, buffer(weight(net).peekGrad()), opt.getClass().getSimpleName());
    }
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
    for (Function<List<Tensor>, Optimizer> make : REUSING) {
      Sequential reusing = model();
      Sequential reading = model();
      Optimizer a = make.apply(reusing.parameters());
      Optimizer b = make.apply(reading.parameters());
      for (int s = 0; s < 4; s++) {
        step(reusing, a, s, m -> {});
        // Reading every gradient through grad() keeps each step on fresh buffers.
        step(reading, b, s, m -> m.parameters().forEach(Tensor::grad));
      }
      for (int i = 0; i < reusing.parameters().size(); i++) {
        assertArrayEquals(
            reading.parameters().get(i).toFloatArray(),
            reusing.parameters().get(i).toFloatArray(),
            a.getClass().getSimpleName());
      }
    }
  }

  // 64 x 300: at least RecycledBuffers.MIN_FLOATS, and a size no other test here uses.
  private static final int ROWS = 64;
  private static final int COLS = 300;

  private static void drainBuffersOfThisSize() {
    while (RecycledBuffers.take(ROWS * COLS) != null) {}
  }

  @Test
  void aGradientBackwardHasConsumedServesALaterResultOfItsSize() {
    Generator gen = new Generator(5);
    Tensor x = Tensor.randn(gen, ROWS, COLS).requiresGrad(true);
    Tensor w = Tensor.randn(gen, COLS, COLS).requiresGrad(true);
    Tensor out = x.matmul(w).relu().mul(2);
    drainBuffersOfThisSize();
    // mul's gradient goes once relu's rule has read it, and serves as the product's dx; relu's
    // goes after the product's rule.
    out.backward(Tensor.ones(ROWS, COLS));
    assertNotNull(RecycledBuffers.take(ROWS * COLS));
    assertNull(RecycledBuffers.take(ROWS * COLS));
  }

  // A rule hands one gradient to both inputs of an add: it must outlive the first product's rule.
  // The reference run has a hook in the graph, which turns all reuse off.
  @Test
  void aGradientHandedToTwoRulesIsReusedOnlyAfterBothHaveRun() {
    float[][] reusing = twoBranchGradients(false);
    float[][] reference = twoBranchGradients(true);
    for (int i = 0; i < reusing.length; i++) {
      assertArrayEquals(reference[i], reusing[i], "gradient " + i);
    }
  }

  private static float[][] twoBranchGradients(boolean hook) {
    Generator gen = new Generator(6);
    Tensor x = Tensor.randn(gen, ROWS, COLS).requiresGrad(true);
    Tensor w1 = Tensor.randn(gen, COLS, COLS).requiresGrad(true);
    Tensor w2 = Tensor.randn(gen, COLS, COLS).requiresGrad(true);
    Tensor h = x.relu();
    Tensor out = h.matmul(w1).add(h.matmul(w2)).mul(2).reshape(ROWS * COLS).reshape(ROWS, COLS);
    if (hook) {
      out.registerHook(g -> null);
    }
    out.backward(Tensor.ones(ROWS, COLS));
    return new float[][] {
      x.grad().toFloatArray(), w1.grad().toFloatArray(), w2.grad().toFloatArray()
    };
  }

  // Conv and max-pool backward add into buffers that may be a cleared gradient's: they must clear
  // them first. The free buffers here are full of NaN; the reference run finds none free.
  @Test
  void aFreeBufferIsClearedBeforeAKernelAddsIntoIt() {
    float[][] reference = convPoolGradients(false);
    float[][] seeded = convPoolGradients(true);
    for (int i = 0; i < reference.length; i++) {
      assertArrayEquals(reference[i], seeded[i], "gradient " + i);
    }
  }

  private static float[][] convPoolGradients(boolean seedWithNaN) {
    Generator gen = new Generator(7);
    Tensor x = Tensor.randn(gen, 4, 8, 32, 32).requiresGrad(true);
    Tensor w = Tensor.randn(gen, 8, 8, 3, 3).requiresGrad(true);
    int[] one = {1, 1};
    int[] two = {2, 2};
    Tensor out =
        x.conv2d(w, null, one, new int[] {0, 0}, one)
            .relu()
            .maxPool2d(two, two, new int[] {0, 0}, one);
    // The input gradient [4, 8, 32, 32] and the pooling's [4, 8, 30, 30].
    for (int size : new int[] {4 * 8 * 32 * 32, 4 * 8 * 30 * 30}) {
      while (RecycledBuffers.take(size) != null) {}
      for (int i = 0; seedWithNaN && i < 2; i++) {
        float[] garbage = new float[size];
        java.util.Arrays.fill(garbage, Float.NaN);
        RecycledBuffers.offer(garbage);
      }
    }
    out.backward(Tensor.ones(out.shape()));
    return new float[][] {x.grad().toFloatArray(), w.grad().toFloatArray()};
  }

  // Softmax and log-softmax write every element of their result, so they may take a free buffer
  // (full of NaN here) and give the same bits as with none free.
  @Test
  void softmaxResultsTakeAFreeBufferAndOverwriteAllOfIt() {
    Tensor x = Tensor.randn(new Generator(8), 64, 300);
    int size = 64 * 300;
    while (RecycledBuffers.take(size) != null) {}
    float[] softmax = x.softmax(1).toFloatArray();
    float[] logSoftmax = x.logSoftmax(1).toFloatArray();
    for (boolean log : new boolean[] {false, true}) {
      float[] garbage = new float[size];
      java.util.Arrays.fill(garbage, Float.NaN);
      RecycledBuffers.offer(garbage);
      Tensor y = log ? x.logSoftmax(1) : x.softmax(1);
      // Not assertSame, whose failure would print both arrays.
      assertTrue(garbage == buffer(y), (log ? "logSoftmax" : "softmax") + " took the free buffer");
      assertArrayEquals(log ? logSoftmax : softmax, y.toFloatArray());
    }
  }

  // Random graphs of 64 x 256 tensors (large enough for reuse) whose values flow through
  // elementwise ops, products, views and fan-out: every leaf gradient must be the same bits as in
  // the same graph with a hook, which turns all reuse off.
  @Test
  void randomGraphsGiveTheGradientsOfTheirRunsWithoutReuse() {
    for (int seed = 0; seed < 12; seed++) {
      float[][] reusing = randomGraphGradients(seed, false);
      float[][] reference = randomGraphGradients(seed, true);
      for (int i = 0; i < reference.length; i++) {
        assertArrayEquals(reference[i], reusing[i], "seed " + seed + ", leaf " + i);
      }
    }
  }

  private static float[][] randomGraphGradients(int seed, boolean hook) {
    Generator gen = new Generator(1000 + seed);
    Generator pick = new Generator(seed);
    List<Tensor> leaves = new java.util.ArrayList<>();
    List<Tensor> values = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Tensor x = Tensor.randn(gen, 64, 256).requiresGrad(true);
      leaves.add(x);
      values.add(x);
    }
    for (int step = 0; step < 10; step++) {
      Tensor a = values.get(pick.nextInt(values.size()));
      Tensor b = values.get(pick.nextInt(values.size()));
      Tensor next =
          switch (pick.nextInt(7)) {
            case 0 -> a.relu();
            case 1 -> a.tanh();
            case 2 -> a.mul(0.5);
            case 3 -> a.add(b);
            case 4 -> a.mul(b);
            case 5 -> {
              Tensor w = Tensor.randn(gen, 256, 256).mul(0.05).detach().requiresGrad(true);
              leaves.add(w);
              yield a.matmul(w);
            }
            default -> a.reshape(256, 64).t().contiguous().t().reshape(64, 256);
          };
      values.add(next);
    }
    Tensor out = values.get(values.size() - 1);
    for (int i = 2; i < values.size() - 1; i++) {
      out = out.add(values.get(i).mul(0.25));
    }
    if (hook) {
      out.registerHook(g -> null);
    }
    out.backward(Tensor.ones(64, 256));
    float[][] grads = new float[leaves.size()][];
    for (int i = 0; i < grads.length; i++) {
      Tensor g = leaves.get(i).grad(); // null for a leaf that no path uses
      grads[i] = g == null ? new float[0] : g.toFloatArray();
    }
    return grads;
  }
}

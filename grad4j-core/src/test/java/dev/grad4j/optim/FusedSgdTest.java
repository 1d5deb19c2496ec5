package dev.grad4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.FusedUpdates;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.SgdStep;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SGD's fused float32 update gives the same bits as the update composed from elementwise tensor ops
 * (SGD's documented rule, op by op), for every option, over several steps; and operands the kernel
 * does not take fall back to the composed update.
 */
class FusedSgdTest {
  // 1000 elements: vector loops and a scalar tail.
  private static final int N = 1003;

  private static Tensor param(Tensor values) {
    return values.detach().clone().requiresGrad(true);
  }

  /** Three SGD steps on w with gradients from {@code grads}; returns w's bits after each. */
  private static float[][] sgdSteps(Tensor w, Tensor[] grads, SGD.Options options) {
    SGD opt = new SGD(List.of(w), options);
    float[][] out = new float[grads.length][];
    for (int s = 0; s < grads.length; s++) {
      w.setGrad(grads[s].clone());
      opt.step();
      out[s] = w.detach().contiguous().toFloatArray();
    }
    return out;
  }

  /** The same steps with tensor ops, following the class Javadoc's rule literally. */
  private static float[][] composedSteps(
      Tensor w0, Tensor[] grads, double lr, double mu, double tau, double wd, boolean nesterov) {
    float[][] out = new float[grads.length][];
    try (var g = GradMode.disabled()) {
      Tensor w = w0.detach().clone();
      Tensor buf = null;
      for (int s = 0; s < grads.length; s++) {
        Tensor d = grads[s];
        if (wd != 0) {
          d = d.add(w.mul(wd));
        }
        if (mu != 0) {
          buf = buf == null ? d.clone() : buf.mul(mu).add(tau == 0 ? d : d.mul(1 - tau));
          d = nesterov ? d.add(buf.mul(mu)) : buf;
        }
        w = w.sub(d.mul(lr));
        out[s] = w.toFloatArray();
      }
    }
    return out;
  }

  private static void assertSameBits(float[][] expected, float[][] actual) {
    for (int s = 0; s < expected.length; s++) {
      int[] e = new int[expected[s].length];
      int[] a = new int[actual[s].length];
      for (int i = 0; i < e.length; i++) {
        e[i] = Float.floatToRawIntBits(expected[s][i]);
        a[i] = Float.floatToRawIntBits(actual[s][i]);
      }
      assertArrayEquals(e, a, "step " + (s + 1));
    }
  }

  private static void check(double lr, double mu, double tau, double wd, boolean nesterov) {
    Generator gen = new Generator(7);
    Tensor w = Tensor.randn(gen, N);
    Tensor[] grads = {Tensor.randn(gen, N), Tensor.randn(gen, N), Tensor.randn(gen, N)};
    SGD.Options options =
        SGD.options().lr(lr).momentum(mu).dampening(tau).weightDecay(wd).nesterov(nesterov);
    assertSameBits(
        composedSteps(w, grads, lr, mu, tau, wd, nesterov), sgdSteps(param(w), grads, options));
  }

  @Test
  void plainMomentumMatchesTheComposedUpdateBitForBit() {
    check(0.01, 0.9, 0, 0, false);
  }

  @Test
  void everyOptionMatchesTheComposedUpdateBitForBit() {
    check(0.1, 0, 0, 0, false);
    check(0.1, 0, 0, 0.01, false);
    check(0.05, 0.9, 0.3, 0, false);
    check(0.05, 0.8, 0, 0.02, true);
    check(0.05, 0.7, 0.1, 0.02, false);
  }

  @Test
  void aTransposedParameterTakesTheComposedPathWithTheSameResult() {
    Generator gen = new Generator(3);
    Tensor base = Tensor.randn(gen, 40, 30);
    Tensor g = Tensor.randn(gen, 30, 40);
    Tensor transposed = base.t().detach().requiresGrad(true); // a leaf with strides (1, 30)
    Tensor dense = param(base.t().contiguous());
    SGD.Options options = SGD.options().lr(0.1).momentum(0.9);
    float[][] viaFallback = sgdSteps(transposed, new Tensor[] {g, g}, options);
    float[][] viaKernel = sgdSteps(dense, new Tensor[] {g, g}, options);
    assertSameBits(viaKernel, viaFallback);
  }

  @Test
  void theKernelRunsOnlyForOperandsItTakes() {
    Tensor w = Tensor.zeros(8);
    Tensor buf = Tensor.zeros(8);
    SgdStep step = new SgdStep(0.1, 0.9, 0, 0, false, false);
    int before = w.version();
    try (var g = GradMode.disabled()) {
      assertTrue(FusedUpdates.sgd(w, Tensor.ones(8), buf, step));
      assertTrue(w.version() > before);
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, buf.toFloatArray());
      assertFalse(FusedUpdates.sgd(w, Tensor.ones(8).to(dev.grad4j.DType.FLOAT64), buf, step));
      assertFalse(FusedUpdates.sgd(w, Tensor.ones(8), null, step), "momentum without a buffer");
      assertFalse(FusedUpdates.sgd(w, w, buf, step), "the gradient is the parameter itself");
    }
  }
}

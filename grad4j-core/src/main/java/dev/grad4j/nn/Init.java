package dev.grad4j.nn;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;

/**
 * Weight initialisation, in place, from an explicit generator, with PyTorch's formulas. Fan-in and
 * fan-out follow PyTorch: for a weight [out, in, k...], fanIn = in·k..., fanOut = out·k....
 */
public final class Init {
  private Init() {}

  /** in·(receptive field) for a weight of at least 2 dims. */
  public static int fanIn(Tensor w) {
    checkRank(w);
    return w.numel() / w.size(0);
  }

  /** out·(receptive field) for a weight of at least 2 dims. */
  public static int fanOut(Tensor w) {
    checkRank(w);
    return w.numel() / w.size(1);
  }

  private static void checkRank(Tensor w) {
    if (w.dim() < 2) {
      throw new IllegalArgumentException(
          "fan in/out need a weight of at least 2 dims, got shape "
              + java.util.Arrays.toString(w.shape()));
    }
  }

  /** Fills with U(low, high). Returns w. */
  public static Tensor uniform(Tensor w, double low, double high, Generator gen) {
    try (var g = GradMode.disabled()) {
      return w.copyFrom(Tensor.uniform(gen, low, high, w.dtype(), w.shape()));
    }
  }

  /** Fills with N(mean, std²). Returns w. */
  public static Tensor normal(Tensor w, double mean, double std, Generator gen) {
    try (var g = GradMode.disabled()) {
      return w.copyFrom(Tensor.normal(gen, mean, std, w.dtype(), w.shape()));
    }
  }

  /** Fills with a constant. Returns w. */
  public static Tensor constant(Tensor w, double value) {
    try (var g = GradMode.disabled()) {
      return w.fill(value);
    }
  }

  /** The gain of a leaky ReLU with negative slope a: sqrt(2 / (1 + a²)). */
  public static double leakyReluGain(double a) {
    return Math.sqrt(2.0 / (1 + a * a));
  }

  /**
   * Kaiming (He) uniform: U(-b, b) with b = gain·sqrt(3 / fanIn), gain for a leaky ReLU of slope a.
   * PyTorch's Linear and Conv default is a = sqrt(5), i.e. b = 1 / sqrt(fanIn).
   */
  public static Tensor kaimingUniform(Tensor w, double a, Generator gen) {
    double bound = leakyReluGain(a) * Math.sqrt(3.0 / fanIn(w));
    return uniform(w, -bound, bound, gen);
  }

  /** Kaiming (He) normal: N(0, (gain / sqrt(fanIn))²). */
  public static Tensor kaimingNormal(Tensor w, double a, Generator gen) {
    return normal(w, 0, leakyReluGain(a) / Math.sqrt(fanIn(w)), gen);
  }

  /** Xavier (Glorot) uniform: U(-b, b) with b = gain·sqrt(6 / (fanIn + fanOut)). */
  public static Tensor xavierUniform(Tensor w, double gain, Generator gen) {
    double bound = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
    return uniform(w, -bound, bound, gen);
  }

  /** Xavier (Glorot) normal: N(0, (gain·sqrt(2 / (fanIn + fanOut)))²). */
  public static Tensor xavierNormal(Tensor w, double gain, Generator gen) {
    return normal(w, 0, gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w))), gen);
  }
}

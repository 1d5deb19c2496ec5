package dev.grad4j.explain;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.attack.InputGradients;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Module;

/**
 * Saliency maps: attributions over the input, one map per example, of the same shape as the input.
 * Each explains f_c(x) = the logit (pre-softmax score) of class c, the class given per example
 * (often the predicted one). Logits rather than probabilities: a probability saturates and its
 * gradient vanishes where the model is confident.
 *
 * <ul>
 *   <li>{@link #vanilla}: ∂f_c/∂x (Simonyan et al.).
 *   <li>{@link #gradientTimesInput}: x ⊙ ∂f_c/∂x.
 *   <li>{@link #smoothGrad}: the mean of ∂f_c/∂x at x + N(0, σ²) over n seeded samples (Smilkov et
 *       al.); σ = 0 gives the vanilla gradient.
 *   <li>{@link #integratedGradients}: (x − x') ⊙ ∫₀¹ ∂f_c/∂x (x' + a(x − x')) da, the integral by
 *       the trapezoid rule on {@code steps} equal intervals (Sundararajan et al.). Completeness:
 *       the attributions sum to f_c(x) − f_c(x') up to the quadrature error.
 * </ul>
 */
public final class Saliency {
  private Saliency() {}

  /** The method names the command line uses. */
  public enum Method {
    VANILLA,
    GRADXINPUT,
    SMOOTHGRAD,
    IG;

    /** vanilla, gradxinput, smoothgrad or ig (case-insensitive). */
    public static Method parse(String s) {
      for (Method m : values()) {
        if (m.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          "unknown saliency method '" + s + "': choose vanilla, gradxinput, smoothgrad or ig");
    }
  }

  /**
   * ∂f_c/∂x for each example.
   *
   * @param inputs [B, ...]
   * @param classes [B] class indices
   */
  public static Tensor vanilla(Module model, Tensor inputs, Tensor classes) {
    return InputGradients.of(
            model, inputs, (logits, x) -> InputGradients.selectedLogits(logits, classes))
        .grad();
  }

  /** x ⊙ ∂f_c/∂x. */
  public static Tensor gradientTimesInput(Module model, Tensor inputs, Tensor classes) {
    Tensor g = vanilla(model, inputs, classes);
    try (var m = GradMode.disabled()) {
      return g.mul(inputs.detach());
    }
  }

  /**
   * SmoothGrad: the mean gradient over {@code samples} noisy copies x + σ·z, z ~ N(0, 1) drawn from
   * {@code generator}. The noisy inputs are not clamped to any range.
   *
   * @param sigma the noise's standard deviation in input units (≥ 0)
   */
  public static Tensor smoothGrad(
      Module model, Tensor inputs, Tensor classes, double sigma, int samples, Generator generator) {
    if (samples < 1 || !(sigma >= 0)) {
      throw new IllegalArgumentException(
          "smoothGrad: needs samples >= 1 and sigma >= 0, got " + samples + " and " + sigma);
    }
    Tensor sum = null;
    for (int i = 0; i < samples; i++) {
      Tensor noisy;
      try (var m = GradMode.disabled()) {
        noisy =
            sigma == 0
                ? inputs.detach()
                : inputs
                    .detach()
                    .add(Tensor.normal(generator, 0, sigma, inputs.dtype(), inputs.shape()));
      }
      Tensor g = vanilla(model, noisy, classes);
      try (var m = GradMode.disabled()) {
        sum = sum == null ? g : sum.add(g);
      }
    }
    try (var m = GradMode.disabled()) {
      return sum.div(samples);
    }
  }

  /**
   * Integrated gradients from {@code baseline} (same shape as the inputs, or one example's shape
   * broadcast to the batch; all zeros, a black image, is the usual choice) with the trapezoid rule
   * on {@code steps} intervals: steps + 1 gradient evaluations.
   */
  public static Tensor integratedGradients(
      Module model, Tensor inputs, Tensor classes, Tensor baseline, int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("integratedGradients: steps must be >= 1, got " + steps);
    }
    Tensor x;
    Tensor diff;
    try (var m = GradMode.disabled()) {
      x = inputs.detach();
      baseline = baseline.detach().to(x.dtype()).add(Tensor.zerosLike(x));
      diff = x.sub(baseline);
    }
    Tensor total = null;
    for (int k = 0; k <= steps; k++) {
      double a = k / (double) steps;
      double w = (k == 0 || k == steps) ? 0.5 : 1.0;
      Tensor point;
      try (var m = GradMode.disabled()) {
        point = baseline.add(diff.mul(a));
      }
      Tensor g = vanilla(model, point, classes);
      try (var m = GradMode.disabled()) {
        Tensor wg = g.mul(w);
        total = total == null ? wg : total.add(wg);
      }
    }
    try (var m = GradMode.disabled()) {
      return total.div(steps).mul(diff);
    }
  }

  /** The attributions of {@code method} (SmoothGrad and IG with the given options). */
  public static Tensor compute(
      Method method,
      Module model,
      Tensor inputs,
      Tensor classes,
      double sigma,
      int samples,
      int steps,
      Generator generator) {
    return switch (method) {
      case VANILLA -> vanilla(model, inputs, classes);
      case GRADXINPUT -> gradientTimesInput(model, inputs, classes);
      case SMOOTHGRAD -> smoothGrad(model, inputs, classes, sigma, samples, generator);
      case IG -> integratedGradients(model, inputs, classes, Tensor.zerosLike(inputs), steps);
    };
  }
}

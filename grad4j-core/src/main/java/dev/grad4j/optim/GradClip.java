package dev.grad4j.optim;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, in place on the parameters' gradients, with PyTorch's semantics ({@code
 * torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}). Call it between backward and the
 * optimizer's step:
 *
 * <pre>{@code
 * loss.backward();
 * double norm = GradClip.clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * }</pre>
 *
 * <p>Parameters without a gradient are skipped.
 */
public final class GradClip {
  private GradClip() {}

  /** Clips by the total 2-norm; returns the norm before clipping. */
  public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
    return clipGradNorm(params, maxNorm, 2.0, false);
  }

  /** Clips by the total norm of the given type; returns the norm before clipping. */
  public static double clipGradNorm(Iterable<Tensor> params, double maxNorm, double normType) {
    return clipGradNorm(params, maxNorm, normType, false);
  }

  /**
   * Scales all gradients together so that their total norm is at most about {@code maxNorm}: the
   * total norm N is the p-norm of all gradient elements as one vector (the largest |g| for p =
   * infinity), and every gradient is multiplied by {@code min(1, maxNorm / (N + 1e-6))}. Returns N
   * (0 when no parameter has a gradient). A non-finite N makes the gradients non-finite too (as in
   * PyTorch), unless {@code errorIfNonfinite}.
   *
   * @param normType p &gt; 0, or {@link Double#POSITIVE_INFINITY}
   * @throws IllegalArgumentException for a negative maxNorm or a bad normType
   * @throws IllegalStateException if {@code errorIfNonfinite} and N is NaN or infinite (gradients
   *     are then left unchanged)
   */
  public static double clipGradNorm(
      Iterable<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
    if (!(maxNorm >= 0)) {
      throw new IllegalArgumentException("clipGradNorm: maxNorm must be >= 0, got " + maxNorm);
    }
    List<Tensor> withGrad = withGrads(params);
    double total = gradNorm(withGrad, normType);
    if (errorIfNonfinite && !Double.isFinite(total)) {
      throw new IllegalStateException(
          "clipGradNorm: the total norm of order "
              + normType
              + " of the gradients is "
              + total
              + "; the gradients cannot be clipped (lower the learning rate, or look for a NaN"
              + " in the loss)");
    }
    double coef = maxNorm / (total + 1e-6);
    if (!(coef >= 1)) { // NaN scales too: a NaN norm poisons every gradient, as in PyTorch
      scale(withGrad, Math.min(coef, 1.0));
    }
    return total;
  }

  /**
   * The total norm of the gradients (as {@link #clipGradNorm} computes it, in float64), without
   * changing them.
   */
  public static double gradNorm(Iterable<Tensor> params, double normType) {
    if (!(normType > 0)) {
      throw new IllegalArgumentException(
          "gradNorm: normType must be positive or infinity, got " + normType);
    }
    boolean inf = normType == Double.POSITIVE_INFINITY;
    double acc = 0;
    for (Tensor p : withGrads(params)) {
      for (double v : p.grad().toDoubleArray()) {
        double a = Math.abs(v);
        if (inf) {
          acc = Double.isNaN(a) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, a);
        } else {
          acc += normType == 2 ? a * a : normType == 1 ? a : Math.pow(a, normType);
        }
      }
    }
    if (inf || normType == 1) {
      return acc;
    }
    return normType == 2 ? Math.sqrt(acc) : Math.pow(acc, 1 / normType);
  }

  /** Clamps every gradient element into [-clipValue, clipValue]. */
  public static void clipGradValue(Iterable<Tensor> params, double clipValue) {
    if (!(clipValue >= 0)) {
      throw new IllegalArgumentException("clipGradValue: clipValue must be >= 0, got " + clipValue);
    }
    try (var g = GradMode.disabled()) {
      for (Tensor p : withGrads(params)) {
        write(p, p.grad().clamp(-clipValue, clipValue));
      }
    }
  }

  private static List<Tensor> withGrads(Iterable<Tensor> params) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor p : params) {
      if (p.grad() != null) {
        out.add(p);
      }
    }
    return out;
  }

  private static void scale(List<Tensor> params, double coef) {
    try (var g = GradMode.disabled()) {
      for (Tensor p : params) {
        write(p, p.grad().mul(coef));
      }
    }
  }

  // Writes into the gradient tensor when it owns its elements, else replaces it.
  private static void write(Tensor p, Tensor value) {
    Tensor grad = p.grad();
    int[] shape = grad.shape();
    int[] strides = grad.strides();
    boolean shared = grad.requiresGrad();
    for (int d = 0; d < shape.length; d++) {
      shared |= strides[d] == 0 && shape[d] > 1;
    }
    if (shared) {
      p.setGrad(value.detach());
    } else {
      grad.copyFrom(value);
    }
  }
}

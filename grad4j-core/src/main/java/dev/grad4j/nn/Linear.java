package dev.grad4j.nn;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;

/**
 * y = x Wᵀ + b, with W of shape [out, in] (PyTorch's layout) and PyTorch's default initialisation:
 * W and b uniform in ±1/sqrt(in).
 */
public final class Linear extends Module {
  private final int inFeatures;
  private final int outFeatures;

  /** A layer with bias, initialised from the default generator. */
  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true, Generator.getDefault());
  }

  /** A layer, initialised from {@code gen}. */
  public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
    if (inFeatures <= 0 || outFeatures <= 0) {
      throw new IllegalArgumentException(
          "Linear: feature counts must be positive, got in=" + inFeatures + ", out=" + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    Tensor w = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
    Init.kaimingUniform(w, Math.sqrt(5), gen);
    if (bias) {
      double bound = 1 / Math.sqrt(inFeatures);
      Init.uniform(registerParameter("bias", Tensor.zeros(outFeatures)), -bound, bound, gen);
    }
  }

  /** The weight, [out, in]. */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, [out], or null. */
  public Tensor bias() {
    return hasParameter("bias") ? parameter("bias") : null;
  }

  @Override
  public Tensor forward(Tensor input) {
    return Functional.linear(input, weight(), bias());
  }

  @Override
  protected String extraRepr() {
    return "in=" + inFeatures + ", out=" + outFeatures + ", bias=" + hasParameter("bias");
  }
}

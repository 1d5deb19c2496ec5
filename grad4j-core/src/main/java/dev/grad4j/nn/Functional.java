package dev.grad4j.nn;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import java.util.Arrays;

/** The functional forms of the layers, for users writing their own modules. */
public final class Functional {
  private Functional() {}

  /** x Wᵀ + b for x [..., in], W [out, in], b [out] or null. */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    if (x.dim() == 0 || weight.dim() != 2 || x.size(-1) != weight.size(1)) {
      throw new IllegalArgumentException(
          "linear: input "
              + Arrays.toString(x.shape())
              + " does not fit weight "
              + Arrays.toString(weight.shape())
              + " (the input's last dim must equal the weight's in-features)");
    }
    Tensor y = x.matmul(weight.t());
    return bias == null ? y : y.add(bias);
  }

  /**
   * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
   * 1/(1-p); otherwise returns x.
   */
  public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
    }
    if (!training || p == 0) {
      return x;
    }
    if (p == 1) {
      return x.mul(0);
    }
    Tensor keep = Tensor.bernoulli(gen, 1 - p, x.shape()).to(x.dtype());
    return x.mul(keep).div(1 - p);
  }
}

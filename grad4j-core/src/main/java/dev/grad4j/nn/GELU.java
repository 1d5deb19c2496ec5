package dev.grad4j.nn;

import dev.grad4j.Tensor;

/**
 * The Gaussian error linear unit x·Φ(x), as PyTorch's {@code nn.GELU}: exact, 0.5·x·(1 +
 * erf(x/√2)), by default; with {@code approximate = "tanh"}, 0.5·x·(1 + tanh(√(2/π)·(x +
 * 0.044715·x³))).
 */
public final class GELU extends Module {
  private final String approximate;

  /** The exact GELU. */
  public GELU() {
    this("none");
  }

  /** {@code approximate}: "none" (exact) or "tanh". */
  public GELU(String approximate) {
    this.approximate = Functional.checkGeluApproximation("GELU", approximate);
  }

  @Override
  public Tensor forward(Tensor input) {
    return Functional.gelu(input, approximate);
  }

  @Override
  protected String extraRepr() {
    return "approximate=" + approximate;
  }
}

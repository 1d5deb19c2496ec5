package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** x for x &gt; 0, else slope·x (default slope 0.01, as in PyTorch). */
public final class LeakyReLU extends Module {
  private final double slope;

  /** Slope 0.01. */
  public LeakyReLU() {
    this(0.01);
  }

  /** The given negative slope. */
  public LeakyReLU(double slope) {
    this.slope = slope;
  }

  @Override
  protected String extraRepr() {
    return "slope=" + slope;
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.leakyRelu(slope);
  }
}

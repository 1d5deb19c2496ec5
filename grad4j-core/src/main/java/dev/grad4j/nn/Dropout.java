package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Inverted dropout with a seedable generator; the identity in eval mode. */
public final class Dropout extends Module {
  private final double p;
  private final dev.grad4j.Generator gen;

  /** Drops with probability p using the default generator. */
  public Dropout(double p) {
    this(p, dev.grad4j.Generator.getDefault());
  }

  /** Drops with probability p using {@code gen}. */
  public Dropout(double p, dev.grad4j.Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
    }
    this.p = p;
    this.gen = gen;
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }

  @Override
  public Tensor forward(Tensor x) {
    return Functional.dropout(x, p, isTraining(), gen);
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Softmax along a dim (numerically stable). */
public final class Softmax extends Module {
  private final int dim;

  /** Softmax along {@code dim}. */
  public Softmax(int dim) {
    this.dim = dim;
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.softmax(dim);
  }
}

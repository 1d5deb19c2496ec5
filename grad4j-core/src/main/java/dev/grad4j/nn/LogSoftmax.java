package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Log-softmax along a dim (numerically stable). */
public final class LogSoftmax extends Module {
  private final int dim;

  /** Log-softmax along {@code dim}. */
  public LogSoftmax(int dim) {
    this.dim = dim;
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.logSoftmax(dim);
  }
}

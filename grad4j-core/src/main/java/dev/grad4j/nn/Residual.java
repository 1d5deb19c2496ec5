package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** x + body(x): a skip connection, the basic block of DAG-shaped models (ResNets). */
public final class Residual extends Module {
  private final Module body;

  /** A skip connection around {@code body}, which must keep the shape of its input. */
  public Residual(Module body) {
    this.body = registerModule("body", body);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.add(body.forward(x));
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** The hyperbolic tangent. */
public final class Tanh extends Module {

  @Override
  public Tensor forward(Tensor x) {
    return x.tanh();
  }
}

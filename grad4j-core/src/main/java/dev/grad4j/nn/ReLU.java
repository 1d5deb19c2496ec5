package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** max(x, 0); the gradient at 0 is 0. */
public final class ReLU extends Module {

  @Override
  public Tensor forward(Tensor x) {
    return x.relu();
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** The logistic sigmoid 1 / (1 + e^-x). */
public final class Sigmoid extends Module {

  @Override
  public Tensor forward(Tensor x) {
    return x.sigmoid();
  }
}

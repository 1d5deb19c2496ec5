package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Returns its input: a placeholder, e.g. for an optional layer. */
public final class Identity extends Module {

  @Override
  public Tensor forward(Tensor x) {
    return x;
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** A module from a function, for parameter-free steps in a model (reshape, custom activations). */
public final class Lambda extends Module {
  private final String name;
  private final java.util.function.UnaryOperator<Tensor> fn;

  /** A module named {@code name} that applies {@code fn}. */
  public Lambda(String name, java.util.function.UnaryOperator<Tensor> fn) {
    this.name = name;
    this.fn = fn;
  }

  @Override
  protected String extraRepr() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x) {
    return fn.apply(x);
  }
}

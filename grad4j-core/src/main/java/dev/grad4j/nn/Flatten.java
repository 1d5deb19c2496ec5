package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Merges dims startDim..endDim (default 1..-1, keeping the batch dim), as nn.Flatten. */
public final class Flatten extends Module {
  private final int startDim;
  private final int endDim;

  /** Flattens everything but the batch dim. */
  public Flatten() {
    this(1, -1);
  }

  /** Flattens dims startDim..endDim inclusive. */
  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  @Override
  protected String extraRepr() {
    return "startDim=" + startDim + ", endDim=" + endDim;
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.flatten(startDim, endDim);
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
  /** The mean over elements (for weighted losses, the weighted mean; see each loss). */
  MEAN,
  /** The sum over elements. */
  SUM,
  /** No reduction: one loss value per element (per sample for classification losses). */
  NONE;

  /** Applies this reduction to per-element losses: a plain mean, sum, or the tensor itself. */
  public Tensor apply(Tensor losses) {
    return switch (this) {
      case MEAN -> losses.mean();
      case SUM -> losses.sum();
      case NONE -> losses;
    };
  }
}

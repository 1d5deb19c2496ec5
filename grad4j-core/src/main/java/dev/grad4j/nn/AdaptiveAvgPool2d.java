package dev.grad4j.nn;

import dev.grad4j.Tensor;

/**
 * Averages [N, C, H, W] (or [C, H, W]) inputs of any size down (or up) to a fixed [outH, outW],
 * with PyTorch's bins: output row i covers input rows ⌊i·H/outH⌋ to ⌈(i+1)·H/outH⌉ - 1, likewise
 * for columns. {@code new AdaptiveAvgPool2d(1)} is global average pooling.
 */
public final class AdaptiveAvgPool2d extends Module {
  private final int outH;
  private final int outW;

  /** A square output of size × size. */
  public AdaptiveAvgPool2d(int size) {
    this(size, size);
  }

  /** An output of outH × outW. */
  public AdaptiveAvgPool2d(int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException(
          "AdaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
    }
    this.outH = outH;
    this.outW = outW;
  }

  @Override
  public Tensor forward(Tensor input) {
    return Functional.adaptiveAvgPool2d("AdaptiveAvgPool2d", input, outH, outW);
  }

  @Override
  protected String extraRepr() {
    return "output=" + (outH == outW ? Integer.toString(outH) : outH + "x" + outW);
  }
}

package dev.grad4j.nn;

import dev.grad4j.Sizes2d;
import dev.grad4j.Tensor;

/**
 * Average pooling over 2-D windows of [N, C, H, W] (or [C, H, W]) inputs, padded with zeros; see
 * {@link Functional#avgPool2d(Tensor, int[], int[], int[], boolean)}. By default (as in PyTorch)
 * padded positions count in the divisor, so every window is divided by kh·kw.
 */
public final class AvgPool2d extends Module {
  private final int[] kernelSize;
  private final int[] stride;
  private final int[] padding;
  private final boolean countIncludePad;

  /** Square windows, stride = kernel size, no padding. */
  public AvgPool2d(int kernelSize) {
    this(kernelSize, kernelSize, 0);
  }

  /** Square windows with the given stride, no padding. */
  public AvgPool2d(int kernelSize, int stride) {
    this(kernelSize, stride, 0);
  }

  /** Square windows with the given stride and padding, padding counted in the divisor. */
  public AvgPool2d(int kernelSize, int stride, int padding) {
    this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, true);
  }

  /**
   * Windows with each size one value or a (height, width) pair; {@code stride} null or empty means
   * the kernel size. Padding may be at most half the kernel.
   */
  public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean countIncludePad) {
    this.kernelSize = Sizes2d.pair("AvgPool2d", "kernel size", kernelSize, 1);
    this.stride =
        stride == null || stride.length == 0
            ? this.kernelSize.clone()
            : Sizes2d.pair("AvgPool2d", "stride", stride, 1);
    this.padding = Sizes2d.pair("AvgPool2d", "padding", padding, 0);
    this.countIncludePad = countIncludePad;
    if (this.padding[0] > this.kernelSize[0] / 2 || this.padding[1] > this.kernelSize[1] / 2) {
      throw new IllegalArgumentException(
          "AvgPool2d: padding "
              + Conv2d.size(this.padding)
              + " must be at most half the kernel "
              + Conv2d.size(this.kernelSize));
    }
  }

  @Override
  public Tensor forward(Tensor input) {
    return Functional.avgPool2d("AvgPool2d", input, kernelSize, stride, padding, countIncludePad);
  }

  @Override
  protected String extraRepr() {
    String s = "kernel=" + Conv2d.size(kernelSize) + ", stride=" + Conv2d.size(stride);
    if (padding[0] != 0 || padding[1] != 0) {
      s += ", padding=" + Conv2d.size(padding) + ", countIncludePad=" + countIncludePad;
    }
    return s;
  }
}

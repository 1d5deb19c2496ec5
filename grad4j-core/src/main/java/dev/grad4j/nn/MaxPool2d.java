package dev.grad4j.nn;

import dev.grad4j.Sizes2d;
import dev.grad4j.Tensor;

/**
 * Max pooling over 2-D windows of [N, C, H, W] (or [C, H, W]) inputs, padded with -∞; see {@link
 * Functional#maxPool2d(Tensor, int[], int[], int[], int[])}.
 *
 * <p>Ties: the gradient of a window goes entirely to its first maximum in row-major order (top row
 * first, left to right), as in PyTorch; it is not shared among equal values.
 */
public final class MaxPool2d extends Module {
  private final int[] kernelSize;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;

  /** Square windows, stride = kernel size, no padding. */
  public MaxPool2d(int kernelSize) {
    this(kernelSize, kernelSize, 0, 1);
  }

  /** Square windows with the given stride, no padding. */
  public MaxPool2d(int kernelSize, int stride) {
    this(kernelSize, stride, 0, 1);
  }

  /** Square windows with the given stride and padding. */
  public MaxPool2d(int kernelSize, int stride, int padding) {
    this(kernelSize, stride, padding, 1);
  }

  /** Square windows. */
  public MaxPool2d(int kernelSize, int stride, int padding, int dilation) {
    this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation});
  }

  /**
   * Windows with each size one value or a (height, width) pair; {@code stride} null or empty means
   * the kernel size. Padding may be at most half the kernel.
   */
  public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    this.kernelSize = Sizes2d.pair("MaxPool2d", "kernel size", kernelSize, 1);
    this.stride =
        stride == null || stride.length == 0
            ? this.kernelSize.clone()
            : Sizes2d.pair("MaxPool2d", "stride", stride, 1);
    this.padding = Sizes2d.pair("MaxPool2d", "padding", padding, 0);
    this.dilation = Sizes2d.pair("MaxPool2d", "dilation", dilation, 1);
    if (this.padding[0] > this.kernelSize[0] / 2 || this.padding[1] > this.kernelSize[1] / 2) {
      throw new IllegalArgumentException(
          "MaxPool2d: padding "
              + Conv2d.size(this.padding)
              + " must be at most half the kernel "
              + Conv2d.size(this.kernelSize));
    }
  }

  @Override
  public Tensor forward(Tensor input) {
    return Functional.maxPool2d("MaxPool2d", input, kernelSize, stride, padding, dilation);
  }

  @Override
  protected String extraRepr() {
    String s = "kernel=" + Conv2d.size(kernelSize) + ", stride=" + Conv2d.size(stride);
    if (padding[0] != 0 || padding[1] != 0) {
      s += ", padding=" + Conv2d.size(padding);
    }
    if (dilation[0] != 1 || dilation[1] != 1) {
      s += ", dilation=" + Conv2d.size(dilation);
    }
    return s;
  }
}

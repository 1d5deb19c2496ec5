package dev.grad4j.backend;

/**
 * The geometry of a 2-D sliding window over the last two dims of an [N, C, H, W] operand: kernel
 * size, stride, zero-based symmetric padding and dilation, each as (height, width). Window i along
 * a dim starts at {@code i·stride - padding} and reads every {@code dilation}-th position, {@code
 * kernel} positions in all.
 */
public record Window2d(
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padH,
    int padW,
    int dilationH,
    int dilationW) {

  /** The number of window positions along the height of an input of height {@code h}. */
  public int outH(int h) {
    return Math.floorDiv(h + 2 * padH - dilationH * (kernelH - 1) - 1, strideH) + 1;
  }

  /** The number of window positions along the width of an input of width {@code w}. */
  public int outW(int w) {
    return Math.floorDiv(w + 2 * padW - dilationW * (kernelW - 1) - 1, strideW) + 1;
  }

  /** kernelH · kernelW: the number of elements one window reads per channel. */
  public int kernelSize() {
    return kernelH * kernelW;
  }
}

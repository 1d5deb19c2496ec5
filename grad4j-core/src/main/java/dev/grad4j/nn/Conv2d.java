package dev.grad4j.nn;

import dev.grad4j.Generator;
import dev.grad4j.Sizes2d;
import dev.grad4j.Tensor;
import java.util.Arrays;

/**
 * A 2-D convolution over images [N, C, H, W] (NCHW, as PyTorch), with weight [out, in/groups, kh,
 * kw] and an optional bias [out]. The output is [N, out, outH, outW] with outH = ⌊(H + 2·padH -
 * dilationH·(kh - 1) - 1) / strideH⌋ + 1, likewise outW; see {@link Functional#conv2d(Tensor,
 * Tensor, Tensor, int[], int[], int[], int)}. Unbatched [C, H, W] inputs give [out, outH, outW].
 *
 * <p>Initialisation is PyTorch's default: weight and bias uniform in ±1/sqrt(fanIn) with fanIn =
 * in/groups·kh·kw (Kaiming uniform with a = √5).
 */
public final class Conv2d extends Module {
  private final int inChannels;
  private final int outChannels;
  private final int[] kernelSize;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;
  private final int groups;

  /** A square kernel with stride 1 and no padding, bias, initialised from the default generator. */
  public Conv2d(int inChannels, int outChannels, int kernelSize) {
    this(inChannels, outChannels, kernelSize, 1, 0);
  }

  /** A square kernel with bias, initialised from the default generator. */
  public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
    this(inChannels, outChannels, kernelSize, stride, padding, true, Generator.getDefault());
  }

  /** A square kernel, initialised from {@code gen}. */
  public Conv2d(
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      boolean bias,
      Generator gen) {
    this(
        inChannels,
        outChannels,
        new int[] {kernelSize},
        new int[] {stride},
        new int[] {padding},
        new int[] {1},
        1,
        bias,
        gen);
  }

  /**
   * The general layer, initialised from {@code gen}. Kernel size, stride, padding and dilation are
   * each one value (for both dims) or a (height, width) pair; {@code groups} must divide both
   * channel counts.
   */
  public Conv2d(
      int inChannels,
      int outChannels,
      int[] kernelSize,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups,
      boolean bias,
      Generator gen) {
    if (inChannels <= 0 || outChannels <= 0) {
      throw new IllegalArgumentException(
          "Conv2d: channel counts must be positive, got in=" + inChannels + ", out=" + outChannels);
    }
    if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(
          "Conv2d: groups must be positive and divide in="
              + inChannels
              + " and out="
              + outChannels
              + ", got groups="
              + groups);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = Sizes2d.pair("Conv2d", "kernel size", kernelSize, 1);
    this.stride = Sizes2d.pair("Conv2d", "stride", stride, 1);
    this.padding = Sizes2d.pair("Conv2d", "padding", padding, 0);
    this.dilation = Sizes2d.pair("Conv2d", "dilation", dilation, 1);
    this.groups = groups;
    Tensor w =
        registerParameter(
            "weight",
            Tensor.zeros(outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]));
    Init.kaimingUniform(w, Math.sqrt(5), gen);
    if (bias) {
      double bound = 1 / Math.sqrt(Init.fanIn(w));
      Init.uniform(registerParameter("bias", Tensor.zeros(outChannels)), -bound, bound, gen);
    }
  }

  /** The weight, [out, in/groups, kh, kw]. */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, [out], or null. */
  public Tensor bias() {
    return hasParameter("bias") ? parameter("bias") : null;
  }

  @Override
  public Tensor forward(Tensor input) {
    boolean batched = input.dim() == 4;
    if ((!batched && input.dim() != 3) || input.size(batched ? 1 : 0) != inChannels) {
      throw new IllegalArgumentException(
          "Conv2d: expected input [N, "
              + inChannels
              + ", H, W] or ["
              + inChannels
              + ", H, W], got "
              + Arrays.toString(input.shape()));
    }
    return Functional.conv2d("Conv2d", input, weight(), bias(), stride, padding, dilation, groups);
  }

  @Override
  protected String extraRepr() {
    StringBuilder sb =
        new StringBuilder()
            .append("in=")
            .append(inChannels)
            .append(", out=")
            .append(outChannels)
            .append(", kernel=")
            .append(size(kernelSize))
            .append(", stride=")
            .append(size(stride));
    if (padding[0] != 0 || padding[1] != 0) {
      sb.append(", padding=").append(size(padding));
    }
    if (dilation[0] != 1 || dilation[1] != 1) {
      sb.append(", dilation=").append(size(dilation));
    }
    if (groups != 1) {
      sb.append(", groups=").append(groups);
    }
    return sb.append(", bias=").append(hasParameter("bias")).toString();
  }

  static String size(int[] pair) {
    return pair[0] == pair[1] ? Integer.toString(pair[0]) : pair[0] + "x" + pair[1];
  }
}

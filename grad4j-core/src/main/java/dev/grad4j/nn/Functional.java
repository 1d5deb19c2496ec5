package dev.grad4j.nn;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Sizes2d;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.Arrays;

/** The functional forms of the layers, for users writing their own modules. */
public final class Functional {
  private Functional() {}

  /** x Wᵀ + b for x [..., in], W [out, in], b [out] or null. */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    if (x.dim() == 0 || weight.dim() != 2 || x.size(-1) != weight.size(1)) {
      throw new IllegalArgumentException(
          "linear: input "
              + Arrays.toString(x.shape())
              + " does not fit weight "
              + Arrays.toString(weight.shape())
              + " (the input's last dim must equal the weight's in-features)");
    }
    Tensor y = x.matmul(weight.t());
    return bias == null ? y : y.add(bias);
  }

  /**
   * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
   * 1/(1-p); otherwise returns x.
   */
  public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
    }
    if (!training || p == 0) {
      return x;
    }
    if (p == 1) {
      return x.mul(0);
    }
    Tensor keep = Tensor.bernoulli(gen, 1 - p, x.shape()).to(x.dtype());
    return x.mul(keep).div(1 - p);
  }

  // ---------------------------------------------------------------- convolution and pooling

  /** 2-D convolution with stride 1, no padding and no dilation; see the full form. */
  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
    return conv2d(x, weight, bias, 1, 0, 1);
  }

  /** 2-D convolution with the same stride, padding and dilation for height and width. */
  public static Tensor conv2d(
      Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation) {
    return conv2d(
        x, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation}, 1);
  }

  /**
   * 2-D convolution (cross-correlation, as in PyTorch) of x [N, C, H, W] (or unbatched [C, H, W])
   * with weight [out, C/groups, kh, kw] and an optional bias [out], giving [N, out, outH, outW]
   * with outH = ⌊(H + 2·padH - dilationH·(kh - 1) - 1) / strideH⌋ + 1 (likewise outW). Padding is
   * with zeros. With groups g, the channels are split into g groups convolved separately, and out
   * must be a multiple of g. Computed by {@link Tensor#conv2d} (with groups: {@link Tensor#unfold}
   * → a batched matmul per group), so it is differentiable to any order. Stride, padding and
   * dilation are one value or a (height, width) pair.
   */
  public static Tensor conv2d(
      Tensor x,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return conv2d("conv2d", x, weight, bias, stride, padding, dilation, groups);
  }

  static Tensor conv2d(
      String op,
      Tensor x,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    if (x.dim() == 3) {
      return conv2d(op, x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
    }
    if (weight.dim() != 4) {
      throw new IllegalArgumentException(
          op + ": expected a weight [out, in/groups, kh, kw], got " + shape(weight));
    }
    int out = weight.size(0);
    if (groups <= 0 || out % groups != 0) {
      throw new IllegalArgumentException(
          op
              + ": groups must be positive and divide the "
              + out
              + " output channels of weight "
              + shape(weight)
              + ", got groups="
              + groups);
    }
    int channels = weight.size(1) * groups;
    if (x.dim() != 4 || x.size(1) != channels) {
      throw new IllegalArgumentException(
          op
              + ": expected input [N, "
              + channels
              + ", H, W] for weight "
              + shape(weight)
              + (groups == 1 ? "" : " with groups=" + groups)
              + ", got "
              + shape(x));
    }
    if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
      throw new IllegalArgumentException(
          op
              + ": expected a bias ["
              + out
              + "] for weight "
              + shape(weight)
              + ", got "
              + shape(bias));
    }
    int kh = weight.size(2);
    int kw = weight.size(3);
    int[] k = {kh, kw};
    Geometry g = Geometry.of(op, x, k, stride, padding, dilation);
    int n = x.size(0);
    int per = channels / groups * kh * kw;
    int blocks = g.outH * g.outW;
    Tensor y;
    if (groups == 1) {
      // The fused op: its kernels write each image's product straight into [N, out, oh, ow], with
      // the bias, and its gradients are the fused input- and weight-gradient ops.
      return x.conv2d(weight, bias, g.stride, g.padding, g.dilation);
    } else {
      Tensor cols = x.unfold(k, g.stride, g.padding, g.dilation); // [N, C·kh·kw, L]
      y =
          weight
              .reshape(groups, out / groups, per)
              .matmul(cols.reshape(n, groups, per, blocks))
              .reshape(n, out, blocks);
    }
    if (bias != null) {
      y = y.add(bias.reshape(out, 1));
    }
    return y.reshape(n, out, g.outH, g.outW);
  }

  /** Max pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor maxPool2d(Tensor x, int kernelSize) {
    return maxPool2d(x, new int[] {kernelSize}, null, new int[] {0}, new int[] {1});
  }

  /** Max pooling with square windows. */
  public static Tensor maxPool2d(Tensor x, int kernelSize, int stride, int padding, int dilation) {
    return maxPool2d(
        x, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation});
  }

  /**
   * Max pooling over windows of x [N, C, H, W] (or [C, H, W]), as PyTorch's {@code max_pool2d}: the
   * output [N, C, outH, outW] holds each window's largest value, with outH as in {@link #conv2d}.
   * The input is padded with -∞ (padding may be at most half the kernel); {@code stride} null or
   * empty means the kernel size.
   *
   * <p>Gradient and ties: the whole gradient of a window goes to one position, the first maximum in
   * the window's row-major order (top row first, left to right), as PyTorch's CPU kernel does. A
   * NaN counts as the maximum, so it propagates. Computed by {@link Tensor#maxPool2d}, which keeps
   * each window's chosen position, so it is differentiable to any order.
   */
  public static Tensor maxPool2d(
      Tensor x, int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    return maxPool2d("maxPool2d", x, kernelSize, stride, padding, dilation);
  }

  static Tensor maxPool2d(
      String op, Tensor x, int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    if (x.dim() == 3) {
      return maxPool2d(op, x.unsqueeze(0), kernelSize, stride, padding, dilation).squeeze(0);
    }
    checkImage(op, x);
    int[] k = Sizes2d.pair(op, "kernel size", kernelSize, 1);
    Geometry g =
        Geometry.of(op, x, k, stride == null || stride.length == 0 ? k : stride, padding, dilation);
    g.checkHalfPadding(op, k);
    return x.maxPool2d(k, g.stride, g.padding, g.dilation);
  }

  /** Average pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor avgPool2d(Tensor x, int kernelSize) {
    return avgPool2d(x, new int[] {kernelSize}, null, new int[] {0}, true);
  }

  /** Average pooling with square windows, padding counted in the divisor. */
  public static Tensor avgPool2d(Tensor x, int kernelSize, int stride, int padding) {
    return avgPool2d(x, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, true);
  }

  /**
   * Average pooling over windows of x [N, C, H, W] (or [C, H, W]), as PyTorch's {@code avg_pool2d}:
   * the input is padded with zeros (padding may be at most half the kernel) and each window's sum
   * is divided by kh·kw when {@code countIncludePad} (PyTorch's default), or by the number of its
   * positions inside the input otherwise. {@code stride} null or empty means the kernel size.
   */
  public static Tensor avgPool2d(
      Tensor x, int[] kernelSize, int[] stride, int[] padding, boolean countIncludePad) {
    return avgPool2d("avgPool2d", x, kernelSize, stride, padding, countIncludePad);
  }

  static Tensor avgPool2d(
      String op, Tensor x, int[] kernelSize, int[] stride, int[] padding, boolean countIncludePad) {
    if (x.dim() == 3) {
      return avgPool2d(op, x.unsqueeze(0), kernelSize, stride, padding, countIncludePad).squeeze(0);
    }
    checkImage(op, x);
    int[] k = Sizes2d.pair(op, "kernel size", kernelSize, 1);
    Geometry g =
        Geometry.of(
            op, x, k, stride == null || stride.length == 0 ? k : stride, padding, new int[] {1});
    g.checkHalfPadding(op, k);
    int n = x.size(0);
    int c = x.size(1);
    int blocks = g.outH * g.outW;
    Tensor sums =
        x.unfold(k, g.stride, g.padding, g.dilation).reshape(n, c, k[0] * k[1], blocks).sum(2);
    Tensor y;
    if (countIncludePad || (g.padding[0] == 0 && g.padding[1] == 0)) {
      y = sums.div(k[0] * k[1]);
    } else {
      Tensor counts =
          Tensor.ones(x.dtype(), 1, 1, x.size(2), x.size(3))
              .unfold(k, g.stride, g.padding, g.dilation)
              .sum(1); // [1, L]: positions of each window inside the input
      y = sums.div(counts.reshape(1, 1, blocks));
    }
    return y.reshape(n, c, g.outH, g.outW);
  }

  /** Adaptive average pooling to a square output. */
  public static Tensor adaptiveAvgPool2d(Tensor x, int outputSize) {
    return adaptiveAvgPool2d(x, outputSize, outputSize);
  }

  /**
   * Adaptive average pooling of x [N, C, H, W] (or [C, H, W]) to [N, C, outH, outW], as PyTorch's
   * {@code adaptive_avg_pool2d}: output row i averages input rows ⌊i·H/outH⌋ to ⌈(i+1)·H/outH⌉ - 1
   * (bins may overlap, and outH may exceed H), and likewise for columns. Computed as P_H · x · P_Wᵀ
   * with fixed averaging matrices.
   */
  public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
    return adaptiveAvgPool2d("adaptiveAvgPool2d", x, outH, outW);
  }

  static Tensor adaptiveAvgPool2d(String op, Tensor x, int outH, int outW) {
    if (x.dim() != 3 && x.dim() != 4) {
      throw new IllegalArgumentException(
          op + ": expected input [N, C, H, W] or [C, H, W], got " + shape(x));
    }
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException(
          op + ": output size must be positive, got " + outH + "x" + outW);
    }
    if (x.size(-1) == 0 || x.size(-2) == 0) {
      throw new IllegalArgumentException(op + ": input " + shape(x) + " has an empty image");
    }
    Tensor rows = binMatrix(x.size(-2), outH, x.dtype());
    Tensor cols = binMatrix(x.size(-1), outW, x.dtype());
    return rows.matmul(x).matmul(cols.t());
  }

  // [out, in]: row i averages inputs floor(i·in/out) .. ceil((i+1)·in/out) - 1.
  private static Tensor binMatrix(int in, int out, DType dtype) {
    double[] m = new double[out * in];
    for (int i = 0; i < out; i++) {
      int start = (int) ((long) i * in / out);
      int end = (int) (((long) (i + 1) * in + out - 1) / out);
      for (int j = start; j < end; j++) {
        m[i * in + j] = 1.0 / (end - start);
      }
    }
    return Tensor.of(m, out, in).to(dtype);
  }

  // ---------------------------------------------------------------- normalisation

  /**
   * Batch normalisation, as PyTorch's {@code batch_norm}, for x [N, C, ...] (channels in dim 1).
   *
   * <p>In training, each channel is normalised with the batch's mean and biased variance over all
   * dims but dim 1, (x - mean) / sqrt(var + eps), and, when {@code runningMean} / {@code
   * runningVar} are given, they are updated in place as {@code (1 - momentum)·running +
   * momentum·batch}, with the unbiased variance (n/(n-1)) for the running one. Otherwise the
   * running statistics normalise. The result is scaled by {@code weight} [C] and shifted by {@code
   * bias} [C] where given (null skips them).
   */
  public static Tensor batchNorm(
      Tensor x,
      Tensor runningMean,
      Tensor runningVar,
      Tensor weight,
      Tensor bias,
      boolean training,
      double momentum,
      double eps) {
    return batchNorm(
        "batchNorm", x, runningMean, runningVar, weight, bias, training, momentum, eps);
  }

  static Tensor batchNorm(
      String op,
      Tensor x,
      Tensor runningMean,
      Tensor runningVar,
      Tensor weight,
      Tensor bias,
      boolean training,
      double momentum,
      double eps) {
    if (x.dim() < 2) {
      throw new IllegalArgumentException(
          op + ": expected an input [N, C, ...] of at least 2 dims, got " + shape(x));
    }
    int c = x.size(1);
    checkChannelVector(op, "running mean", runningMean, c, x);
    checkChannelVector(op, "running var", runningVar, c, x);
    checkChannelVector(op, "weight", weight, c, x);
    checkChannelVector(op, "bias", bias, c, x);
    int[] dims = new int[x.dim() - 1];
    int[] channelShape = new int[x.dim()];
    Arrays.fill(channelShape, 1);
    channelShape[1] = c;
    for (int d = 0, k = 0; d < x.dim(); d++) {
      if (d != 1) {
        dims[k++] = d;
      }
    }
    Tensor y;
    if (training) {
      long count = x.numel() / Math.max(1, c);
      if (count <= 1) {
        throw new IllegalArgumentException(
            op + ": expected more than 1 value per channel when training, got input " + shape(x));
      }
      Tensor mean = x.mean(dims, true);
      Tensor var = x.var(dims, true, 0);
      y = x.sub(mean).div(var.add(eps).sqrt());
      if (runningMean != null || runningVar != null) {
        try (var g = GradMode.disabled()) {
          if (runningMean != null) {
            runningMean.mulInPlace(1 - momentum).addInPlace(mean.detach().reshape(c).mul(momentum));
          }
          if (runningVar != null) {
            Tensor unbiased = var.detach().reshape(c).mul((double) count / (count - 1));
            runningVar.mulInPlace(1 - momentum).addInPlace(unbiased.mul(momentum));
          }
        }
      }
    } else {
      if (runningMean == null || runningVar == null) {
        throw new IllegalArgumentException(
            op + ": running mean and variance are needed to normalise outside training");
      }
      Tensor mean = runningMean.detach().reshape(channelShape).to(x.dtype());
      Tensor var = runningVar.detach().reshape(channelShape).to(x.dtype());
      y = x.sub(mean).div(var.add(eps).sqrt());
    }
    if (weight != null) {
      y = y.mul(weight.reshape(channelShape));
    }
    if (bias != null) {
      y = y.add(bias.reshape(channelShape));
    }
    return y;
  }

  private static void checkChannelVector(String op, String what, Tensor t, int c, Tensor x) {
    if (t != null && (t.dim() != 1 || t.size(0) != c)) {
      throw new IllegalArgumentException(
          op
              + ": "
              + what
              + " has shape "
              + shape(t)
              + " but input "
              + shape(x)
              + " has "
              + c
              + " channels (expected ["
              + c
              + "])");
    }
  }

  // ---------------------------------------------------------------- activations

  /** The exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
  public static Tensor gelu(Tensor x) {
    return gelu(x, "none");
  }

  /**
   * GELU, as PyTorch's {@code gelu}: {@code approximate} "none" gives the exact 0.5·x·(1 +
   * erf(x/√2)); "tanh" gives 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
   */
  public static Tensor gelu(Tensor x, String approximate) {
    return switch (checkGeluApproximation("gelu", approximate)) {
      case "tanh" -> {
        Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        yield x.mul(0.5).mul(inner.tanh().add(1));
      }
      default -> x.mul(0.5).mul(x.mul(1 / Math.sqrt(2)).erf().add(1));
    };
  }

  static String checkGeluApproximation(String op, String approximate) {
    if (!"none".equals(approximate) && !"tanh".equals(approximate)) {
      throw new IllegalArgumentException(
          op + ": approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    }
    return approximate;
  }

  // ---------------------------------------------------------------- window helpers

  private static String shape(Tensor t) {
    return Arrays.toString(t.shape());
  }

  private static void checkImage(String op, Tensor x) {
    if (x.dim() != 4) {
      throw new IllegalArgumentException(
          op + ": expected input [N, C, H, W] or [C, H, W], got " + shape(x));
    }
  }

  /** Checked window geometry over an image [N, C, H, W] and the output size it gives. */
  private record Geometry(int[] stride, int[] padding, int[] dilation, int outH, int outW) {
    static Geometry of(
        String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
      int[] s = Sizes2d.pair(op, "stride", stride, 1);
      int[] p = Sizes2d.pair(op, "padding", padding, 0);
      int[] d = Sizes2d.pair(op, "dilation", dilation, 1);
      int h = x.size(2);
      int w = x.size(3);
      int spanH = d[0] * (kernel[0] - 1) + 1;
      int spanW = d[1] * (kernel[1] - 1) + 1;
      if (spanH > h + 2 * p[0] || spanW > w + 2 * p[1]) {
        throw new IllegalArgumentException(
            op
                + ": kernel "
                + kernel[0]
                + "x"
                + kernel[1]
                + (d[0] == 1 && d[1] == 1 ? "" : " with dilation " + d[0] + "x" + d[1])
                + " spans "
                + spanH
                + "x"
                + spanW
                + ", larger than the input "
                + shape(x)
                + " padded by "
                + p[0]
                + "x"
                + p[1]
                + " ("
                + (h + 2 * p[0])
                + "x"
                + (w + 2 * p[1])
                + ")");
      }
      return new Geometry(
          s, p, d, (h + 2 * p[0] - spanH) / s[0] + 1, (w + 2 * p[1] - spanW) / s[1] + 1);
    }

    void checkHalfPadding(String op, int[] kernel) {
      if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
        throw new IllegalArgumentException(
            op
                + ": padding "
                + padding[0]
                + "x"
                + padding[1]
                + " must be at most half the kernel "
                + kernel[0]
                + "x"
                + kernel[1]);
      }
    }
  }
}

package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.backend.Strided;
import dev.grad4j.backend.Window2d;

/**
 * Sliding-window ops over the last two dims of images: unfold (im2col) and its adjoint fold
 * (col2im). Each is linear, and each one's derivative rule is the other, so gradients of any order
 * flow through them. Convolution and pooling are built on these in {@code dev.grad4j.nn}.
 */
final class Windows {
  private Windows() {}

  static Window2d geometry(
      String op, int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
    int[] k = Sizes2d.pair(op, "kernel size", kernelSize, 1);
    int[] s = Sizes2d.pair(op, "stride", stride, 1);
    int[] p = Sizes2d.pair(op, "padding", padding, 0);
    int[] d = Sizes2d.pair(op, "dilation", dilation, 1);
    return new Window2d(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
  }

  /** Checks that at least one window fits the padded input [.., h, w]. */
  static void checkFits(String op, Window2d g, int[] inputShape, int h, int w) {
    int spanH = g.dilationH() * (g.kernelH() - 1) + 1;
    int spanW = g.dilationW() * (g.kernelW() - 1) + 1;
    if (spanH > h + 2 * g.padH() || spanW > w + 2 * g.padW()) {
      throw new IllegalArgumentException(
          op
              + ": kernel "
              + g.kernelH()
              + "x"
              + g.kernelW()
              + (g.dilationH() == 1 && g.dilationW() == 1
                  ? ""
                  : " with dilation " + g.dilationH() + "x" + g.dilationW())
              + " spans "
              + spanH
              + "x"
              + spanW
              + ", larger than the input "
              + Shapes.format(inputShape)
              + " padded by "
              + g.padH()
              + "x"
              + g.padW()
              + " ("
              + (h + 2 * g.padH())
              + "x"
              + (w + 2 * g.padW())
              + ")");
    }
  }

  static Tensor unfold(Tensor x, Window2d g, double padValue) {
    if (x.dim() == 3) {
      return unfold(x.unsqueeze(0), g, padValue).squeeze(0);
    }
    if (x.dim() != 4) {
      throw new IllegalArgumentException(
          "unfold: expected an input [N, C, H, W] or [C, H, W], got "
              + Shapes.format(x.shapeRef()));
    }
    int n = x.shapeRef()[0];
    int c = x.shapeRef()[1];
    int h = x.shapeRef()[2];
    int w = x.shapeRef()[3];
    checkFits("unfold", g, x.shapeRef(), h, w);
    int rows = Math.multiplyExact(c, g.kernelSize());
    int blocks = Math.multiplyExact(g.outH(h), g.outW(w));
    Tensor out = Tensor.empty(x.dtype(), Shapes.checkShape("unfold", new int[] {n, rows, blocks}));
    Tensor.backend().unfold(x.strided(), g, padValue, out.strided());
    return record("unfold", out, new Tensor[] {x}, saved(), gr -> new Tensor[] {fold(gr, h, w, g)});
  }

  // [C·kh·kw, N·L]: the kernel writes unfold's [N, C·kh·kw, L] entries through a permuted view of
  // a [C·kh·kw, N, L] buffer, so no copy is made. The gradient folds the same view of g.
  static Tensor unfoldColumns(Tensor x, Window2d g) {
    if (x.dim() != 4) {
      throw new IllegalArgumentException(
          "unfoldColumns: expected an input [N, C, H, W], got " + Shapes.format(x.shapeRef()));
    }
    int n = x.shapeRef()[0];
    int h = x.shapeRef()[2];
    int w = x.shapeRef()[3];
    checkFits("unfoldColumns", g, x.shapeRef(), h, w);
    int rows = Math.multiplyExact(x.shapeRef()[1], g.kernelSize());
    int blocks = Math.multiplyExact(g.outH(h), g.outW(w));
    Tensor out =
        Tensor.empty(
            x.dtype(),
            Shapes.checkShape("unfoldColumns", new int[] {rows, Math.multiplyExact(n, blocks)}));
    Strided perImage =
        new Strided(
            out.strided().storage(),
            new int[] {n, rows, blocks},
            new int[] {blocks, n * blocks, 1},
            0);
    Tensor.backend().unfold(x.strided(), g, 0, perImage);
    return record(
        "unfoldColumns",
        out,
        new Tensor[] {x},
        saved(),
        gr -> new Tensor[] {fold(gr.reshape(rows, n, blocks).permute(1, 0, 2), h, w, g)});
  }

  static Tensor fold(Tensor cols, int h, int w, Window2d g) {
    if (cols.dim() == 2) {
      return fold(cols.unsqueeze(0), h, w, g).squeeze(0);
    }
    if (cols.dim() != 3) {
      throw new IllegalArgumentException(
          "fold: expected an input [N, C·kh·kw, L] or [C·kh·kw, L], got "
              + Shapes.format(cols.shapeRef()));
    }
    if (h <= 0 || w <= 0) {
      throw new IllegalArgumentException("fold: output size must be positive, got " + h + "x" + w);
    }
    int[] shape = cols.shapeRef();
    int k = g.kernelSize();
    if (shape[1] % k != 0) {
      throw new IllegalArgumentException(
          "fold: input "
              + Shapes.format(shape)
              + " has "
              + shape[1]
              + " rows, not a multiple of the kernel's "
              + g.kernelH()
              + "x"
              + g.kernelW()
              + " = "
              + k
              + " positions");
    }
    checkFits("fold", g, new int[] {shape[0], shape[1] / k, h, w}, h, w);
    int oh = g.outH(h);
    int ow = g.outW(w);
    if ((long) oh * ow != shape[2]) {
      throw new IllegalArgumentException(
          "fold: input "
              + Shapes.format(shape)
              + " has "
              + shape[2]
              + " blocks, but an output of "
              + h
              + "x"
              + w
              + " holds "
              + oh
              + "x"
              + ow
              + " = "
              + (long) oh * ow
              + " windows of this kernel, stride, padding and dilation");
    }
    Tensor out = Tensor.zeros(cols.dtype(), shape[0], shape[1] / k, h, w);
    Tensor.backend().fold(cols.strided(), g, out.strided());
    return record("fold", out, new Tensor[] {cols}, saved(), gr -> new Tensor[] {unfold(gr, g, 0)});
  }
}

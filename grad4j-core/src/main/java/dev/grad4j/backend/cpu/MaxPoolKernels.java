package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.Window2d;

/**
 * Max pooling in one pass over each image plane, and the scatter and gather of its gradients
 * through the chosen positions. Operands are contiguous [N, C, H, W] and [N, C, oh, ow]; an index
 * is a position {@code ih·W + iw} inside its plane. Threads split the planes, each plane done by
 * one thread in a fixed order, so results do not depend on the thread count.
 */
final class MaxPoolKernels {
  private MaxPoolKernels() {}

  /**
   * out = the largest value of each window, index = its position: the first maximum in row-major
   * window order, a NaN counting as the largest (the first NaN wins). Positions in the padding are
   * skipped; a window whose values are all -∞ picks its first position inside the image.
   */
  static void forward(Strided x, Window2d w, Strided out, int[] index) {
    int planes = x.shape()[0] * x.shape()[1];
    int h = x.shape()[2];
    int width = x.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    boolean f32 = x.storage().dtype() == DType.FLOAT32;
    Parallel.forRange(
        planes,
        Parallel.grain(oh * ow * w.kernelSize()),
        (from, to) -> {
          for (int plane = from; plane < to; plane++) {
            int xBase = x.offset() + plane * h * width;
            int oBase = out.offset() + plane * oh * ow;
            int iBase = plane * oh * ow;
            if (f32 && MaxPoolRows.fits(w)) {
              MaxPoolRows.plane(
                  x.storage().floats(),
                  xBase,
                  width,
                  w,
                  oh,
                  ow,
                  out.storage().floats(),
                  oBase,
                  index,
                  iBase);
              continue;
            }
            for (int i = 0; i < oh; i++) {
              int top = i * w.strideH() - w.padH();
              for (int j = 0; j < ow; j++) {
                int left = j * w.strideW() - w.padW();
                int at = window(x.storage(), xBase, h, width, top, left, w);
                index[iBase + i * ow + j] = at;
                out.storage().set(oBase + i * ow + j, x.storage().get(xBase + at));
              }
            }
          }
        });
  }

  // The chosen position of the window at (top, left) of a plane (the scalar path for either
  // dtype: float32 values compare the same as doubles).
  private static int window(Storage x, int base, int h, int width, int top, int left, Window2d w) {
    double best = Double.NEGATIVE_INFINITY;
    int at = -1;
    for (int ki = 0; ki < w.kernelH(); ki++) {
      int ih = top + ki * w.dilationH();
      if (ih < 0 || ih >= h) {
        continue;
      }
      for (int kj = 0; kj < w.kernelW(); kj++) {
        int iw = left + kj * w.dilationW();
        if (iw < 0 || iw >= width) {
          continue;
        }
        int pos = ih * width + iw;
        double v = x.get(base + pos);
        if (at < 0 || v > best || (v != v && best == best)) {
          best = v;
          at = pos;
        }
      }
    }
    return at;
  }

  /** Adds g [N, C, oh, ow] into out [N, C, H, W] at the positions of index. */
  static void scatter(Strided g, int[] index, Strided out) {
    int planes = out.shape()[0] * out.shape()[1];
    int size = out.shape()[2] * out.shape()[3];
    int blocks = g.shape()[2] * g.shape()[3];
    boolean f32 = out.storage().dtype() == DType.FLOAT32;
    Parallel.forRange(
        planes,
        Parallel.grain(size + blocks),
        (from, to) -> {
          for (int plane = from; plane < to; plane++) {
            int oBase = out.offset() + plane * size;
            int gBase = g.offset() + plane * blocks;
            int iBase = plane * blocks;
            if (f32) {
              float[] o = out.storage().floats();
              float[] ga = g.storage().floats();
              for (int l = 0; l < blocks; l++) {
                o[oBase + index[iBase + l]] += ga[gBase + l];
              }
            } else {
              double[] o = out.storage().doubles();
              double[] ga = g.storage().doubles();
              for (int l = 0; l < blocks; l++) {
                o[oBase + index[iBase + l]] += ga[gBase + l];
              }
            }
          }
        });
  }

  /** out [N, C, oh, ow] = x [N, C, H, W] at the positions of index. */
  static void gather(Strided x, int[] index, Strided out) {
    int planes = x.shape()[0] * x.shape()[1];
    int size = x.shape()[2] * x.shape()[3];
    int blocks = out.shape()[2] * out.shape()[3];
    boolean f32 = x.storage().dtype() == DType.FLOAT32;
    Parallel.forRange(
        planes,
        Parallel.grain(size + blocks),
        (from, to) -> {
          for (int plane = from; plane < to; plane++) {
            int xBase = x.offset() + plane * size;
            int oBase = out.offset() + plane * blocks;
            int iBase = plane * blocks;
            for (int l = 0; l < blocks; l++) {
              if (f32) {
                out.storage().floats()[oBase + l] = x.storage().floats()[xBase + index[iBase + l]];
              } else {
                out.storage().doubles()[oBase + l] =
                    x.storage().doubles()[xBase + index[iBase + l]];
              }
            }
          }
        });
  }
}

package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.Window2d;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 unfold (im2col) and fold (col2im) for inputs and outputs whose rows are contiguous
 * (stride 1 along the width and along the window positions): runs of a row are copied (or added) as
 * they are, without the float64 row buffers of the generic path.
 */
final class FloatWindows {
  private FloatWindows() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private static boolean fits(Strided image, Strided cols) {
    return image.storage().dtype() == DType.FLOAT32
        && cols.storage().dtype() == DType.FLOAT32
        && (image.shape()[3] == 1 || image.strides()[3] == 1)
        && (cols.shape()[2] == 1 || cols.strides()[2] == 1);
  }

  /**
   * unfold: out row {@code c·k + ki·kw + kj} of image n, position {@code i·ow + j}, reads x[n, c, i
   * · strideH - padH + ki · dilationH, j · strideW - padW + kj · dilationW]. Threads split the rows
   * (c, ki, kj); within a row the images go in order, so a [rows, N·L] output is written front to
   * back.
   */
  static boolean unfold(Strided x, Window2d w, double padValue, Strided out) {
    if (!fits(x, out)) {
      return false;
    }
    int images = x.shape()[0];
    int h = x.shape()[2];
    int width = x.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int k = w.kernelSize();
    int rows = x.shape()[1] * k;
    int[] xs = x.strides();
    int[] os = out.strides();
    float[] xa = x.storage().floats();
    float[] oa = out.storage().floats();
    float pad = (float) padValue;
    if (w.strideW() == 1 && ow <= L) {
      Parallel.forRange(
          rows,
          Parallel.grain(images * oh * ow),
          (from, to) -> unfoldNarrow(x, w, pad, out, from, to));
      return true;
    }
    Parallel.forRange(
        rows,
        Parallel.grain(images * oh * ow),
        (from, to) -> {
          int[] range = new int[2];
          for (int r = from; r < to; r++) {
            int c = r / k;
            int ki = (r % k) / w.kernelW();
            int kj = r % w.kernelW();
            int colOff = kj * w.dilationW() - w.padW();
            valid(colOff, w.strideW(), width, ow, range);
            int count = range[1] - range[0];
            for (int n = 0; n < images; n++) {
              int xPlane = x.offset() + n * xs[0] + c * xs[1];
              int outRow = out.offset() + n * os[0] + r * os[1];
              for (int i = 0; i < oh; i++) {
                int ih = i * w.strideH() - w.padH() + ki * w.dilationH();
                int o = outRow + i * ow;
                if (ih < 0 || ih >= h || count <= 0) {
                  java.util.Arrays.fill(oa, o, o + ow, pad);
                  continue;
                }
                if (range[0] > 0) { // a call per empty fill cost ~5% on 13x13 images
                  java.util.Arrays.fill(oa, o, o + range[0], pad);
                }
                int start = xPlane + ih * xs[2] + range[0] * w.strideW() + colOff;
                if (w.strideW() == 1) {
                  System.arraycopy(xa, start, oa, o + range[0], count);
                } else {
                  for (int j = 0; j < count; j++) {
                    oa[o + range[0] + j] = xa[start + j * w.strideW()];
                  }
                }
                if (range[1] < ow) {
                  java.util.Arrays.fill(oa, o + range[1], o + ow, pad);
                }
              }
            }
          }
        });
    return true;
  }

  /**
   * unfold's rows {@code [from, to)} when a window row fits one vector and the stride along the
   * width is 1: each window row is one masked load (the columns inside the image, at their offset)
   * with the padding blended in, and one masked store. Copying 11 floats with arraycopy cost a call
   * each (the CNN's second layer copies 200 thousand such rows per batch).
   */
  private static void unfoldNarrow(
      Strided x, Window2d w, float pad, Strided out, int from, int to) {
    int images = x.shape()[0];
    int h = x.shape()[2];
    int width = x.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int k = w.kernelSize();
    int[] xs = x.strides();
    int[] os = out.strides();
    float[] xa = x.storage().floats();
    float[] oa = out.storage().floats();
    FloatVector padding = FloatVector.broadcast(S, pad);
    VectorMask<Float> row = S.indexInRange(0, ow);
    int strideH = w.strideH();
    int xRow = xs[2];
    int[] range = new int[2];
    for (int r = from; r < to; r++) {
      int c = r / k;
      int ki = (r % k) / w.kernelW();
      int kj = r % w.kernelW();
      int colOff = kj * w.dilationW() - w.padW();
      valid(colOff, 1, width, ow, range);
      // Lane j of a window row reads column j + colOff: inside the image for j in the range.
      VectorMask<Float> inside = VectorMask.fromLong(S, lanes(range[0], range[1]));
      VectorMask<Float> outside = inside.not();
      boolean padded = range[0] > 0 || range[1] < ow;
      // Window rows i read image row i * strideH + top: inside the image for i in [iLo, iHi).
      int top = ki * w.dilationH() - w.padH();
      valid(top, strideH, h, oh, range);
      int iLo = range[0];
      int iHi = range[1];
      for (int n = 0; n < images; n++) {
        int xPlane = x.offset() + n * xs[0] + c * xs[1];
        int outRow = out.offset() + n * os[0] + r * os[1];
        for (int i = 0; i < iLo; i++) {
          padding.intoArray(oa, outRow + i * ow, row);
        }
        int src = xPlane + (iLo * strideH + top) * xRow + colOff;
        if (padded) {
          for (int i = iLo; i < iHi; i++, src += strideH * xRow) {
            FloatVector.fromArray(S, xa, src, inside)
                .blend(padding, outside)
                .intoArray(oa, outRow + i * ow, row);
          }
        } else {
          for (int i = iLo; i < iHi; i++, src += strideH * xRow) {
            FloatVector.fromArray(S, xa, src, row).intoArray(oa, outRow + i * ow, row);
          }
        }
        for (int i = Math.max(iLo, iHi); i < oh; i++) {
          padding.intoArray(oa, outRow + i * ow, row);
        }
      }
    }
  }

  // The lanes [lo, hi) as mask bits.
  private static long lanes(int lo, int hi) {
    return hi <= lo ? 0 : (-1L >>> (64 - (hi - lo))) << lo;
  }

  /**
   * fold: adds cols into out [N, C, H, W]. Threads split the planes (n, c), each plane summed by
   * one thread in a fixed order (ki, kj, then window rows), so the sums are reproducible.
   */
  static boolean fold(Strided cols, Window2d w, Strided out) {
    if (!fits(out, cols)) {
      return false;
    }
    int channels = out.shape()[1];
    int h = out.shape()[2];
    int width = out.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int k = w.kernelSize();
    int[] cs = cols.strides();
    int[] os = out.strides();
    float[] ca = cols.storage().floats();
    float[] oa = out.storage().floats();
    int planes = out.shape()[0] * channels;
    if (w.strideW() == 1 && width <= L) {
      Parallel.forRange(
          planes, Parallel.grain(k * oh * ow), (from, to) -> foldNarrow(cols, w, out, from, to));
      return true;
    }
    Parallel.forRange(
        planes,
        Parallel.grain(k * oh * ow),
        (from, to) -> {
          int[] range = new int[2];
          for (int plane = from; plane < to; plane++) {
            int n = plane / channels;
            int c = plane % channels;
            int outPlane = out.offset() + n * os[0] + c * os[1];
            for (int ki = 0; ki < w.kernelH(); ki++) {
              for (int kj = 0; kj < w.kernelW(); kj++) {
                int colOff = kj * w.dilationW() - w.padW();
                valid(colOff, w.strideW(), width, ow, range);
                int count = range[1] - range[0];
                int colRow = cols.offset() + n * cs[0] + (c * k + ki * w.kernelW() + kj) * cs[1];
                for (int i = 0; i < oh && count > 0; i++) {
                  int ih = i * w.strideH() - w.padH() + ki * w.dilationH();
                  if (ih < 0 || ih >= h) {
                    continue;
                  }
                  int src = colRow + i * ow + range[0];
                  int dst = outPlane + ih * os[2] + range[0] * w.strideW() + colOff;
                  int step = w.strideW();
                  if (step == 1) {
                    addRow(oa, dst, ca, src, count);
                    continue;
                  }
                  for (int j = 0; j < count; j++) {
                    oa[dst + j * step] += ca[src + j];
                  }
                }
              }
            }
          }
        });
    return true;
  }

  /**
   * fold's planes {@code [from, to)} when an image row fits one vector and the stride along the
   * width is 1: each image row is summed in a register from the window rows that overlap it, in the
   * order (ki, kj) of the general path (so the same bits), and stored once; adding each window row
   * into memory took a masked load, add and store per 11 floats.
   */
  private static void foldNarrow(Strided cols, Window2d w, Strided out, int from, int to) {
    int channels = out.shape()[1];
    int h = out.shape()[2];
    int width = out.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int k = w.kernelSize();
    int[] cs = cols.strides();
    int[] os = out.strides();
    float[] ca = cols.storage().floats();
    float[] oa = out.storage().floats();
    VectorMask<Float> row = S.indexInRange(0, width);
    int strideH = w.strideH();
    int kw = w.kernelW();
    // Per kj: its column offset and the image columns its window positions cover.
    int[] colOffs = new int[w.kernelW()];
    long[] covered = new long[w.kernelW()];
    int[] range = new int[2];
    for (int kj = 0; kj < w.kernelW(); kj++) {
      colOffs[kj] = kj * w.dilationW() - w.padW();
      valid(colOffs[kj], 1, width, ow, range);
      covered[kj] = lanes(range[0] + colOffs[kj], range[1] + colOffs[kj]);
    }
    for (int plane = from; plane < to; plane++) {
      int n = plane / channels;
      int c = plane % channels;
      int outPlane = out.offset() + n * os[0] + c * os[1];
      int planeCols = cols.offset() + n * cs[0] + c * k * cs[1];
      for (int ih = 0; ih < h; ih++) {
        int o = outPlane + ih * os[2];
        FloatVector sum = FloatVector.fromArray(S, oa, o, row);
        for (int ki = 0; ki < w.kernelH(); ki++) {
          int shifted = ih + w.padH() - ki * w.dilationH();
          // (A division per window row cost as much as its nine adds.)
          int i = strideH == 1 ? shifted : shifted / strideH;
          if (shifted < 0 || i * strideH != shifted || i >= oh) {
            continue;
          }
          int src = planeCols + ki * w.kernelW() * cs[1] + i * ow;
          for (int kj = 0; kj < kw; kj++, src += cs[1]) {
            VectorMask<Float> m = VectorMask.fromLong(S, covered[kj]);
            sum = sum.add(FloatVector.fromArray(S, ca, src - colOffs[kj], m), m);
          }
        }
        sum.intoArray(oa, o, row);
      }
    }
  }

  // o[oo .. oo + n) += x[xo .. xo + n), in vectors; a window row is often shorter than one vector
  // (11 positions in the CNN's second layer), hence the masks rather than a scalar tail.
  private static void addRow(float[] o, int oo, float[] x, int xo, int n) {
    for (int j = 0; j < n; j += S.length()) {
      VectorMask<Float> in = S.indexInRange(j, n);
      FloatVector.fromArray(S, o, oo + j, in)
          .add(FloatVector.fromArray(S, x, xo + j, in))
          .intoArray(o, oo + j, in);
    }
  }

  // The windows j in [range[0], range[1]) whose column j·stride + offset lies in [0, size).
  static void valid(int offset, int stride, int size, int windows, int[] range) {
    int lo = offset >= 0 ? 0 : Math.ceilDiv(-offset, stride);
    int hi = size - 1 - offset < 0 ? 0 : Math.floorDiv(size - 1 - offset, stride) + 1;
    range[0] = Math.min(lo, windows);
    range[1] = Math.max(range[0], Math.min(hi, windows));
  }
}

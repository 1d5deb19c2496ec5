package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.Backend;
import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.ReduceOp;
import dev.grad4j.backend.SgdStep;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;
import dev.grad4j.backend.Window2d;

/**
 * The pure-Java CPU backend. float32 elementwise ops, reductions, softmax and im2col/col2im take
 * the Vector API fast paths of {@link FloatPaths} and {@link FloatWindows} when their operands fit;
 * everything else streams rows through float64 scratch buffers (so float32 math is done in float64
 * and rounded once). float32 matmul runs the Vector API kernel of {@link Sgemm} on the operands as
 * they lie; float64 (and tiny float32) matmul runs an i-k-j loop, split over rows across the shared
 * pool.
 */
public final class CpuBackend implements Backend {

  // A row buffer no longer than the operand, so that tiny ops stay cheap.
  private static double[] scratch(Strided operand) {
    return new double[Math.min(Odometer.CHUNK, operand.numel())];
  }

  @Override
  public void unary(UnaryOp op, double p, double q, Strided x, Strided out) {
    Odometer walk = new Odometer(out.shape(), x.strides(), out.strides());
    int sx = walk.innerStride(0);
    int so = walk.innerStride(1);
    if (op == UnaryOp.IDENTITY && x.storage().dtype() == out.storage().dtype()) {
      if (FloatPaths.transposedCopy(x, out)) {
        return;
      }
      // A same-dtype copy moves elements as they are: no float64 round trip, so every bit
      // (signaling NaN payloads included) survives.
      walk.forEachRow(
          new int[] {x.offset(), out.offset()},
          (off, n) -> Rows.copy(x.storage(), off[0], sx, out.storage(), off[1], so, n));
      return;
    }
    if (FloatPaths.unary(op, p, q, x, out)) {
      return;
    }
    double[] buf = scratch(out);
    walk.forEachRow(
        new int[] {x.offset(), out.offset()},
        (off, n) -> {
          Rows.load(x.storage(), off[0], sx, n, buf);
          op.apply(buf, buf, n, p, q);
          Rows.store(buf, n, out.storage(), off[1], so);
        });
  }

  @Override
  public void binary(BinaryOp op, Strided a, Strided b, Strided out) {
    if (FloatPaths.binary(op, a, b, out)) {
      return;
    }
    Odometer walk = new Odometer(out.shape(), a.strides(), b.strides(), out.strides());
    double[] bufA = scratch(out);
    double[] bufB = scratch(out);
    int sa = walk.innerStride(0);
    int sb = walk.innerStride(1);
    int so = walk.innerStride(2);
    walk.forEachRow(
        new int[] {a.offset(), b.offset(), out.offset()},
        (off, n) -> {
          Rows.load(a.storage(), off[0], sa, n, bufA);
          Rows.load(b.storage(), off[1], sb, n, bufB);
          op.apply(bufA, bufB, bufA, n);
          Rows.store(bufA, n, out.storage(), off[2], so);
        });
  }

  @Override
  public void where(Strided cond, Strided a, Strided b, Strided out) {
    Odometer walk =
        new Odometer(out.shape(), cond.strides(), a.strides(), b.strides(), out.strides());
    double[] bufC = scratch(out);
    double[] bufA = scratch(out);
    double[] bufB = scratch(out);
    walk.forEachRow(
        new int[] {cond.offset(), a.offset(), b.offset(), out.offset()},
        (off, n) -> {
          Rows.load(cond.storage(), off[0], walk.innerStride(0), n, bufC);
          Rows.load(a.storage(), off[1], walk.innerStride(1), n, bufA);
          Rows.load(b.storage(), off[2], walk.innerStride(2), n, bufB);
          for (int i = 0; i < n; i++) {
            bufA[i] = bufC[i] != 0 ? bufA[i] : bufB[i];
          }
          Rows.store(bufA, n, out.storage(), off[3], walk.innerStride(3));
        });
  }

  @Override
  public void fill(Strided out, double value) {
    Odometer walk = new Odometer(out.shape(), out.strides());
    double[] buf = scratch(out);
    java.util.Arrays.fill(buf, value);
    walk.forEachRow(
        new int[] {out.offset()},
        (off, n) -> Rows.store(buf, n, out.storage(), off[0], walk.innerStride(0)));
  }

  @Override
  public void reduce(ReduceOp op, Strided x, boolean[] reduced, Strided out) {
    if (FloatPaths.reduce(op, x, reduced, out)) {
      return;
    }
    int rank = x.shape().length;
    int keptRank = 0;
    for (boolean r : reduced) {
      keptRank += r ? 0 : 1;
    }
    int[] keptShape = new int[keptRank];
    int[] keptX = new int[keptRank];
    int[] keptOut = new int[keptRank];
    int[] redShape = new int[rank - keptRank];
    int[] redX = new int[rank - keptRank];
    for (int d = 0, k = 0, r = 0; d < rank; d++) {
      if (reduced[d]) {
        redShape[r] = x.shape()[d];
        redX[r++] = x.strides()[d];
      } else {
        keptShape[k] = x.shape()[d];
        keptX[k] = x.strides()[d];
        keptOut[k++] = out.strides()[d];
      }
    }
    Odometer outer = new Odometer(keptShape, keptX, keptOut);
    Odometer inner = new Odometer(redShape, redX);
    double[] buf = scratch(x);
    double[] acc = new double[1];
    int[] base = new int[1];
    int sx = outer.innerStride(0);
    int so = outer.innerStride(1);
    int innerStride = inner.innerStride(0);
    outer.forEachRow(
        new int[] {x.offset(), out.offset()},
        (off, n) -> {
          for (int i = 0; i < n; i++) {
            acc[0] = op.identity();
            base[0] = off[0] + i * sx;
            inner.forEachRow(
                base,
                (ioff, len) -> {
                  Rows.load(x.storage(), ioff[0], innerStride, len, buf);
                  acc[0] = op.fold(acc[0], buf, len);
                });
            out.storage().set(off[1] + i * so, acc[0]);
          }
        });
  }

  @Override
  public void softmax(boolean log, Strided x, int dim, Strided out) {
    if (FloatPaths.softmax(log, x, dim, out)) {
      return;
    }
    // Any dtype and layout: one row along dim at a time, in float64, rounded once on store.
    int[] outerShape = x.shape().clone();
    outerShape[dim] = 1;
    int len = x.shape()[dim];
    int sx = x.strides()[dim];
    int so = out.strides()[dim];
    Storage xs = x.storage();
    Storage os = out.storage();
    double[] row = new double[len];
    Odometer walk = new Odometer(outerShape, x.strides(), out.strides());
    walk.forEachRow(
        new int[] {x.offset(), out.offset()},
        (off, n) -> {
          for (int i = 0; i < n; i++) {
            int xStart = off[0] + i * walk.innerStride(0);
            int oStart = off[1] + i * walk.innerStride(1);
            Rows.load(xs, xStart, sx, len, row);
            softmaxRow(log, row, len, os.dtype() == DType.FLOAT32);
            Rows.store(row, len, os, oStart, so);
          }
        });
  }

  // Shifts by the max (0 when infinite), exponentiates, sums, then divides (or subtracts the log
  // of the sum). In float32 each intermediate is rounded to float32 as the composite ops would.
  private static void softmaxRow(boolean log, double[] row, int len, boolean float32) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      max = Math.max(max, row[j]);
    }
    double shift = Double.isInfinite(max) ? 0 : max;
    double sum = 0;
    for (int j = 0; j < len; j++) {
      double shifted = round(row[j] - shift, float32);
      double e = round(Math.exp(shifted), float32);
      sum += e;
      row[j] = log ? shifted : e;
    }
    sum = round(sum, float32);
    double logSum = round(Math.log(sum), float32);
    for (int j = 0; j < len; j++) {
      row[j] = log ? row[j] - logSum : row[j] / sum;
    }
  }

  private static double round(double v, boolean float32) {
    return float32 ? (float) v : v;
  }

  @Override
  public void argReduce(boolean max, Strided x, int dim, Strided out) {
    int[] outerShape = x.shape().clone();
    outerShape[dim] = 1;
    int len = x.shape()[dim];
    int stride = x.strides()[dim];
    Storage xs = x.storage();
    Odometer walk = new Odometer(outerShape, x.strides(), out.strides());
    walk.forEachRow(
        new int[] {x.offset(), out.offset()},
        (off, n) -> {
          for (int i = 0; i < n; i++) {
            int start = off[0] + i * walk.innerStride(0);
            int best = 0;
            double bestValue = xs.get(start);
            for (int j = 1; j < len && !Double.isNaN(bestValue); j++) {
              double v = xs.get(start + j * stride);
              if (Double.isNaN(v) || (max ? v > bestValue : v < bestValue)) {
                best = j;
                bestValue = v;
              }
            }
            out.storage().set(off[1] + i * walk.innerStride(1), best);
          }
        });
  }

  // Below this many multiply-adds per matrix a float32 product takes the plain loop.
  private static final long SMALL_MATMUL_MACS = 512;

  @Override
  public void matmul(Strided a, Strided b, Strided out) {
    int batch = out.shape()[0];
    int m = out.shape()[1];
    int n = out.shape()[2];
    int k = a.shape()[2];
    if (out.storage().dtype() == DType.FLOAT32 && (long) m * n * k > SMALL_MATMUL_MACS) {
      // The Vector API kernel reads every operand layout in place: no dense copies.
      int[] sa = a.strides();
      int[] sb = b.strides();
      int[] so = out.strides();
      Sgemm.gemm(
          batch,
          m,
          n,
          k,
          a.storage().floats(),
          a.offset(),
          sa[0],
          sa[1],
          sa[2],
          b.storage().floats(),
          b.offset(),
          sb[0],
          sb[1],
          sb[2],
          out.storage().floats(),
          out.offset(),
          so[0],
          so[1],
          so[2]);
      return;
    }
    Strided ac = contiguousMatrices(a);
    Strided bc = contiguousMatrices(b);
    boolean outContiguous = isContiguousMatrices(out);
    Strided oc =
        outContiguous
            ? out
            : Strided.contiguous(
                Storage.allocate(out.storage().dtype(), batch * m * n), out.shape());
    long flops = (long) batch * m * n * k;
    int grain =
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, (1L << 18) / Math.max(1, (long) n * k)));
    Parallel.forRange(
        batch * m,
        flops < (1L << 16) ? Integer.MAX_VALUE : grain,
        (from, to) -> {
          for (int row = from; row < to; ) {
            int bi = row / m;
            int i0 = row % m;
            int i1 = Math.min(m, i0 + (to - row));
            int aOff = ac.offset() + bi * ac.strides()[0];
            int bOff = bc.offset() + bi * bc.strides()[0];
            int oOff = oc.offset() + bi * oc.strides()[0];
            if (oc.storage().dtype() == DType.FLOAT32) {
              MatmulKernels.rowsFloat(
                  ac.storage().floats(),
                  aOff,
                  bc.storage().floats(),
                  bOff,
                  oc.storage().floats(),
                  oOff,
                  i0,
                  i1,
                  k,
                  n);
            } else {
              MatmulKernels.rowsDouble(
                  ac.storage().doubles(),
                  aOff,
                  bc.storage().doubles(),
                  bOff,
                  oc.storage().doubles(),
                  oOff,
                  i0,
                  i1,
                  k,
                  n);
            }
            row += i1 - i0;
          }
        });
    if (!outContiguous) {
      unary(UnaryOp.IDENTITY, 0, 0, oc, out);
    }
  }

  // Each matrix row-major and dense; the batch stride may be anything (0 for broadcast).
  private static boolean isContiguousMatrices(Strided s) {
    int[] sh = s.shape();
    int[] st = s.strides();
    return (st[2] == 1 || sh[2] == 1) && (st[1] == sh[2] || sh[1] == 1);
  }

  private Strided contiguousMatrices(Strided s) {
    if (isContiguousMatrices(s)) {
      int[] st = s.strides().clone();
      st[1] = s.shape()[2];
      st[2] = 1;
      return new Strided(s.storage(), s.shape(), st, s.offset());
    }
    Strided copy = Strided.contiguous(Storage.allocate(s.storage().dtype(), s.numel()), s.shape());
    unary(UnaryOp.IDENTITY, 0, 0, s, copy);
    return copy;
  }

  @Override
  public void indexSelect(Strided x, int dim, int[] index, Strided out) {
    for (int i = 0; i < index.length; i++) {
      unary(UnaryOp.IDENTITY, 0, 0, slice(x, dim, index[i]), slice(out, dim, i));
    }
  }

  @Override
  public void indexAdd(Strided src, int dim, int[] index, Strided out) {
    for (int i = 0; i < index.length; i++) {
      Strided target = slice(out, dim, index[i]);
      binary(BinaryOp.ADD, target, slice(src, dim, i), target);
    }
  }

  // The sub-array at position i along dim, keeping the dim with size 1.
  private static Strided slice(Strided s, int dim, int i) {
    int[] shape = s.shape().clone();
    shape[dim] = 1;
    return new Strided(s.storage(), shape, s.strides(), s.offset() + i * s.strides()[dim]);
  }

  @Override
  public void gather(Strided x, int dim, Strided index, Strided out) {
    int[] xStrides = x.strides().clone();
    int step = xStrides[dim];
    xStrides[dim] = 0;
    Odometer walk = new Odometer(out.shape(), xStrides, index.strides(), out.strides());
    walk.forEachRow(
        new int[] {x.offset(), index.offset(), out.offset()},
        (off, n) -> {
          for (int i = 0; i < n; i++) {
            int at = (int) index.storage().get(off[1] + i * walk.innerStride(1));
            double v = x.storage().get(off[0] + i * walk.innerStride(0) + at * step);
            out.storage().set(off[2] + i * walk.innerStride(2), v);
          }
        });
  }

  @Override
  public void scatterAdd(Strided src, int dim, Strided index, Strided out) {
    int[] outStrides = out.strides().clone();
    int step = outStrides[dim];
    outStrides[dim] = 0;
    Odometer walk = new Odometer(src.shape(), src.strides(), index.strides(), outStrides);
    walk.forEachRow(
        new int[] {src.offset(), index.offset(), out.offset()},
        (off, n) -> {
          for (int i = 0; i < n; i++) {
            int at = (int) index.storage().get(off[1] + i * walk.innerStride(1));
            int target = off[2] + i * walk.innerStride(2) + at * step;
            double v = src.storage().get(off[0] + i * walk.innerStride(0));
            out.storage().set(target, out.storage().get(target) + v);
          }
        });
  }

  // ---------------------------------------------------------------- sliding windows

  // Work is split over the N·C planes, each plane done by one thread in a fixed order, so that
  // fold's sums of overlapping windows are reproducible. Along one output row (fixed channel,
  // kernel offset and window row) the input positions form a strided run, so rows move through
  // scratch buffers; `valid` gives the run's first and last window inside the input.

  @Override
  public void unfold(Strided x, Window2d w, double padValue, Strided out) {
    if (FloatWindows.unfold(x, w, padValue, out)) {
      return;
    }
    int channels = x.shape()[1];
    int h = x.shape()[2];
    int width = x.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int[] xs = x.strides();
    int[] os = out.strides();
    int k = w.kernelSize();
    int planes = x.shape()[0] * channels;
    Parallel.forRange(
        planes,
        Parallel.grain(k * oh * ow),
        (from, to) -> {
          double[] row = new double[ow];
          double[] run = new double[ow];
          int[] range = new int[2];
          for (int plane = from; plane < to; plane++) {
            int n = plane / channels;
            int c = plane % channels;
            int xPlane = x.offset() + n * xs[0] + c * xs[1];
            for (int ki = 0; ki < w.kernelH(); ki++) {
              for (int kj = 0; kj < w.kernelW(); kj++) {
                int colOff = kj * w.dilationW() - w.padW();
                FloatWindows.valid(colOff, w.strideW(), width, ow, range);
                int outRow = out.offset() + n * os[0] + (c * k + ki * w.kernelW() + kj) * os[1];
                for (int i = 0; i < oh; i++) {
                  int ih = i * w.strideH() - w.padH() + ki * w.dilationH();
                  java.util.Arrays.fill(row, padValue);
                  int count = range[1] - range[0];
                  if (ih >= 0 && ih < h && count > 0) {
                    int start = xPlane + ih * xs[2] + (range[0] * w.strideW() + colOff) * xs[3];
                    Rows.load(x.storage(), start, w.strideW() * xs[3], count, run);
                    System.arraycopy(run, 0, row, range[0], count);
                  }
                  Rows.store(row, ow, out.storage(), outRow + i * ow * os[2], os[2]);
                }
              }
            }
          }
        });
  }

  @Override
  public void maxPool2d(Strided x, Window2d w, Strided out, int[] index) {
    MaxPoolKernels.forward(x, w, out, index);
  }

  @Override
  public void maxPool2dScatter(Strided g, int[] index, Strided out) {
    MaxPoolKernels.scatter(g, index, out);
  }

  @Override
  public void maxPool2dGather(Strided x, int[] index, Strided out) {
    MaxPoolKernels.gather(x, index, out);
  }

  @Override
  public boolean conv2d(Strided x, Strided weight, Strided bias, Window2d w, Strided out) {
    return FloatConv.forward(x, weight, bias, w, out);
  }

  @Override
  public boolean conv2dInputGrad(Strided gy, Strided weight, Window2d w, Strided gx) {
    return FloatConv.inputGrad(gy, weight, w, gx);
  }

  @Override
  public boolean conv2dWeightGrad(Strided x, Strided gy, Window2d w, Strided gw) {
    return FloatConv.weightGrad(x, gy, w, gw);
  }

  @Override
  public void fold(Strided cols, Window2d w, Strided out) {
    if (FloatWindows.fold(cols, w, out)) {
      return;
    }
    int channels = out.shape()[1];
    int h = out.shape()[2];
    int width = out.shape()[3];
    int oh = w.outH(h);
    int ow = w.outW(width);
    int[] cs = cols.strides();
    int[] os = out.strides();
    int k = w.kernelSize();
    int planes = out.shape()[0] * channels;
    Parallel.forRange(
        planes,
        Parallel.grain(k * oh * ow),
        (from, to) -> {
          double[] row = new double[ow];
          double[] run = new double[ow];
          int[] range = new int[2];
          for (int plane = from; plane < to; plane++) {
            int n = plane / channels;
            int c = plane % channels;
            int outPlane = out.offset() + n * os[0] + c * os[1];
            for (int ki = 0; ki < w.kernelH(); ki++) {
              for (int kj = 0; kj < w.kernelW(); kj++) {
                int colOff = kj * w.dilationW() - w.padW();
                FloatWindows.valid(colOff, w.strideW(), width, ow, range);
                int count = range[1] - range[0];
                int colRow = cols.offset() + n * cs[0] + (c * k + ki * w.kernelW() + kj) * cs[1];
                for (int i = 0; i < oh && count > 0; i++) {
                  int ih = i * w.strideH() - w.padH() + ki * w.dilationH();
                  if (ih < 0 || ih >= h) {
                    continue;
                  }
                  Rows.load(cols.storage(), colRow + i * ow * cs[2], cs[2], ow, row);
                  int start = outPlane + ih * os[2] + (range[0] * w.strideW() + colOff) * os[3];
                  int step = w.strideW() * os[3];
                  Rows.load(out.storage(), start, step, count, run);
                  for (int j = 0; j < count; j++) {
                    run[j] += row[range[0] + j];
                  }
                  Rows.store(run, count, out.storage(), start, step);
                }
              }
            }
          }
        });
  }

  @Override
  public boolean sgdStep(Strided param, Strided grad, Strided buf, SgdStep step) {
    return FloatUpdates.sgd(param, grad, buf, step);
  }
}

package dev.grad4j.backend.cpu;

import dev.grad4j.backend.Window2d;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 max pooling without padding, a vector of adjacent window starts at a time: lane l of a
 * chunk is the window starting l columns right of the chunk's first, so each kernel offset is one
 * (shifted) vector load, and the lanes of real window starts (every stride-th) are compressed into
 * the output row. A scalar compare per value mispredicted about half the time on real data (10-14
 * ms for the CNN's first pooling layer, against about 1 ms here). The chosen position is the first
 * maximum in window order, a NaN counting as the largest, as in {@link MaxPoolKernels}.
 */
final class MaxPoolRows {
  private MaxPoolRows() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

  /** Whether this geometry takes the vector path: no padding, and a stride that fits a vector. */
  static boolean fits(Window2d w) {
    return I.length() == L
        && w.padH() == 0
        && w.padW() == 0
        && w.strideW() <= L
        && w.kernelSize() <= 64;
  }

  /** One plane: out and index (positions in the plane) for its oh x ow windows. */
  static void plane(
      float[] a,
      int xBase,
      int width,
      Window2d w,
      int oh,
      int ow,
      float[] out,
      int oBase,
      int[] index,
      int iBase) {
    if (isPairs(w)) {
      pairs(a, xBase, width, oh, ow, out, oBase, index, iBase);
      return;
    }
    int s = w.strideW();
    int perChunk = (L + s - 1) / s;
    int kh = w.kernelH();
    int kw = w.kernelW();
    int positions = kh * kw;
    int[] offsets = new int[positions];
    int[] columns = new int[positions]; // each offset's column within the window
    for (int ki = 0; ki < kh; ki++) {
      for (int kj = 0; kj < kw; kj++) {
        offsets[ki * kw + kj] = ki * w.dilationH() * width + kj * w.dilationW();
        columns[ki * kw + kj] = kj * w.dilationW();
      }
    }
    for (int i = 0; i < oh; i++) {
      int rowStart = i * w.strideH() * width;
      for (int j0 = 0; j0 < ow; j0 += perChunk) {
        int count = Math.min(perChunk, ow - j0);
        int start = rowStart + j0 * s;
        FloatVector best = load(a, xBase + start, j0 * s + columns[0], width, offsets[0]);
        for (int p = 1; p < positions; p++) {
          best = best.max(load(a, xBase + start, j0 * s + columns[p], width, offsets[p]));
        }
        // The first position holding the maximum (or a NaN): blended from the last back, the
        // values reloaded from L1 (an array of vectors would live on the heap).
        FloatVector value =
            load(a, xBase + start, j0 * s + columns[positions - 1], width, offsets[positions - 1]);
        IntVector chosen = IntVector.broadcast(I, offsets[positions - 1]);
        for (int p = positions - 2; p >= 0; p--) {
          FloatVector v = load(a, xBase + start, j0 * s + columns[p], width, offsets[p]);
          VectorMask<Float> hit = v.eq(best).or(v.test(VectorOperators.IS_NAN));
          value = value.blend(v, hit);
          chosen = chosen.blend(offsets[p], hit.cast(I));
        }
        IntVector at = chosen.add(IOTA).add(start);
        int o = i * ow + j0;
        if (s == 1) {
          VectorMask<Float> m = S.indexInRange(0, count);
          value.intoArray(out, oBase + o, m);
          at.intoArray(index, iBase + o, m.cast(I));
        } else {
          VectorMask<Float> starts = STARTS[s].and(S.indexInRange(0, count * s));
          VectorMask<Float> first = S.indexInRange(0, count);
          value.compress(starts).intoArray(out, oBase + o, first);
          at.compress(starts.cast(I)).intoArray(index, iBase + o, first.cast(I));
        }
      }
    }
  }

  // The common 2x2 window at stride 2 (no padding, no dilation): 16 windows at a time.
  private static boolean isPairs(Window2d w) {
    return L == 16
        && w.kernelH() == 2
        && w.kernelW() == 2
        && w.strideH() == 2
        && w.strideW() == 2
        && w.dilationH() == 1
        && w.dilationW() == 1;
  }

  // One plane of 2x2 windows at stride 2: two rows of 32 columns are loaded, and their even and
  // odd columns separated by two-vector selects, so lane l holds window l's four values in four
  // vectors; the choice is then made as in plane (first maximum in window order, NaN largest).
  private static void pairs(
      float[] a,
      int xBase,
      int width,
      int oh,
      int ow,
      float[] out,
      int oBase,
      int[] index,
      int iBase) {
    for (int i = 0; i < oh; i++) {
      int top = xBase + 2 * i * width;
      for (int j0 = 0; j0 < ow; j0 += L) {
        int c = 2 * j0;
        FloatVector t0 = load(a, top + c, c, width, 0);
        FloatVector t1 = load(a, top + c + L, c + L, width, 0);
        FloatVector b0 = load(a, top + width + c, c, width, 0);
        FloatVector b1 = load(a, top + width + c + L, c + L, width, 0);
        FloatVector p00 = EVEN.selectFrom(t0, t1);
        FloatVector p01 = ODD.selectFrom(t0, t1);
        FloatVector p10 = EVEN.selectFrom(b0, b1);
        FloatVector p11 = ODD.selectFrom(b0, b1);
        FloatVector best = p00.max(p01).max(p10).max(p11);
        FloatVector value = p11;
        IntVector chosen = IntVector.broadcast(I, width + 1);
        VectorMask<Float> hit = p10.eq(best).or(p10.test(VectorOperators.IS_NAN));
        value = value.blend(p10, hit);
        chosen = chosen.blend(width, hit.cast(I));
        hit = p01.eq(best).or(p01.test(VectorOperators.IS_NAN));
        value = value.blend(p01, hit);
        chosen = chosen.blend(1, hit.cast(I));
        hit = p00.eq(best).or(p00.test(VectorOperators.IS_NAN));
        value = value.blend(p00, hit);
        chosen = chosen.blend(0, hit.cast(I));
        IntVector at = chosen.add(IOTA2).add(2 * i * width + c);
        VectorMask<Float> m = S.indexInRange(j0, ow);
        value.intoArray(out, oBase + i * ow + j0, m);
        at.intoArray(index, iBase + i * ow + j0, m.cast(I));
      }
    }
  }

  // Lane indices over two vectors (0-15 the first, 16-31 the second): even and odd columns.
  private static final FloatVector EVEN = FloatVector.zero(S).addIndex(2);
  private static final FloatVector ODD = EVEN.add(1f);
  private static final IntVector IOTA2 = IntVector.zero(I).addIndex(2);

  // The values at kernel offset `offset` (in column col + l of the row, lane l) of the windows
  // starting at column col - (the offset's column) + l; lanes past the row's last column read
  // nothing (they are never real window starts).
  private static FloatVector load(float[] a, int at, int col, int width, int offset) {
    VectorMask<Float> inRow = S.indexInRange(col, width);
    return FloatVector.fromArray(S, a, at + offset, inRow);
  }

  // STARTS[s]: the lanes that are multiples of s.
  private static final VectorMask<Float>[] STARTS = starts();

  @SuppressWarnings("unchecked")
  private static VectorMask<Float>[] starts() {
    VectorMask<Float>[] masks = new VectorMask[L + 1];
    for (int s = 1; s <= L; s++) {
      boolean[] bits = new boolean[L];
      for (int l = 0; l < L; l += s) {
        bits[l] = true;
      }
      masks[s] = VectorMask.fromArray(S, bits, 0);
    }
    return masks;
  }
}

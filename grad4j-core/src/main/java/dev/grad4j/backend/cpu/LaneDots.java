package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of dot products over many pairs of matrices, kept lane by lane until the end: C [m, n] = the
 * sum over calls of A [m, len] Bᵀ (B [n, len]), for results with few elements and long rows, such
 * as a convolution's weight gradient over one input channel (gy [out, L] times the unfolded windows
 * [9, L]ᵀ, summed over images).
 *
 * <p>The partial sums live in a buffer of [m, n, lanes] floats: lane t of element (i, j) adds the
 * products at positions t, t + lanes, ... of every call in turn. {@link #sum} then adds each
 * element's lanes in order. Every addition is fixed by m, n and the lengths alone, so results do
 * not depend on threads; the lane sums are plain scalar additions because a vector reduction may
 * add in a different order before and after the compiler optimises it.
 */
final class LaneDots {
  private LaneDots() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int L = Sgemm.L;

  // A tile of C: 4 rows x 3 columns, 12 accumulators and 7 loaded vectors in registers.
  private static final int TR = 4;
  private static final int TC = 3;

  /** The length of the buffer of partial sums for an [m, n] result. */
  static int size(int m, int n) {
    return m * n * L;
  }

  /**
   * Adds A [m, len] Bᵀ to the partial sums in {@code lanes} (from offset 0), A and B with
   * contiguous rows at strides {@code lda} and {@code ldb}.
   */
  static void accumulate(
      float[] lanes,
      int m,
      int n,
      int len,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb) {
    for (int i = 0; i < m; i += TR) {
      for (int j = 0; j < n; j += TC) {
        // A tile reaching past the last row or column repeats it: the repeated element computes
        // exactly what the real one does and stores the same value.
        int[] rows = {i, Math.min(i + 1, m - 1), Math.min(i + 2, m - 1), Math.min(i + 3, m - 1)};
        int[] cols = {j, Math.min(j + 1, n - 1), Math.min(j + 2, n - 1)};
        int full = len - len % L;
        tile(lanes, n, full, a, aOff, lda, b, bOff, ldb, rows, cols);
        if (full < len) {
          tailStep(lanes, n, full, len, a, aOff, lda, b, bOff, ldb, rows, cols);
        }
      }
    }
  }

  /** C [m, n] (rows at stride {@code ldc}) = the partial sums' lanes added in order. */
  static void sum(float[] lanes, int m, int n, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int at = (i * n + j) * L;
        float s = lanes[at];
        for (int t = 1; t < L; t++) {
          s += lanes[at + t];
        }
        c[cOff + i * ldc + j] = s;
      }
    }
  }

  // The whole vectors along len of one tile.
  private static void tile(
      float[] lanes,
      int n,
      int full,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      int[] rows,
      int[] cols) {
    int a0 = aOff + rows[0] * lda;
    int a1 = aOff + rows[1] * lda;
    int a2 = aOff + rows[2] * lda;
    int a3 = aOff + rows[3] * lda;
    int b0 = bOff + cols[0] * ldb;
    int b1 = bOff + cols[1] * ldb;
    int b2 = bOff + cols[2] * ldb;
    int p00 = (rows[0] * n + cols[0]) * L;
    int p01 = (rows[0] * n + cols[1]) * L;
    int p02 = (rows[0] * n + cols[2]) * L;
    int p10 = (rows[1] * n + cols[0]) * L;
    int p11 = (rows[1] * n + cols[1]) * L;
    int p12 = (rows[1] * n + cols[2]) * L;
    int p20 = (rows[2] * n + cols[0]) * L;
    int p21 = (rows[2] * n + cols[1]) * L;
    int p22 = (rows[2] * n + cols[2]) * L;
    int p30 = (rows[3] * n + cols[0]) * L;
    int p31 = (rows[3] * n + cols[1]) * L;
    int p32 = (rows[3] * n + cols[2]) * L;
    FloatVector s00 = FloatVector.fromArray(S, lanes, p00);
    FloatVector s01 = FloatVector.fromArray(S, lanes, p01);
    FloatVector s02 = FloatVector.fromArray(S, lanes, p02);
    FloatVector s10 = FloatVector.fromArray(S, lanes, p10);
    FloatVector s11 = FloatVector.fromArray(S, lanes, p11);
    FloatVector s12 = FloatVector.fromArray(S, lanes, p12);
    FloatVector s20 = FloatVector.fromArray(S, lanes, p20);
    FloatVector s21 = FloatVector.fromArray(S, lanes, p21);
    FloatVector s22 = FloatVector.fromArray(S, lanes, p22);
    FloatVector s30 = FloatVector.fromArray(S, lanes, p30);
    FloatVector s31 = FloatVector.fromArray(S, lanes, p31);
    FloatVector s32 = FloatVector.fromArray(S, lanes, p32);
    for (int t = 0; t < full; t += L) {
      FloatVector y0 = FloatVector.fromArray(S, b, b0 + t);
      FloatVector y1 = FloatVector.fromArray(S, b, b1 + t);
      FloatVector y2 = FloatVector.fromArray(S, b, b2 + t);
      FloatVector x = FloatVector.fromArray(S, a, a0 + t);
      s00 = x.fma(y0, s00);
      s01 = x.fma(y1, s01);
      s02 = x.fma(y2, s02);
      x = FloatVector.fromArray(S, a, a1 + t);
      s10 = x.fma(y0, s10);
      s11 = x.fma(y1, s11);
      s12 = x.fma(y2, s12);
      x = FloatVector.fromArray(S, a, a2 + t);
      s20 = x.fma(y0, s20);
      s21 = x.fma(y1, s21);
      s22 = x.fma(y2, s22);
      x = FloatVector.fromArray(S, a, a3 + t);
      s30 = x.fma(y0, s30);
      s31 = x.fma(y1, s31);
      s32 = x.fma(y2, s32);
    }
    s00.intoArray(lanes, p00);
    s01.intoArray(lanes, p01);
    s02.intoArray(lanes, p02);
    s10.intoArray(lanes, p10);
    s11.intoArray(lanes, p11);
    s12.intoArray(lanes, p12);
    s20.intoArray(lanes, p20);
    s21.intoArray(lanes, p21);
    s22.intoArray(lanes, p22);
    s30.intoArray(lanes, p30);
    s31.intoArray(lanes, p31);
    s32.intoArray(lanes, p32);
  }

  // The last, partial vector along len of one tile: the missing positions load as zeros and add
  // nothing.
  private static void tailStep(
      float[] lanes,
      int n,
      int from,
      int len,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      int[] rows,
      int[] cols) {
    VectorMask<Float> in = S.indexInRange(from, len);
    for (int r = 0; r < TR; r++) {
      if (r > 0 && rows[r] == rows[r - 1]) {
        break; // a repeated last row: adding its products again would count them twice
      }
      FloatVector x = FloatVector.fromArray(S, a, aOff + rows[r] * lda + from, in);
      for (int c = 0; c < TC; c++) {
        if (c > 0 && cols[c] == cols[c - 1]) {
          break;
        }
        FloatVector y = FloatVector.fromArray(S, b, bOff + cols[c] * ldb + from, in);
        int p = (rows[r] * n + cols[c]) * L;
        x.fma(y, FloatVector.fromArray(S, lanes, p)).intoArray(lanes, p);
      }
    }
  }
}

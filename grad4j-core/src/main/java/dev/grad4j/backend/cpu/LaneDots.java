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
        int full = len - len % L;
        tile(lanes, m, n, full, a, aOff, lda, b, bOff, ldb, i, j);
        if (full < len) {
          tailStep(lanes, m, n, full, len, a, aOff, lda, b, bOff, ldb, i, j);
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

  // The whole vectors along len of the tile at row i, column j. A tile reaching past the last row
  // or column repeats it: the repeated element computes exactly what the real one does and stores
  // the same value.
  private static void tile(
      float[] lanes,
      int m,
      int n,
      int full,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      int i,
      int j) {
    int r1 = Math.min(i + 1, m - 1);
    int r2 = Math.min(i + 2, m - 1);
    int r3 = Math.min(i + 3, m - 1);
    int k1 = Math.min(j + 1, n - 1);
    int k2 = Math.min(j + 2, n - 1);
    int a0 = aOff + i * lda;
    int a1 = aOff + r1 * lda;
    int a2 = aOff + r2 * lda;
    int a3 = aOff + r3 * lda;
    int b0 = bOff + j * ldb;
    int b1 = bOff + k1 * ldb;
    int b2 = bOff + k2 * ldb;
    int p00 = (i * n + j) * L;
    int p01 = (i * n + k1) * L;
    int p02 = (i * n + k2) * L;
    int p10 = (r1 * n + j) * L;
    int p11 = (r1 * n + k1) * L;
    int p12 = (r1 * n + k2) * L;
    int p20 = (r2 * n + j) * L;
    int p21 = (r2 * n + k1) * L;
    int p22 = (r2 * n + k2) * L;
    int p30 = (r3 * n + j) * L;
    int p31 = (r3 * n + k1) * L;
    int p32 = (r3 * n + k2) * L;
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

  // The last, partial vector along len of the tile at row i, column j (its real rows and columns
  // only: a repeated one would add its products twice): the missing positions load as zeros and
  // add nothing.
  private static void tailStep(
      float[] lanes,
      int m,
      int n,
      int from,
      int len,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      int i,
      int j) {
    VectorMask<Float> in = S.indexInRange(from, len);
    for (int r = i; r < Math.min(i + TR, m); r++) {
      FloatVector x = FloatVector.fromArray(S, a, aOff + r * lda + from, in);
      for (int c = j; c < Math.min(j + TC, n); c++) {
        FloatVector y = FloatVector.fromArray(S, b, bOff + c * ldb + from, in);
        int p = (r * n + c) * L;
        x.fma(y, FloatVector.fromArray(S, lanes, p)).intoArray(lanes, p);
      }
    }
  }
}

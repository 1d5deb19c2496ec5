package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 products with a short k (at most {@link #MAX_K}), such as a convolution over one input
 * channel (k = 3·3 = 9): C [m, n] = r + A [m, k] B [k, n], r a value per row (a bias) or zero. With
 * k this short the blocked kernel of {@link Sgemm} spends most of its time packing and storing its
 * tiles around a few multiply-adds; here a tile of 4 rows by 2 vectors of C is computed in
 * registers straight from B's rows (which a caller keeps in cache) and written once.
 *
 * <p>Each element of C is its row's starting value plus the k products added in order by fused
 * multiply-adds, whatever the tile it falls in, so results do not depend on how a caller splits the
 * rows or columns.
 */
final class SgemmShallow {
  private SgemmShallow() {}

  /** The longest k this kernel is for: beyond it, the blocked kernel's reuse of B pays. */
  static final int MAX_K = 16;

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int L = Sgemm.L;

  /**
   * C [m, n] = r + A B, row i's sums starting from {@code rowStart[rsOff + i * rsStride]} (a
   * convolution's bias), or from zero when {@code rowStart} is null: the bits of filling C with
   * those values and adding A B to it, without the pass that fills C and the one that reads it
   * back. A row-major with row stride {@code lda}, B and C with contiguous rows of strides {@code
   * ldb} and {@code ldc}.
   */
  static void gemm(
      float[] rowStart,
      int rsOff,
      int rsStride,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      fourRows(
          rowStart,
          rsOff + i * rsStride,
          rsStride,
          n,
          k,
          a,
          aOff + i * lda,
          lda,
          b,
          bOff,
          ldb,
          c,
          cOff + i * ldc,
          ldc);
    }
    for (; i < m; i++) {
      float r = rowStart == null ? 0f : rowStart[rsOff + i * rsStride];
      oneRow(r, n, k, a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc);
    }
  }

  // Rows i..i+3 of C: 8 accumulators (4 rows x 2 vectors), 2 loads of B and 4 broadcasts of A per
  // step of k feed 8 multiply-adds.
  private static void fourRows(
      float[] rowStart,
      int rsAt,
      int rsStride,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    int a1 = aOff + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int c1 = cOff + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    boolean fromRow = rowStart != null;
    float r0 = fromRow ? rowStart[rsAt] : 0f;
    float r1 = fromRow ? rowStart[rsAt + rsStride] : 0f;
    float r2 = fromRow ? rowStart[rsAt + 2 * rsStride] : 0f;
    float r3 = fromRow ? rowStart[rsAt + 3 * rsStride] : 0f;
    int j = 0;
    for (; j + 2 * L <= n; j += 2 * L) {
      FloatVector s00 = FloatVector.broadcast(S, r0);
      FloatVector s01 = FloatVector.broadcast(S, r0);
      FloatVector s10 = FloatVector.broadcast(S, r1);
      FloatVector s11 = FloatVector.broadcast(S, r1);
      FloatVector s20 = FloatVector.broadcast(S, r2);
      FloatVector s21 = FloatVector.broadcast(S, r2);
      FloatVector s30 = FloatVector.broadcast(S, r3);
      FloatVector s31 = FloatVector.broadcast(S, r3);
      for (int p = 0; p < k; p++) {
        int row = bOff + p * ldb + j;
        FloatVector b0 = FloatVector.fromArray(S, b, row);
        FloatVector b1 = FloatVector.fromArray(S, b, row + L);
        FloatVector w = FloatVector.broadcast(S, a[aOff + p]);
        s00 = b0.fma(w, s00);
        s01 = b1.fma(w, s01);
        w = FloatVector.broadcast(S, a[a1 + p]);
        s10 = b0.fma(w, s10);
        s11 = b1.fma(w, s11);
        w = FloatVector.broadcast(S, a[a2 + p]);
        s20 = b0.fma(w, s20);
        s21 = b1.fma(w, s21);
        w = FloatVector.broadcast(S, a[a3 + p]);
        s30 = b0.fma(w, s30);
        s31 = b1.fma(w, s31);
      }
      s00.intoArray(c, cOff + j);
      s01.intoArray(c, cOff + j + L);
      s10.intoArray(c, c1 + j);
      s11.intoArray(c, c1 + j + L);
      s20.intoArray(c, c2 + j);
      s21.intoArray(c, c2 + j + L);
      s30.intoArray(c, c3 + j);
      s31.intoArray(c, c3 + j + L);
    }
    if (j < n) {
      fourRowsTail(r0, r1, r2, r3, j, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }
  }

  // Columns j.. of rows i..i+3 one (masked) vector at a time. A method of its own: with the loop
  // above, the method is too large for the first-tier compiler, and stayed interpreted.
  private static void fourRowsTail(
      float r0,
      float r1,
      float r2,
      float r3,
      int j,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    int a1 = aOff + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int c1 = cOff + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    for (; j < n; j += L) {
      VectorMask<Float> in = S.indexInRange(j, n);
      FloatVector s0 = FloatVector.broadcast(S, r0);
      FloatVector s1 = FloatVector.broadcast(S, r1);
      FloatVector s2 = FloatVector.broadcast(S, r2);
      FloatVector s3 = FloatVector.broadcast(S, r3);
      for (int p = 0; p < k; p++) {
        FloatVector bv = FloatVector.fromArray(S, b, bOff + p * ldb + j, in);
        s0 = bv.fma(FloatVector.broadcast(S, a[aOff + p]), s0);
        s1 = bv.fma(FloatVector.broadcast(S, a[a1 + p]), s1);
        s2 = bv.fma(FloatVector.broadcast(S, a[a2 + p]), s2);
        s3 = bv.fma(FloatVector.broadcast(S, a[a3 + p]), s3);
      }
      s0.intoArray(c, cOff + j, in);
      s1.intoArray(c, c1 + j, in);
      s2.intoArray(c, c2 + j, in);
      s3.intoArray(c, c3 + j, in);
    }
  }

  // One row of C, the same additions in the same order as fourRows.
  private static void oneRow(
      float r,
      int n,
      int k,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff) {
    for (int j = 0; j < n; j += L) {
      VectorMask<Float> in = S.indexInRange(j, n);
      FloatVector s = FloatVector.broadcast(S, r);
      for (int p = 0; p < k; p++) {
        FloatVector bv = FloatVector.fromArray(S, b, bOff + p * ldb + j, in);
        s = bv.fma(FloatVector.broadcast(S, a[aOff + p]), s);
      }
      s.intoArray(c, cOff + j, in);
    }
  }
}

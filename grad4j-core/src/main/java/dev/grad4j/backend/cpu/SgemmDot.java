package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 products with at most 16 columns and A contiguous along k, such as {@code x W^T} for a
 * layer with few outputs (W stored [out, in]): each element of C is a dot product of a row of A and
 * a column of B, computed 16 lanes along k at a time. B is read in place when its columns are
 * contiguous along k, and otherwise copied so once per call.
 *
 * <p>The blocked kernel of {@link Sgemm} broadcasts one value of A per row and step (8 loads per 8
 * multiply-adds) and fills only n of its 16 lanes; here every lane works and 8 loads feed 16
 * multiply-adds (at m = 64, n = 10, k = 512 NT on one thread: 7.4-8.9 us against 16-17.5).
 *
 * <p>A tile is 4 rows x 4 columns: 16 accumulators plus 8 loaded vectors fit in the 32 registers.
 * The 16 accumulators are then summed across their lanes together by four rounds of pairwise folds
 * (30 two-vector permutes and 15 adds per tile), and the last k % 16 steps are added to the sums in
 * order. The same pairs are always added, so an element of C depends only on its row, its column
 * and k, never on the tile or thread split: results are the same for every thread count. AVX-512
 * only (the folds are written for 16 lanes).
 */
final class SgemmDot {
  private SgemmDot() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int L = Sgemm.L;
  private static final int T = 4;

  /**
   * k below this leaves too few vector steps per tile to repay its lane sums and the scalar tail:
   * at k = 64 this path took 3.4-4.1 us against the blocked kernel's 2.4 at m = 64, n = 10 NT, at k
   * = 128 the two were even, at 512 it took 7.4-8.9 us against 16-17.5.
   */
  static final int MIN_K = 256;

  /**
   * Rows of A below this do not repay copying B into rows along k when it is stored otherwise (the
   * copy is a strided gather of n x k values).
   */
  static final int MIN_M_PACKED = 32;

  /** k above this is left to the blocked kernel rather than copy B whole. */
  static final int MAX_K_PACKED = 8192;

  // Where sum16 leaves the sums in the per-thread buffer, after the 16 vectors of partial sums.
  private static final int SUMS = L * L;

  // Per thread: a tile's 16 vectors of partial sums, then its 16 sums.
  private static final ThreadLocal<float[]> BUFFER =
      ThreadLocal.withInitial(() -> new float[SUMS + L]);

  // Per thread: B's columns copied into rows along k, when they are not stored that way.
  private static final Scratch PACKED = new Scratch();

  /**
   * Whether C [m, n] = A B is computed here: 16-lane vectors, A contiguous along k ({@code csA ==
   * 1}), n at most 16 and k at least {@link #MIN_K}, and B contiguous along k ({@code rsB == 1}) or
   * worth copying so.
   */
  static boolean applies(int m, int n, int k, int csA, int rsB) {
    return L == 16
        && n <= L
        && k >= MIN_K
        && csA == 1
        && (rsB == 1 || (m >= MIN_M_PACKED && k <= MAX_K_PACKED));
  }

  /** {@code C = A B}, A [m, k] with rows at stride {@code rsA} (contiguous along k), B [k, n]. */
  static void gemm(
      int threads,
      int batch,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int bsA,
      int rsA,
      float[] b,
      int bOff,
      int bsB,
      int rsB,
      int csB,
      float[] c,
      int cOff,
      int bsC,
      int rsC,
      int csC) {
    int rowTiles = (m + T - 1) / T;
    int pieces = threads > 1 && batch < threads ? Math.min(threads, rowTiles) : 1;
    Parallel.forRange(
        batch * pieces,
        threads > 1 ? 1 : Integer.MAX_VALUE,
        (from, to) -> {
          for (int task = from; task < to; task++) {
            int t = task / pieces;
            int s = task % pieces;
            int i0 = (int) ((long) rowTiles * s / pieces) * T;
            int i1 = Math.min(m, (int) ((long) rowTiles * (s + 1) / pieces) * T);
            rows(
                i0,
                i1,
                m,
                n,
                k,
                a,
                aOff + t * bsA,
                rsA,
                b,
                bOff + t * bsB,
                rsB,
                csB,
                c,
                cOff + t * bsC,
                rsC,
                csC);
          }
        });
  }

  // Rows [i0, i1) of one product. Tiles reaching past the last row or column repeat it (their
  // extra results are dropped), so every load stays in bounds.
  private static void rows(
      int i0,
      int i1,
      int m,
      int n,
      int k,
      float[] a,
      int aBase,
      int rsA,
      float[] b,
      int bBase,
      int rsB,
      int csB,
      float[] c,
      int cBase,
      int rsC,
      int csC) {
    float[] buf = BUFFER.get();
    if (rsB != 1) {
      float[] packed = PACKED.get(n * k);
      // Column j of B into row j (at j * k) of the copy.
      Sgemm.transposeCopy(b, bBase, csB, rsB, packed, 0, k, n, k);
      b = packed;
      bBase = 0;
      csB = k;
    }
    for (int i = i0; i < i1; i += T) {
      int h = Math.min(T, i1 - i);
      int a0 = aBase + i * rsA;
      int a1 = aBase + Math.min(i + 1, m - 1) * rsA;
      int a2 = aBase + Math.min(i + 2, m - 1) * rsA;
      int a3 = aBase + Math.min(i + 3, m - 1) * rsA;
      for (int j = 0; j < n; j += T) {
        int w = Math.min(T, n - j);
        int b0 = bBase + j * csB;
        int b1 = bBase + Math.min(j + 1, n - 1) * csB;
        int b2 = bBase + Math.min(j + 2, n - 1) * csB;
        int b3 = bBase + Math.min(j + 3, n - 1) * csB;
        kernel(a, a0, a1, a2, a3, b, b0, b1, b2, b3, k, buf);
        sum16(buf);
        // The last k % 16 steps, added to the finished sums in order: as masked steps in the
        // kernel they made it too large for C1, and it then ran for long in its slowest form.
        for (int p = k - k % L; p < k; p++) {
          float x0 = a[a0 + p];
          float x1 = a[a1 + p];
          float x2 = a[a2 + p];
          float x3 = a[a3 + p];
          float y0 = b[b0 + p];
          float y1 = b[b1 + p];
          float y2 = b[b2 + p];
          float y3 = b[b3 + p];
          buf[SUMS + 0] = Math.fma(x0, y0, buf[SUMS + 0]);
          buf[SUMS + 1] = Math.fma(x0, y1, buf[SUMS + 1]);
          buf[SUMS + 2] = Math.fma(x0, y2, buf[SUMS + 2]);
          buf[SUMS + 3] = Math.fma(x0, y3, buf[SUMS + 3]);
          buf[SUMS + 4] = Math.fma(x1, y0, buf[SUMS + 4]);
          buf[SUMS + 5] = Math.fma(x1, y1, buf[SUMS + 5]);
          buf[SUMS + 6] = Math.fma(x1, y2, buf[SUMS + 6]);
          buf[SUMS + 7] = Math.fma(x1, y3, buf[SUMS + 7]);
          buf[SUMS + 8] = Math.fma(x2, y0, buf[SUMS + 8]);
          buf[SUMS + 9] = Math.fma(x2, y1, buf[SUMS + 9]);
          buf[SUMS + 10] = Math.fma(x2, y2, buf[SUMS + 10]);
          buf[SUMS + 11] = Math.fma(x2, y3, buf[SUMS + 11]);
          buf[SUMS + 12] = Math.fma(x3, y0, buf[SUMS + 12]);
          buf[SUMS + 13] = Math.fma(x3, y1, buf[SUMS + 13]);
          buf[SUMS + 14] = Math.fma(x3, y2, buf[SUMS + 14]);
          buf[SUMS + 15] = Math.fma(x3, y3, buf[SUMS + 15]);
        }
        for (int r = 0; r < h; r++) {
          for (int q = 0; q < w; q++) {
            c[cBase + (i + r) * rsC + (j + q) * csC] = buf[SUMS + r * T + q];
          }
        }
      }
    }
  }

  // Lane indices for selectFrom over two vectors (0-15 the first, 16-31 the second) for the folds
  // by h = 8, 4, 2, 1 (see fold).
  private static final FloatVector LO8 = foldIndex(8, 0);
  private static final FloatVector HI8 = foldIndex(8, 8);
  private static final FloatVector LO4 = foldIndex(4, 0);
  private static final FloatVector HI4 = foldIndex(4, 4);
  private static final FloatVector LO2 = foldIndex(2, 0);
  private static final FloatVector HI2 = foldIndex(2, 2);
  private static final FloatVector LO1 = foldIndex(1, 0);
  private static final FloatVector HI1 = foldIndex(1, 1);

  // Lane t takes lane (t / 2h) * 2h + t % h + shift of the first vector when t / h is even, of the
  // second when odd.
  private static FloatVector foldIndex(int h, int shift) {
    if (L != 16) {
      return null;
    }
    float[] lanes = new float[L];
    for (int t = 0; t < L; t++) {
      lanes[t] = t / (2 * h) * (2 * h) + t % h + shift + ((t / h) % 2 == 1 ? L : 0);
    }
    return FloatVector.fromArray(S, lanes, 0);
  }

  /**
   * Halves the partial sums of two vectors: each run of 2h lanes of {@code x} and of {@code y}
   * holds 2h partial sums of one value; the result holds h partial sums (lane l plus lane l + h) of
   * each, the runs of {@code x} and {@code y} alternating. Folds by 8, 4, 2 and 1 take 16 vectors
   * to one of 16 sums, always adding the same pairs. (Blends and one-vector rearranges instead of
   * the two-vector selectFrom measured three times slower.)
   */
  private static FloatVector fold(FloatVector lo, FloatVector hi, FloatVector x, FloatVector y) {
    return lo.selectFrom(x, y).add(hi.selectFrom(x, y));
  }

  // The 16 accumulators stored by kernel (accumulator q, row q / 4 and column q % 4 of the tile,
  // at q * 16) summed over their lanes, sum q into buf[SUMS + q]. Apart from the kernel: with
  // the folds in it, the method grew past what C1 can compile (out of registers), and it ran
  // interpreted for long.
  static void sum16(float[] buf) {
    // The pairs are chosen so that the four folds leave the sums in order.
    FloatVector w0 = fold(LO8, HI8, acc(buf, 0), acc(buf, 8));
    FloatVector w1 = fold(LO8, HI8, acc(buf, 4), acc(buf, 12));
    FloatVector w2 = fold(LO8, HI8, acc(buf, 2), acc(buf, 10));
    FloatVector w3 = fold(LO8, HI8, acc(buf, 6), acc(buf, 14));
    FloatVector w4 = fold(LO8, HI8, acc(buf, 1), acc(buf, 9));
    FloatVector w5 = fold(LO8, HI8, acc(buf, 5), acc(buf, 13));
    FloatVector w6 = fold(LO8, HI8, acc(buf, 3), acc(buf, 11));
    FloatVector w7 = fold(LO8, HI8, acc(buf, 7), acc(buf, 15));
    FloatVector x0 = fold(LO4, HI4, w0, w1);
    FloatVector x1 = fold(LO4, HI4, w2, w3);
    FloatVector x2 = fold(LO4, HI4, w4, w5);
    FloatVector x3 = fold(LO4, HI4, w6, w7);
    fold(LO1, HI1, fold(LO2, HI2, x0, x1), fold(LO2, HI2, x2, x3)).intoArray(buf, SUMS);
  }

  private static FloatVector acc(float[] buf, int q) {
    return FloatVector.fromArray(S, buf, q * L);
  }

  // The 4 x 4 dot products of A rows (a0..a3) and B columns (b0..b3) over the first k - k % 16
  // steps, as 16 vectors of partial sums: the one of row r and column q at buf[(r * 4 + q) * 16].
  static void kernel(
      float[] a,
      int a0,
      int a1,
      int a2,
      int a3,
      float[] b,
      int b0,
      int b1,
      int b2,
      int b3,
      int k,
      float[] buf) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c02 = c00;
    FloatVector c03 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c12 = c00;
    FloatVector c13 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c22 = c00;
    FloatVector c23 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c32 = c00;
    FloatVector c33 = c00;
    int kv = k - k % L;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(S, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(S, b, b1 + p);
      FloatVector y2 = FloatVector.fromArray(S, b, b2 + p);
      FloatVector y3 = FloatVector.fromArray(S, b, b3 + p);
      FloatVector x = FloatVector.fromArray(S, a, a0 + p);
      c00 = x.fma(y0, c00);
      c01 = x.fma(y1, c01);
      c02 = x.fma(y2, c02);
      c03 = x.fma(y3, c03);
      x = FloatVector.fromArray(S, a, a1 + p);
      c10 = x.fma(y0, c10);
      c11 = x.fma(y1, c11);
      c12 = x.fma(y2, c12);
      c13 = x.fma(y3, c13);
      x = FloatVector.fromArray(S, a, a2 + p);
      c20 = x.fma(y0, c20);
      c21 = x.fma(y1, c21);
      c22 = x.fma(y2, c22);
      c23 = x.fma(y3, c23);
      x = FloatVector.fromArray(S, a, a3 + p);
      c30 = x.fma(y0, c30);
      c31 = x.fma(y1, c31);
      c32 = x.fma(y2, c32);
      c33 = x.fma(y3, c33);
    }
    c00.intoArray(buf, 0 * L);
    c01.intoArray(buf, 1 * L);
    c02.intoArray(buf, 2 * L);
    c03.intoArray(buf, 3 * L);
    c10.intoArray(buf, 4 * L);
    c11.intoArray(buf, 5 * L);
    c12.intoArray(buf, 6 * L);
    c13.intoArray(buf, 7 * L);
    c20.intoArray(buf, 8 * L);
    c21.intoArray(buf, 9 * L);
    c22.intoArray(buf, 10 * L);
    c23.intoArray(buf, 11 * L);
    c30.intoArray(buf, 12 * L);
    c31.intoArray(buf, 13 * L);
    c32.intoArray(buf, 14 * L);
    c33.intoArray(buf, 15 * L);
  }
}

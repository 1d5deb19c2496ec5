package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 matrix product {@code C = A B} with the Vector API: a register-blocked micro-kernel over
 * packed panels, blocked over k, split over threads.
 *
 * <p>Every operand is addressed by strides, so row-major, transposed (column-major) and broadcast
 * (batch stride 0) matrices are all read in place: element {@code (i, p)} of batch {@code t} of A
 * lies at {@code aOff + t * bsA + i * rsA + p * csA}, likewise for B and C.
 *
 * <p>Layout of the work:
 *
 * <ul>
 *   <li>k is cut into blocks of {@link #KC}. For each block the rows of A a thread owns are packed
 *       into panels of {@code mr} rows ({@code mr} values per k step), and each B panel of {@code
 *       nr} columns ({@code nr} values per k step, zero-padded) is packed once and then swept by
 *       every row panel, so it stays in L1/L2 while A streams.
 *   <li>The main micro-kernel holds a 6 x 4L tile of C in 24 vector registers (L = lanes, 16 for
 *       AVX-512); for n at most L a 16 x L kernel wastes fewer lanes.
 *   <li>Packing a matrix whose rows run along k (a transposed B) costs a scalar transpose; when
 *       both operands need one, the product is computed as {@code C^T = B^T A^T} if that puts the
 *       transpose on the operand that is reused more.
 *   <li>Threads split the columns (by whole panels) or, when there are too few panels, the rows (by
 *       whole row panels). Each element of C is computed by one thread with the same sequence of
 *       operations whatever the split (padding lanes are zeros, edge tiles use the same kernel), so
 *       results are bit-identical for every thread count.
 * </ul>
 */
final class Sgemm {
  private Sgemm() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();
  static final int MR = 6;

  /**
   * Vectors per tile row: with 32 vector registers (AVX-512) a 6 x 4L tile (24 accumulators) fits;
   * with 16 (AVX2) a 6 x 2L tile (12 accumulators) does.
   */
  static final int NV = L >= 16 ? 4 : 2;

  static final int NR = NV * L;

  /** Rows of the narrow kernel (n at most L): 16 accumulators with AVX-512, 12 with AVX2. */
  static final int MR_SMALL = L >= 16 ? 16 : 12;

  /**
   * The k block. With AVX2 the A panel is read pre-broadcast (8 floats per value), so a smaller
   * block keeps a 6-row panel (6 x 128 x 32 bytes) in L1.
   */
  static final int KC = L >= 16 ? 512 : 128;

  /**
   * Whether the 6-row kernel reads A pre-broadcast: on AVX2 hosts C2 turns each scalar broadcast
   * into a shuffle that competes with the FMAs (measured 43 vs 93 GFLOP/s on L1-resident panels).
   */
  static final boolean PRE_BROADCAST = NV == 2;

  /** Products with fewer multiply-adds than this (all batches) run on the calling thread. */
  static final long PARALLEL_MIN_MACS = 1L << 20;

  // Per thread: [0] packed A, [1] packed B panels, [2] the tile a kernel call leaves its results
  // in, [3] one A panel pre-broadcast.
  private static final ThreadLocal<float[][]> BUFFERS =
      ThreadLocal.withInitial(
          () ->
              new float[][] {
                new float[0], new float[0], new float[Math.max(MR * NR, MR_SMALL * L)], new float[0]
              });

  /** {@code C = A B} for {@code batch} matrices: A [m, k], B [k, n], C [m, n], all by strides. */
  static void gemm(
      int batch,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int bsA,
      int rsA,
      int csA,
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
    long macs = (long) batch * m * n * Math.max(k, 1);
    gemm(
        macs < PARALLEL_MIN_MACS ? 1 : Parallel.threads(),
        batch,
        m,
        n,
        k,
        a,
        aOff,
        bsA,
        rsA,
        csA,
        b,
        bOff,
        bsB,
        rsB,
        csB,
        c,
        cOff,
        bsC,
        rsC,
        csC);
  }

  /**
   * As above, with the work split as for {@code threads} threads (tests use it to check that every
   * split gives the same bits).
   */
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
      int csA,
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
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    if (shouldSwap(m, n, rsA, csA, rsB, csB)) {
      // C^T = B^T A^T: A' (j, p) = B (p, j), B' (p, i) = A (i, p), C' (j, i) = C (i, j).
      gemmOrdered(
          threads, batch, n, m, k, b, bOff, bsB, csB, rsB, a, aOff, bsA, csA, rsA, c, cOff, bsC,
          csC, rsC);
    } else {
      gemmOrdered(
          threads, batch, m, n, k, a, aOff, bsA, rsA, csA, b, bOff, bsB, rsB, csB, c, cOff, bsC,
          rsC, csC);
    }
  }

  // Cost of packing B per multiply-add is about (B contiguous along n ? 1 : 8) / m; swapped it is
  // (A contiguous along m ? 1 : 8) / n.
  private static boolean shouldSwap(int m, int n, int rsA, int csA, int rsB, int csB) {
    double costB = (csB == 1 || n == 1 ? 1.0 : 8.0) / m;
    double costA = (rsA == 1 || m == 1 ? 1.0 : 8.0) / n;
    return costA < costB * 0.75;
  }

  private static void gemmOrdered(
      int threads,
      int batch,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int bsA,
      int rsA,
      int csA,
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
    boolean small = n <= L;
    int mr = small ? MR_SMALL : MR;
    int nr = small ? L : NR;
    int splits = 1;
    boolean splitCols = true;
    if (threads > 1 && batch < threads) {
      int colPanels = (n + nr - 1) / nr;
      int rowPanels = (m + mr - 1) / mr;
      if (colPanels >= threads) {
        splits = threads;
      } else if (rowPanels >= threads) {
        splits = threads;
        splitCols = false;
      }
    }
    int pieces = splits;
    boolean cols = splitCols;
    int grain = threads > 1 ? 1 : Integer.MAX_VALUE;
    Parallel.forRange(
        batch * pieces,
        grain,
        (from, to) -> {
          for (int task = from; task < to; task++) {
            int t = task / pieces;
            int s = task % pieces;
            int i0 = 0;
            int i1 = m;
            int j0 = 0;
            int j1 = n;
            if (cols) {
              int panels = (n + nr - 1) / nr;
              j0 = Math.min(n, (int) ((long) panels * s / pieces) * nr);
              j1 = Math.min(n, (int) ((long) panels * (s + 1) / pieces) * nr);
            } else {
              int panels = (m + mr - 1) / mr;
              i0 = Math.min(m, (int) ((long) panels * s / pieces) * mr);
              i1 = Math.min(m, (int) ((long) panels * (s + 1) / pieces) * mr);
            }
            block(
                small,
                i0,
                i1,
                j0,
                j1,
                k,
                a,
                aOff + t * bsA,
                rsA,
                csA,
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

  // Rows [i0, i1) x columns [j0, j1) of one product.
  private static void block(
      boolean small,
      int i0,
      int i1,
      int j0,
      int j1,
      int k,
      float[] a,
      int aBase,
      int rsA,
      int csA,
      float[] b,
      int bBase,
      int rsB,
      int csB,
      float[] c,
      int cBase,
      int rsC,
      int csC) {
    int rows = i1 - i0;
    if (rows <= 0 || j1 <= j0) {
      return;
    }
    if (k == 0) {
      for (int i = i0; i < i1; i++) {
        for (int j = j0; j < j1; j++) {
          c[cBase + i * rsC + j * csC] = 0f;
        }
      }
      return;
    }
    int mr = small ? MR_SMALL : MR;
    int nr = small ? L : NR;
    float[][] bufs = BUFFERS.get();
    int rowPanels = (rows + mr - 1) / mr;
    int colPanels = (j1 - j0 + nr - 1) / nr;
    int kcMax = Math.min(KC, k);
    boolean pre = PRE_BROADCAST && !small && colPanels >= 4;
    if (bufs[0].length < rowPanels * mr * kcMax) {
      bufs[0] = new float[rowPanels * mr * kcMax];
    }
    if (bufs[1].length < colPanels * nr * kcMax) {
      bufs[1] = new float[colPanels * nr * kcMax];
    }
    if (pre && bufs[3].length < mr * kcMax * L) {
      bufs[3] = new float[mr * kcMax * L];
    }
    float[] ap = bufs[0];
    float[] bp = bufs[1];
    float[] tile = bufs[2];
    float[] apx = bufs[3];
    for (int pc = 0; pc < k; pc += KC) {
      int kc = Math.min(KC, k - pc);
      boolean accumulate = pc > 0;
      packA(a, aBase + i0 * rsA + pc * csA, rsA, csA, rows, kc, mr, ap);
      for (int q = 0; q < colPanels; q++) {
        int j = j0 + q * nr;
        packB(
            b, bBase + pc * rsB + j * csB, rsB, csB, kc, Math.min(nr, j1 - j), nr, bp, q * nr * kc);
      }
      // Each row panel of A stays in L1 while it sweeps every packed B panel.
      for (int ii = 0; ii < rows; ii += mr) {
        int h = Math.min(mr, rows - ii);
        int aIdx = (ii / mr) * mr * kc;
        if (pre) {
          expand(ap, aIdx, mr * kc, apx);
        }
        for (int q = 0; q < colPanels; q++) {
          int j = j0 + q * nr;
          int w = Math.min(nr, j1 - j);
          int bOff = q * nr * kc;
          if (small && MR_SMALL == 12) {
            kernel12(ap, aIdx, bp, bOff, kc, tile);
          } else if (small) {
            kernel16(ap, aIdx, bp, bOff, kc, tile);
          } else if (pre) {
            kernel6x2p(apx, 0, bp, bOff, kc, tile);
          } else if (NV == 2) {
            kernel6x2(ap, aIdx, bp, bOff, kc, tile);
          } else {
            kernel6(ap, aIdx, bp, bOff, kc, tile);
          }
          writeTile(tile, nr, c, cBase + (i0 + ii) * rsC + j * csC, rsC, csC, h, w, accumulate);
        }
      }
    }
  }

  // Rows of A into panels of mr rows: panel q holds, for each p, rows q*mr .. q*mr+mr-1.
  static void packA(float[] a, int base, int rsA, int csA, int rows, int kc, int mr, float[] ap) {
    int dst = 0;
    for (int i = 0; i < rows; i += mr) {
      int h = Math.min(mr, rows - i);
      if (csA == 1) {
        for (int r = 0; r < h; r++) {
          int src = base + (i + r) * rsA;
          int d = dst + r;
          for (int p = 0; p < kc; p++) {
            ap[d + p * mr] = a[src + p];
          }
        }
      } else if (rsA == 1) {
        for (int p = 0; p < kc; p++) {
          int src = base + i + p * csA;
          int d = dst + p * mr;
          for (int r = 0; r < h; r++) {
            ap[d + r] = a[src + r];
          }
        }
      } else {
        for (int p = 0; p < kc; p++) {
          int src = base + i * rsA + p * csA;
          int d = dst + p * mr;
          for (int r = 0; r < h; r++) {
            ap[d + r] = a[src + r * rsA];
          }
        }
      }
      if (h < mr) {
        for (int p = 0; p < kc; p++) {
          int d = dst + p * mr;
          for (int r = h; r < mr; r++) {
            ap[d + r] = 0f;
          }
        }
      }
      dst += mr * kc;
    }
  }

  // Columns [0, w) of a k-block of B into one panel of nr values per k step, zero-padded.
  static void packB(
      float[] b, int base, int rsB, int csB, int kc, int w, int nr, float[] bp, int at) {
    if (csB == 1) {
      for (int p = 0; p < kc; p++) {
        int src = base + p * rsB;
        int d = at + p * nr;
        int j = 0;
        for (; j <= w - L; j += L) {
          FloatVector.fromArray(S, b, src + j).intoArray(bp, d + j);
        }
        for (; j < w; j++) {
          bp[d + j] = b[src + j];
        }
        for (; j < nr; j++) {
          bp[d + j] = 0f;
        }
      }
      return;
    }
    if (w < nr) {
      java.util.Arrays.fill(bp, at, at + kc * nr, 0f);
    }
    if (rsB == 1) {
      for (int j = 0; j < w; j++) {
        int src = base + j * csB;
        for (int p = 0; p < kc; p++) {
          bp[at + p * nr + j] = b[src + p];
        }
      }
    } else {
      for (int j = 0; j < w; j++) {
        int src = base + j * csB;
        for (int p = 0; p < kc; p++) {
          bp[at + p * nr + j] = b[src + p * rsB];
        }
      }
    }
  }

  // 6 x 4L tile: C[0..h, 0..w) (+)= Apanel * Bpanel over kc steps.
  static void kernel6(float[] ap, int aIdx, float[] bp, int bOff, int kc, float[] tile) {
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
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c42 = c00;
    FloatVector c43 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c52 = c00;
    FloatVector c53 = c00;
    for (int p = 0; p < kc; p++) {
      int bIdx = bOff + p * NR;
      int ai = aIdx + p * MR;
      FloatVector b0 = FloatVector.fromArray(S, bp, bIdx);
      FloatVector b1 = FloatVector.fromArray(S, bp, bIdx + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, bIdx + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, bIdx + 3 * L);
      FloatVector av = FloatVector.broadcast(S, ap[ai]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    c00.intoArray(tile, 0 * L);
    c01.intoArray(tile, 1 * L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, 4 * L);
    c11.intoArray(tile, 5 * L);
    c12.intoArray(tile, 6 * L);
    c13.intoArray(tile, 7 * L);
    c20.intoArray(tile, 8 * L);
    c21.intoArray(tile, 9 * L);
    c22.intoArray(tile, 10 * L);
    c23.intoArray(tile, 11 * L);
    c30.intoArray(tile, 12 * L);
    c31.intoArray(tile, 13 * L);
    c32.intoArray(tile, 14 * L);
    c33.intoArray(tile, 15 * L);
    c40.intoArray(tile, 16 * L);
    c41.intoArray(tile, 17 * L);
    c42.intoArray(tile, 18 * L);
    c43.intoArray(tile, 19 * L);
    c50.intoArray(tile, 20 * L);
    c51.intoArray(tile, 21 * L);
    c52.intoArray(tile, 22 * L);
    c53.intoArray(tile, 23 * L);
  }

  // 6 x 2L tile (AVX2): C[0..h, 0..w) (+)= Apanel * Bpanel over kc steps.
  static void kernel6x2(float[] ap, int aIdx, float[] bp, int bOff, int kc, float[] tile) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    for (int p = 0; p < kc; p++) {
      int bIdx = bOff + p * NR;
      int ai = aIdx + p * MR;
      FloatVector b0 = FloatVector.fromArray(S, bp, bIdx);
      FloatVector b1 = FloatVector.fromArray(S, bp, bIdx + L);
      FloatVector av = FloatVector.broadcast(S, ap[ai]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      av = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      av = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      av = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      av = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      av = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
    }
    c00.intoArray(tile, 0 * L);
    c01.intoArray(tile, 1 * L);
    c10.intoArray(tile, 2 * L);
    c11.intoArray(tile, 3 * L);
    c20.intoArray(tile, 4 * L);
    c21.intoArray(tile, 5 * L);
    c30.intoArray(tile, 6 * L);
    c31.intoArray(tile, 7 * L);
    c40.intoArray(tile, 8 * L);
    c41.intoArray(tile, 9 * L);
    c50.intoArray(tile, 10 * L);
    c51.intoArray(tile, 11 * L);
  }

  // 6 x 2L tile reading A pre-broadcast (L copies of each value; see expand): C[0..h, 0..w) (+)=
  // Apanel * Bpanel over kc steps.
  static void kernel6x2p(float[] ap, int aIdx, float[] bp, int bOff, int kc, float[] tile) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    for (int p = 0; p < kc; p++) {
      int bIdx = bOff + p * NR;
      int ai = aIdx + p * MR * L;
      FloatVector b0 = FloatVector.fromArray(S, bp, bIdx);
      FloatVector b1 = FloatVector.fromArray(S, bp, bIdx + L);
      FloatVector av = FloatVector.fromArray(S, ap, ai);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      av = FloatVector.fromArray(S, ap, ai + 1 * L);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      av = FloatVector.fromArray(S, ap, ai + 2 * L);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      av = FloatVector.fromArray(S, ap, ai + 3 * L);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      av = FloatVector.fromArray(S, ap, ai + 4 * L);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      av = FloatVector.fromArray(S, ap, ai + 5 * L);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
    }
    c00.intoArray(tile, 0 * L);
    c01.intoArray(tile, 1 * L);
    c10.intoArray(tile, 2 * L);
    c11.intoArray(tile, 3 * L);
    c20.intoArray(tile, 4 * L);
    c21.intoArray(tile, 5 * L);
    c30.intoArray(tile, 6 * L);
    c31.intoArray(tile, 7 * L);
    c40.intoArray(tile, 8 * L);
    c41.intoArray(tile, 9 * L);
    c50.intoArray(tile, 10 * L);
    c51.intoArray(tile, 11 * L);
  }

  // 16 x L tile for narrow products (n <= L): one vector of B per k step, sixteen rows of A.
  static void kernel16(float[] ap, int aIdx, float[] bp, int bOff, int kc, float[] tile) {
    FloatVector r0 = FloatVector.zero(S);
    FloatVector r1 = r0;
    FloatVector r2 = r0;
    FloatVector r3 = r0;
    FloatVector r4 = r0;
    FloatVector r5 = r0;
    FloatVector r6 = r0;
    FloatVector r7 = r0;
    FloatVector r8 = r0;
    FloatVector r9 = r0;
    FloatVector r10 = r0;
    FloatVector r11 = r0;
    FloatVector r12 = r0;
    FloatVector r13 = r0;
    FloatVector r14 = r0;
    FloatVector r15 = r0;
    for (int p = 0; p < kc; p++) {
      int ai = aIdx + p * MR_SMALL;
      FloatVector bv = FloatVector.fromArray(S, bp, bOff + p * L);
      r0 = bv.fma(FloatVector.broadcast(S, ap[ai]), r0);
      r1 = bv.fma(FloatVector.broadcast(S, ap[ai + 1]), r1);
      r2 = bv.fma(FloatVector.broadcast(S, ap[ai + 2]), r2);
      r3 = bv.fma(FloatVector.broadcast(S, ap[ai + 3]), r3);
      r4 = bv.fma(FloatVector.broadcast(S, ap[ai + 4]), r4);
      r5 = bv.fma(FloatVector.broadcast(S, ap[ai + 5]), r5);
      r6 = bv.fma(FloatVector.broadcast(S, ap[ai + 6]), r6);
      r7 = bv.fma(FloatVector.broadcast(S, ap[ai + 7]), r7);
      r8 = bv.fma(FloatVector.broadcast(S, ap[ai + 8]), r8);
      r9 = bv.fma(FloatVector.broadcast(S, ap[ai + 9]), r9);
      r10 = bv.fma(FloatVector.broadcast(S, ap[ai + 10]), r10);
      r11 = bv.fma(FloatVector.broadcast(S, ap[ai + 11]), r11);
      r12 = bv.fma(FloatVector.broadcast(S, ap[ai + 12]), r12);
      r13 = bv.fma(FloatVector.broadcast(S, ap[ai + 13]), r13);
      r14 = bv.fma(FloatVector.broadcast(S, ap[ai + 14]), r14);
      r15 = bv.fma(FloatVector.broadcast(S, ap[ai + 15]), r15);
    }
    r0.intoArray(tile, 0 * L);
    r1.intoArray(tile, 1 * L);
    r2.intoArray(tile, 2 * L);
    r3.intoArray(tile, 3 * L);
    r4.intoArray(tile, 4 * L);
    r5.intoArray(tile, 5 * L);
    r6.intoArray(tile, 6 * L);
    r7.intoArray(tile, 7 * L);
    r8.intoArray(tile, 8 * L);
    r9.intoArray(tile, 9 * L);
    r10.intoArray(tile, 10 * L);
    r11.intoArray(tile, 11 * L);
    r12.intoArray(tile, 12 * L);
    r13.intoArray(tile, 13 * L);
    r14.intoArray(tile, 14 * L);
    r15.intoArray(tile, 15 * L);
  }

  // 12 x L tile, the narrow kernel for AVX2.
  static void kernel12(float[] ap, int aIdx, float[] bp, int bOff, int kc, float[] tile) {
    FloatVector r0 = FloatVector.zero(S);
    FloatVector r1 = r0;
    FloatVector r2 = r0;
    FloatVector r3 = r0;
    FloatVector r4 = r0;
    FloatVector r5 = r0;
    FloatVector r6 = r0;
    FloatVector r7 = r0;
    FloatVector r8 = r0;
    FloatVector r9 = r0;
    FloatVector r10 = r0;
    FloatVector r11 = r0;
    for (int p = 0; p < kc; p++) {
      int ai = aIdx + p * MR_SMALL;
      FloatVector bv = FloatVector.fromArray(S, bp, bOff + p * L);
      r0 = bv.fma(FloatVector.broadcast(S, ap[ai]), r0);
      r1 = bv.fma(FloatVector.broadcast(S, ap[ai + 1]), r1);
      r2 = bv.fma(FloatVector.broadcast(S, ap[ai + 2]), r2);
      r3 = bv.fma(FloatVector.broadcast(S, ap[ai + 3]), r3);
      r4 = bv.fma(FloatVector.broadcast(S, ap[ai + 4]), r4);
      r5 = bv.fma(FloatVector.broadcast(S, ap[ai + 5]), r5);
      r6 = bv.fma(FloatVector.broadcast(S, ap[ai + 6]), r6);
      r7 = bv.fma(FloatVector.broadcast(S, ap[ai + 7]), r7);
      r8 = bv.fma(FloatVector.broadcast(S, ap[ai + 8]), r8);
      r9 = bv.fma(FloatVector.broadcast(S, ap[ai + 9]), r9);
      r10 = bv.fma(FloatVector.broadcast(S, ap[ai + 10]), r10);
      r11 = bv.fma(FloatVector.broadcast(S, ap[ai + 11]), r11);
    }
    r0.intoArray(tile, 0 * L);
    r1.intoArray(tile, 1 * L);
    r2.intoArray(tile, 2 * L);
    r3.intoArray(tile, 3 * L);
    r4.intoArray(tile, 4 * L);
    r5.intoArray(tile, 5 * L);
    r6.intoArray(tile, 6 * L);
    r7.intoArray(tile, 7 * L);
    r8.intoArray(tile, 8 * L);
    r9.intoArray(tile, 9 * L);
    r10.intoArray(tile, 10 * L);
    r11.intoArray(tile, 11 * L);
  }

  /**
   * Rows [0, h) and columns [0, w) of a kernel's tile (rows of {@code nr}) into C, added to what is
   * there when {@code accumulate}. Kept out of the kernels so that their compiled code never
   * depends on which edge cases have been seen.
   */
  static void writeTile(
      float[] tile,
      int nr,
      float[] c,
      int cIdx,
      int rsC,
      int csC,
      int h,
      int w,
      boolean accumulate) {
    for (int r = 0; r < h; r++) {
      int t = r * nr;
      int idx = cIdx + r * rsC;
      if (csC == 1) {
        int j = 0;
        for (; j <= w - L; j += L) {
          FloatVector v = FloatVector.fromArray(S, tile, t + j);
          if (accumulate) {
            v = FloatVector.fromArray(S, c, idx + j).add(v);
          }
          v.intoArray(c, idx + j);
        }
        for (; j < w; j++) {
          c[idx + j] = accumulate ? c[idx + j] + tile[t + j] : tile[t + j];
        }
      } else {
        for (int j = 0; j < w; j++) {
          int at = idx + j * csC;
          c[at] = accumulate ? c[at] + tile[t + j] : tile[t + j];
        }
      }
    }
  }

  // One packed A panel of n values into L copies of each, for kernel6x2p.
  static void expand(float[] ap, int from, int n, float[] apx) {
    for (int i = 0; i < n; i++) {
      FloatVector.broadcast(S, ap[from + i]).intoArray(apx, i * L);
    }
  }
}

package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
 *   <li>k is cut into blocks of {@link #KC}. With 16 lanes (AVX-512), for each block and each B
 *       panel of {@code nr} columns, every row panel of A is multiplied with the panel: A is read
 *       in place when its rows are contiguous along k (otherwise copied, transposed in registers 16
 *       x 16 at a time, into rows contiguous along k), the B panel is packed by the first kernel
 *       call that reads it (a separate transposing copy when B is not contiguous along n) and then
 *       stays in L2 while the other row panels stream past it, and full tiles are written straight
 *       into C. With 8 lanes (AVX2) A is packed into k-major panels and all B panels of a block are
 *       packed before each row panel sweeps them.
 *   <li>The main micro-kernel holds a 6 x 4L tile of C in 24 vector registers with AVX-512 (6 x 2L,
 *       12 registers, with AVX2), and a last row panel of at most 4 rows a 4 x 4L tile; for n at
 *       most L a narrow kernel of 8 (AVX2: 12) rows x L wastes fewer lanes.
 *   <li>With 16 lanes, products with at most 16 columns (or rows) whose A (or B) is contiguous
 *       along k and k at least {@link SgemmDot#MIN_K} are dot products instead: see {@link
 *       SgemmDot}.
 *   <li>When the operands' layouts make it cheaper (fewer transposing copies, no strided output),
 *       the product is computed as {@code C^T = B^T A^T}; see {@link #shouldSwap}.
 *   <li>Threads split the columns (by whole panels) or, when there are too few panels, the rows (by
 *       whole row panels). Each element of C is computed by one thread with the same sequence of
 *       operations whatever the split (padding lanes are zeros, edge tiles use the same kernel, k
 *       blocks are the same), so results are bit-identical for every thread count.
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

  /**
   * Rows of the narrow kernel (n at most L). With AVX-512 and A read in place each row needs its
   * own index register: 8 rows measured faster than 12 or 16 (44-48 vs 34-42 GFLOP/s at m = 64, n =
   * 10, k = 512), where C2 ran out of general registers and spilled the row offsets.
   */
  static final int MR_SMALL = L >= 16 ? 8 : 12;

  /**
   * The k block. With AVX-512 a 6-row slice of A (24 KiB) stays in L1 and a B panel (256 KiB) in
   * L2; every block reads and writes all of C once more, which is what made 1024 faster than 512
   * (the ratio to OpenBLAS up by 0.02-0.07 at 1024 and 2048 square on one thread in most runs) and
   * 128 or 256 slower (by 10-30%). With AVX2 the A panel is read pre-broadcast (8 floats per
   * value), so a smaller block keeps a 6-row panel (6 x 128 x 32 bytes) in L1.
   */
  static final int KC = L >= 16 ? 1024 : 128;

  /**
   * Whether the 6-row kernel reads A pre-broadcast: on AVX2 hosts C2 turns each scalar broadcast
   * into a shuffle that competes with the FMAs (measured 43 vs 93 GFLOP/s on L1-resident panels).
   */
  static final boolean PRE_BROADCAST = NV == 2;

  /** Products with fewer multiply-adds than this (all batches) run on the calling thread. */
  static final long PARALLEL_MIN_MACS = 1L << 20;

  // Per thread: [0] packed A, [1] packed B panel(s), [2] the tile a kernel call leaves its results
  // in when they cannot go straight into C, [3] one A panel pre-broadcast (AVX2).
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
    gemm(
        threads, false, batch, m, n, k, a, aOff, bsA, rsA, csA, b, bOff, bsB, rsB, csB, c, cOff,
        bsC, rsC, csC);
  }

  /**
   * {@code C += A B} (when {@code addTo}) or {@code C = A B}, with the work split as for {@code
   * threads} threads. Adding is exact to the same bits as the k blocks of one product add up: each
   * block's sum is added to what C holds.
   */
  static void gemm(
      int threads,
      boolean addTo,
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
    if (batch == 0 || m == 0 || n == 0 || (addTo && k == 0)) {
      return;
    }
    // The dot-product path stores C; adding to C stays with the blocked kernel, whose k blocks
    // define the bits of an addition.
    if (!addTo && SgemmDot.applies(m, n, k, csA, rsB)) {
      SgemmDot.gemm(
          threads, batch, m, n, k, a, aOff, bsA, rsA, b, bOff, bsB, rsB, csB, c, cOff, bsC, rsC,
          csC);
      return;
    }
    if (!addTo && SgemmDot.applies(n, m, k, rsB, csA)) {
      // As C^T = B^T A^T (see below): A' = B^T is then contiguous along k.
      SgemmDot.gemm(
          threads, batch, n, m, k, b, bOff, bsB, csB, a, aOff, bsA, csA, rsA, c, cOff, bsC, csC,
          rsC);
      return;
    }
    boolean viaScratch = transposesThroughScratch(addTo, batch, m, n, csC);
    if (shouldSwap(m, n, k, rsA, csA, rsB, csB, rsC, csC, viaScratch)) {
      // C^T = B^T A^T: A' (j, p) = B (p, j), B' (p, i) = A (i, p), C' (j, i) = C (i, j).
      if (viaScratch && rsC != 1) {
        // C' into contiguous scratch rows, each task's block then transposed into C (16 x 16 in
        // registers) while it is still in cache.
        int size = m * n;
        float[] t = SWAPPED_OUTPUT.get(batch * size);
        gemmOrdered(
            threads,
            false,
            batch,
            n,
            m,
            k,
            b,
            bOff,
            bsB,
            csB,
            rsB,
            a,
            aOff,
            bsA,
            csA,
            rsA,
            t,
            0,
            size,
            m,
            1,
            (task, i0, i1, j0, j1) ->
                transposeCopy(
                    t,
                    task * size + i0 * m + j0,
                    1,
                    m,
                    c,
                    cOff + task * bsC + j0 * rsC + i0,
                    rsC,
                    j1 - j0,
                    i1 - i0));
      } else {
        gemmOrdered(
            threads, addTo, batch, n, m, k, b, bOff, bsB, csB, rsB, a, aOff, bsA, csA, rsA, c, cOff,
            bsC, csC, rsC, null);
      }
    } else {
      gemmOrdered(
          threads, addTo, batch, m, n, k, a, aOff, bsA, rsA, csA, b, bOff, bsB, rsB, csB, c, cOff,
          bsC, rsC, csC, null);
    }
  }

  /** The largest output (in floats, all batches) that a swapped product writes through scratch. */
  static final int SWAPPED_OUTPUT_MAX = 1 << 20;

  private static final Scratch SWAPPED_OUTPUT = new Scratch();

  // Whether a swapped product can compute C^T into contiguous scratch and transpose it into C: C
  // contiguous along its rows (what the transposing copy writes), not added to, and not too big.
  private static boolean transposesThroughScratch(boolean addTo, int batch, int m, int n, int csC) {
    return !addTo && csC == 1 && (long) batch * m * n <= SWAPPED_OUTPUT_MAX;
  }

  /** Work done by a task of {@link #gemmOrdered} right after its block of rows and columns. */
  private interface AfterBlock {
    void run(int batchIndex, int i0, int i1, int j0, int j1);
  }

  // Whether computing C^T = B^T A^T is cheaper. Estimated costs per multiply-add: with 8 lanes, of
  // packing B ((B contiguous along n ? 1 : 8) / m), or, swapped, A. With 16 lanes A is read in
  // place when contiguous along k and otherwise packed by a transposing copy (about 4 / n), B is
  // copied (1 / m) or transposed (4 / m), and an output not contiguous along n takes a scalar
  // strided store per element and k block (4 / min(k, KC), or 32 when each store is to its own
  // cache line: measured at m = 64, n = 512, k = 784 NT, where swapping cost 30%), or, when the
  // swapped output goes through scratch, one transposing copy per element (4 / k).
  static boolean shouldSwap(
      int m,
      int n,
      int k,
      int rsA,
      int csA,
      int rsB,
      int csB,
      int rsC,
      int csC,
      boolean viaScratch) {
    if (NV == 2) {
      double costB = (csB == 1 || n == 1 ? 1.0 : 8.0) / m;
      double costA = (rsA == 1 || m == 1 ? 1.0 : 8.0) / n;
      return costA < costB * 0.75;
    }
    double perBlock = 1.0 / Math.max(1, Math.min(k, KC));
    double plain =
        (csA == 1 || k == 1 ? 0 : 4.0 / n)
            + (csB == 1 || n == 1 ? 1.0 : 4.0) / m
            + (csC == 1 || n == 1 ? 0 : (csC <= 16 ? 4 : 32) * perBlock);
    // Swapped: A' = B^T (row stride csB, k stride rsB), B' = A^T, C' = C^T.
    double swapped =
        (rsB == 1 || k == 1 ? 0 : 4.0 / m)
            + (rsA == 1 || m == 1 ? 1.0 : 4.0) / n
            + (rsC == 1 || m == 1
                ? 0
                : viaScratch ? 4.0 / Math.max(1, k) : (rsC <= 16 ? 4 : 32) * perBlock);
    return swapped < plain * 0.75;
  }

  private static void gemmOrdered(
      int threads,
      boolean addTo,
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
      int csC,
      AfterBlock after) {
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
                addTo,
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
            if (after != null) {
              after.run(t, i0, i1, j0, j1);
            }
          }
        });
  }

  // Rows [i0, i1) x columns [j0, j1) of one product.
  private static void block(
      boolean small,
      boolean addTo,
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
    if (i1 <= i0 || j1 <= j0) {
      return;
    }
    if (k == 0) {
      if (addTo) {
        return;
      }
      for (int i = i0; i < i1; i++) {
        for (int j = j0; j < j1; j++) {
          c[cBase + i * rsC + j * csC] = 0f;
        }
      }
    } else if (NV == 4) {
      blockWide(
          small, addTo, i0, i1, j0, j1, k, a, aBase, rsA, csA, b, bBase, rsB, csB, c, cBase, rsC,
          csC);
    } else {
      blockNarrow(
          small, addTo, i0, i1, j0, j1, k, a, aBase, rsA, csA, b, bBase, rsB, csB, c, cBase, rsC,
          csC);
    }
  }

  // AVX-512 (16 lanes). For each k block and each B panel of NR columns, every row panel of A is
  // multiplied with the panel: A is read in place when its rows are contiguous along k (else copied
  // once per k block into rows that are, as is a last partial row panel), the B panel is packed
  // into a per-thread buffer by the
  // first kernel call that reads it (when B is contiguous along n; otherwise by a separate
  // transposing copy) and then stays in L2 for the other row panels. Full tiles go straight into C.
  private static void blockWide(
      boolean small,
      boolean addTo,
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
    int mr = small ? MR_SMALL : MR;
    int nr = small ? L : NR;
    int kcMax = Math.min(KC, k);
    // A is read in place when contiguous along k, except for a last partial row panel.
    boolean aInPlace = csA == 1;
    int packedRows = aInPlace ? (rows % mr == 0 ? 0 : mr) : (rows + mr - 1) / mr * mr;
    float[][] bufs = BUFFERS.get();
    if (bufs[0].length < packedRows * kcMax) {
      bufs[0] = new float[packedRows * kcMax];
    }
    if (bufs[1].length < nr * kcMax) {
      bufs[1] = new float[nr * kcMax];
    }
    float[] ap = bufs[0];
    float[] bp = bufs[1];
    float[] tile = bufs[2];
    int fullRows = aInPlace ? rows - rows % mr : 0;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = Math.min(KC, k - pc);
      boolean accumulate = addTo || pc > 0;
      int aBlock = aBase + i0 * rsA + pc * csA;
      if (packedRows > 0) {
        packRows(a, aBlock + fullRows * rsA, rsA, csA, rows - fullRows, kc, packedRows, ap);
      }
      for (int j = j0; j < j1; j += nr) {
        int w = Math.min(nr, j1 - j);
        int bSrc = bBase + pc * rsB + j * csB;
        // Packed by the first kernel call when a full-width row of B is one contiguous run.
        boolean fused = !small && csB == 1 && w == nr;
        if (!fused) {
          packB(b, bSrc, rsB, csB, kc, w, nr, bp, 0);
        }
        for (int ii = 0; ii < rows; ii += mr) {
          int h = Math.min(mr, rows - ii);
          boolean inPlace = ii < fullRows;
          float[] aArr = inPlace ? a : ap;
          int aIdx = inPlace ? aBlock + ii * rsA : (ii - fullRows) * kc;
          int ars = inPlace ? rsA : kc;
          if (small) {
            kernelNarrow(aArr, aIdx, ars, bp, kc, tile);
            writeTile(tile, nr, c, cBase + (i0 + ii) * rsC + j * csC, rsC, csC, h, w, accumulate);
            continue;
          }
          boolean direct = h == mr && w == nr && csC == 1;
          float[] out = direct ? c : tile;
          int oIdx = direct ? cBase + (i0 + ii) * rsC + j : 0;
          int ors = direct ? rsC : nr;
          boolean acc = direct && accumulate;
          if (fused && ii == 0) {
            kernel6Pack(aArr, aIdx, ars, b, bSrc, rsB, bp, kc, out, oIdx, ors, acc);
          } else if (h <= 4) {
            // A last row panel of at most 4 rows (m = 10: 6 + 4; m = 64: 10 x 6 + 4) costs 4 rows
            // of work, not 6.
            kernel4(aArr, aIdx, ars, bp, kc, tile);
          } else {
            kernel6(aArr, aIdx, ars, bp, kc, out, oIdx, ors, acc);
          }
          if (!direct) {
            writeTile(tile, nr, c, cBase + (i0 + ii) * rsC + j * csC, rsC, csC, h, w, accumulate);
          }
        }
      }
    }
  }

  // 6 x 4L tile: out rows (+)= A rows (element (r, p) at aIdx + r * ars + p) times the packed B
  // panel (row p at p * NR), over kc steps. Unit and constant strides along p let C2 hoist every
  // bounds check out of the loop; a variable stride left one per load there, and the extra integer
  // work competed with the FMAs for ports (175 vs 200 GFLOP/s on one core). The epilogue is two
  // plain blocks: a per-store choice between adding and not made C2 spill an accumulator.
  static void kernel6(
      float[] a,
      int aIdx,
      int ars,
      float[] bp,
      int kc,
      float[] out,
      int oIdx,
      int ors,
      boolean accumulate) {
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
    int a1 = aIdx + ars;
    int a2 = a1 + ars;
    int a3 = a2 + ars;
    int a4 = a3 + ars;
    int a5 = a4 + ars;
    for (int p = 0; p < kc; p++) {
      int pi = p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, pi + 0 * L);
      FloatVector b1 = FloatVector.fromArray(S, bp, pi + 1 * L);
      FloatVector b2 = FloatVector.fromArray(S, bp, pi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, pi + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[aIdx + p]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, a[a4 + p]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, a[a5 + p]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    if (accumulate) {
      c00 = c00.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 0 * L));
      c01 = c01.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 1 * L));
      c02 = c02.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 2 * L));
      c03 = c03.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 3 * L));
      c10 = c10.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 0 * L));
      c11 = c11.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 1 * L));
      c12 = c12.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 2 * L));
      c13 = c13.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 3 * L));
      c20 = c20.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 0 * L));
      c21 = c21.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 1 * L));
      c22 = c22.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 2 * L));
      c23 = c23.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 3 * L));
      c30 = c30.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 0 * L));
      c31 = c31.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 1 * L));
      c32 = c32.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 2 * L));
      c33 = c33.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 3 * L));
      c40 = c40.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 0 * L));
      c41 = c41.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 1 * L));
      c42 = c42.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 2 * L));
      c43 = c43.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 3 * L));
      c50 = c50.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 0 * L));
      c51 = c51.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 1 * L));
      c52 = c52.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 2 * L));
      c53 = c53.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 3 * L));
    }
    c00.intoArray(out, oIdx + 0 * ors + 0 * L);
    c01.intoArray(out, oIdx + 0 * ors + 1 * L);
    c02.intoArray(out, oIdx + 0 * ors + 2 * L);
    c03.intoArray(out, oIdx + 0 * ors + 3 * L);
    c10.intoArray(out, oIdx + 1 * ors + 0 * L);
    c11.intoArray(out, oIdx + 1 * ors + 1 * L);
    c12.intoArray(out, oIdx + 1 * ors + 2 * L);
    c13.intoArray(out, oIdx + 1 * ors + 3 * L);
    c20.intoArray(out, oIdx + 2 * ors + 0 * L);
    c21.intoArray(out, oIdx + 2 * ors + 1 * L);
    c22.intoArray(out, oIdx + 2 * ors + 2 * L);
    c23.intoArray(out, oIdx + 2 * ors + 3 * L);
    c30.intoArray(out, oIdx + 3 * ors + 0 * L);
    c31.intoArray(out, oIdx + 3 * ors + 1 * L);
    c32.intoArray(out, oIdx + 3 * ors + 2 * L);
    c33.intoArray(out, oIdx + 3 * ors + 3 * L);
    c40.intoArray(out, oIdx + 4 * ors + 0 * L);
    c41.intoArray(out, oIdx + 4 * ors + 1 * L);
    c42.intoArray(out, oIdx + 4 * ors + 2 * L);
    c43.intoArray(out, oIdx + 4 * ors + 3 * L);
    c50.intoArray(out, oIdx + 5 * ors + 0 * L);
    c51.intoArray(out, oIdx + 5 * ors + 1 * L);
    c52.intoArray(out, oIdx + 5 * ors + 2 * L);
    c53.intoArray(out, oIdx + 5 * ors + 3 * L);
  }

  // As kernel6 with B read from its source (row p at bIdx + p * brs), copying each row it reads
  // into the packed panel for the kernel calls of the other row panels.
  static void kernel6Pack(
      float[] a,
      int aIdx,
      int ars,
      float[] b,
      int bIdx,
      int brs,
      float[] bp,
      int kc,
      float[] out,
      int oIdx,
      int ors,
      boolean accumulate) {
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
    int a1 = aIdx + ars;
    int a2 = a1 + ars;
    int a3 = a2 + ars;
    int a4 = a3 + ars;
    int a5 = a4 + ars;
    for (int p = 0; p < kc; p++) {
      int bi = bIdx + p * brs;
      FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + 1 * L);
      FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
      int pi = p * NR;
      b0.intoArray(bp, pi + 0 * L);
      b1.intoArray(bp, pi + 1 * L);
      b2.intoArray(bp, pi + 2 * L);
      b3.intoArray(bp, pi + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[aIdx + p]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, a[a4 + p]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, a[a5 + p]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    if (accumulate) {
      c00 = c00.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 0 * L));
      c01 = c01.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 1 * L));
      c02 = c02.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 2 * L));
      c03 = c03.add(FloatVector.fromArray(S, out, oIdx + 0 * ors + 3 * L));
      c10 = c10.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 0 * L));
      c11 = c11.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 1 * L));
      c12 = c12.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 2 * L));
      c13 = c13.add(FloatVector.fromArray(S, out, oIdx + 1 * ors + 3 * L));
      c20 = c20.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 0 * L));
      c21 = c21.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 1 * L));
      c22 = c22.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 2 * L));
      c23 = c23.add(FloatVector.fromArray(S, out, oIdx + 2 * ors + 3 * L));
      c30 = c30.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 0 * L));
      c31 = c31.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 1 * L));
      c32 = c32.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 2 * L));
      c33 = c33.add(FloatVector.fromArray(S, out, oIdx + 3 * ors + 3 * L));
      c40 = c40.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 0 * L));
      c41 = c41.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 1 * L));
      c42 = c42.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 2 * L));
      c43 = c43.add(FloatVector.fromArray(S, out, oIdx + 4 * ors + 3 * L));
      c50 = c50.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 0 * L));
      c51 = c51.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 1 * L));
      c52 = c52.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 2 * L));
      c53 = c53.add(FloatVector.fromArray(S, out, oIdx + 5 * ors + 3 * L));
    }
    c00.intoArray(out, oIdx + 0 * ors + 0 * L);
    c01.intoArray(out, oIdx + 0 * ors + 1 * L);
    c02.intoArray(out, oIdx + 0 * ors + 2 * L);
    c03.intoArray(out, oIdx + 0 * ors + 3 * L);
    c10.intoArray(out, oIdx + 1 * ors + 0 * L);
    c11.intoArray(out, oIdx + 1 * ors + 1 * L);
    c12.intoArray(out, oIdx + 1 * ors + 2 * L);
    c13.intoArray(out, oIdx + 1 * ors + 3 * L);
    c20.intoArray(out, oIdx + 2 * ors + 0 * L);
    c21.intoArray(out, oIdx + 2 * ors + 1 * L);
    c22.intoArray(out, oIdx + 2 * ors + 2 * L);
    c23.intoArray(out, oIdx + 2 * ors + 3 * L);
    c30.intoArray(out, oIdx + 3 * ors + 0 * L);
    c31.intoArray(out, oIdx + 3 * ors + 1 * L);
    c32.intoArray(out, oIdx + 3 * ors + 2 * L);
    c33.intoArray(out, oIdx + 3 * ors + 3 * L);
    c40.intoArray(out, oIdx + 4 * ors + 0 * L);
    c41.intoArray(out, oIdx + 4 * ors + 1 * L);
    c42.intoArray(out, oIdx + 4 * ors + 2 * L);
    c43.intoArray(out, oIdx + 4 * ors + 3 * L);
    c50.intoArray(out, oIdx + 5 * ors + 0 * L);
    c51.intoArray(out, oIdx + 5 * ors + 1 * L);
    c52.intoArray(out, oIdx + 5 * ors + 2 * L);
    c53.intoArray(out, oIdx + 5 * ors + 3 * L);
  }

  // Rows 0-3 of kernel6's tile into the tile buffer (rows of NR): the same operations, so the same
  // bits, for each element.
  static void kernel4(float[] a, int aIdx, int ars, float[] bp, int kc, float[] tile) {
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
    int a1 = aIdx + ars;
    int a2 = a1 + ars;
    int a3 = a2 + ars;
    for (int p = 0; p < kc; p++) {
      int pi = p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, pi + 0 * L);
      FloatVector b1 = FloatVector.fromArray(S, bp, pi + 1 * L);
      FloatVector b2 = FloatVector.fromArray(S, bp, pi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, pi + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[aIdx + p]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
    }
    c00.intoArray(tile, 0 * NR + 0 * L);
    c01.intoArray(tile, 0 * NR + 1 * L);
    c02.intoArray(tile, 0 * NR + 2 * L);
    c03.intoArray(tile, 0 * NR + 3 * L);
    c10.intoArray(tile, 1 * NR + 0 * L);
    c11.intoArray(tile, 1 * NR + 1 * L);
    c12.intoArray(tile, 1 * NR + 2 * L);
    c13.intoArray(tile, 1 * NR + 3 * L);
    c20.intoArray(tile, 2 * NR + 0 * L);
    c21.intoArray(tile, 2 * NR + 1 * L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR + 0 * L);
    c31.intoArray(tile, 3 * NR + 1 * L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
  }

  // 8 x L tile for narrow products (n <= L): one vector of B per k step (packed, row p at p * L),
  // 8 rows of A (element (r, p) at aIdx + r * ars + p).
  static void kernelNarrow(float[] a, int aIdx, int ars, float[] bp, int kc, float[] tile) {
    FloatVector r0 = FloatVector.zero(S);
    FloatVector r1 = r0;
    FloatVector r2 = r0;
    FloatVector r3 = r0;
    FloatVector r4 = r0;
    FloatVector r5 = r0;
    FloatVector r6 = r0;
    FloatVector r7 = r0;
    int a1 = aIdx + ars;
    int a2 = a1 + ars;
    int a3 = a2 + ars;
    int a4 = a3 + ars;
    int a5 = a4 + ars;
    int a6 = a5 + ars;
    int a7 = a6 + ars;
    for (int p = 0; p < kc; p++) {
      FloatVector bv = FloatVector.fromArray(S, bp, p * L);
      r0 = bv.fma(FloatVector.broadcast(S, a[aIdx + p]), r0);
      r1 = bv.fma(FloatVector.broadcast(S, a[a1 + p]), r1);
      r2 = bv.fma(FloatVector.broadcast(S, a[a2 + p]), r2);
      r3 = bv.fma(FloatVector.broadcast(S, a[a3 + p]), r3);
      r4 = bv.fma(FloatVector.broadcast(S, a[a4 + p]), r4);
      r5 = bv.fma(FloatVector.broadcast(S, a[a5 + p]), r5);
      r6 = bv.fma(FloatVector.broadcast(S, a[a6 + p]), r6);
      r7 = bv.fma(FloatVector.broadcast(S, a[a7 + p]), r7);
    }
    r0.intoArray(tile, 0 * L);
    r1.intoArray(tile, 1 * L);
    r2.intoArray(tile, 2 * L);
    r3.intoArray(tile, 3 * L);
    r4.intoArray(tile, 4 * L);
    r5.intoArray(tile, 5 * L);
    r6.intoArray(tile, 6 * L);
    r7.intoArray(tile, 7 * L);
  }

  // AVX2 (8 lanes): A packed per k block (pre-broadcast when B has several panels), all B panels
  // of the block packed up front, each A row panel sweeping them.
  private static void blockNarrow(
      boolean small,
      boolean addTo,
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
      boolean accumulate = addTo || pc > 0;
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
          if (small) {
            kernel12(ap, aIdx, bp, bOff, kc, tile);
          } else if (pre) {
            kernel6x2p(apx, 0, bp, bOff, kc, tile);
          } else {
            kernel6x2(ap, aIdx, bp, bOff, kc, tile);
          }
          writeTile(tile, nr, c, cBase + (i0 + ii) * rsC + j * csC, rsC, csC, h, w, accumulate);
        }
      }
    }
  }

  // Rows [0, rows) of a k-block of A, each made contiguous along k (row r at r * kc), zero rows up
  // to total.
  static void packRows(
      float[] a, int base, int rsA, int csA, int rows, int kc, int total, float[] ap) {
    if (csA == 1) {
      for (int r = 0; r < rows; r++) {
        System.arraycopy(a, base + r * rsA, ap, r * kc, kc);
      }
    } else {
      transposeCopy(a, base, rsA, csA, ap, 0, kc, rows, kc);
    }
    java.util.Arrays.fill(ap, rows * kc, total * kc, 0f);
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
    transposeCopy(b, base, rsB, csB, bp, at, nr, kc, w);
  }

  /**
   * {@code dst[dOff + x * dStride + y] = src[sOff + x * sx + y * sy]} for x below xs and y below
   * ys. With 16 lanes and a source contiguous along x, blocks of 16 x 16 are transposed in
   * registers, and so are the smaller blocks at the edges (see {@link #transposeEdge}); otherwise
   * values are copied in strips of 16 y, so that the 16 source lines being read and the destination
   * line being written stay in L1 (walking whole rows or columns instead missed a cache line on
   * every store, 6 cycles per element).
   */
  static void transposeCopy(
      float[] src, int sOff, int sx, int sy, float[] dst, int dOff, int dStride, int xs, int ys) {
    if (L == 16 && sx == 1) {
      int xv = xs - xs % 16;
      int yv = ys - ys % 16;
      for (int y0 = 0; y0 < yv; y0 += 16) {
        for (int x0 = 0; x0 < xv; x0 += 16) {
          transpose16(src, sOff + x0 + y0 * sy, sy, dst, dOff + x0 * dStride + y0, dStride);
        }
      }
      if (xv < xs || yv < ys) {
        // The edge blocks in registers too: copied element by element they took a third of the
        // time of m = 64, n = 10, k = 512 NN (its B, 10 wide), and a fifth of m = 10 TN (its A).
        float[] tmp = EDGE.get();
        for (int y0 = 0; y0 < ys; y0 += 16) {
          int x0 = y0 < yv ? xv : 0;
          for (; x0 < xs; x0 += 16) {
            transposeEdge(
                src,
                sOff + x0 + y0 * sy,
                sy,
                dst,
                dOff + x0 * dStride + y0,
                dStride,
                Math.min(16, xs - x0),
                Math.min(16, ys - y0),
                tmp);
          }
        }
      }
      return;
    }
    stripCopy(src, sOff, sx, sy, dst, dOff, dStride, xs, ys);
  }

  // Per thread: an edge block as loaded, then transposed (see transposeEdge).
  private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[512]);

  /**
   * As {@link #transpose16} for a block of {@code xs} x {@code ys} (each at most 16): the rows are
   * loaded under a mask into {@code tmp}, transposed there, and the results stored under a mask, so
   * nothing outside the block is read or written.
   */
  static void transposeEdge(
      float[] s, int so, int ss, float[] d, int dOff, int ds, int xs, int ys, float[] tmp) {
    VectorMask<Float> inX = S.indexInRange(0, xs);
    VectorMask<Float> inY = S.indexInRange(0, ys);
    for (int y = 0; y < ys; y++) {
      FloatVector.fromArray(S, s, so + y * ss, inX).intoArray(tmp, y * 16);
    }
    transpose16(tmp, 0, 16, tmp, 256, 16);
    for (int x = 0; x < xs; x++) {
      FloatVector.fromArray(S, tmp, 256 + x * 16).intoArray(d, dOff + x * ds, inY);
    }
  }

  private static void stripCopy(
      float[] src, int sOff, int sx, int sy, float[] dst, int dOff, int dStride, int xs, int ys) {
    for (int y0 = 0; y0 < ys; y0 += 16) {
      int y1 = Math.min(ys, y0 + 16);
      for (int x = 0; x < xs; x++) {
        int s = sOff + x * sx;
        int d = dOff + x * dStride;
        for (int y = y0; y < y1; y++) {
          dst[d + y] = src[s + y * sy];
        }
      }
    }
  }

  // Lane indices for selectFrom over two vectors (0-15 the first, 16-31 the second): the first and
  // second halves of the two interleaved.
  private static final FloatVector LO =
      L == 16
          ? FloatVector.fromArray(
              S, new float[] {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23}, 0)
          : null;
  private static final FloatVector HI =
      L == 16
          ? FloatVector.fromArray(
              S, new float[] {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31}, 0)
          : null;

  /**
   * The 16 x 16 block with rows of 16 at {@code s + i * ss} into rows at {@code d + i * ds},
   * transposed. Each round maps rows (R_i, R_i+8) to (lo, hi) interleavings in rows 2i, 2i+1: on
   * the 8 bits (row, column) of an element that is a rotation by one, so four rounds swap row and
   * column.
   */
  static void transpose16(float[] s, int so, int ss, float[] d, int dOff, int ds) {
    FloatVector lo = LO;
    FloatVector hi = HI;
    FloatVector r0 = FloatVector.fromArray(S, s, so + 0 * ss);
    FloatVector r1 = FloatVector.fromArray(S, s, so + 1 * ss);
    FloatVector r2 = FloatVector.fromArray(S, s, so + 2 * ss);
    FloatVector r3 = FloatVector.fromArray(S, s, so + 3 * ss);
    FloatVector r4 = FloatVector.fromArray(S, s, so + 4 * ss);
    FloatVector r5 = FloatVector.fromArray(S, s, so + 5 * ss);
    FloatVector r6 = FloatVector.fromArray(S, s, so + 6 * ss);
    FloatVector r7 = FloatVector.fromArray(S, s, so + 7 * ss);
    FloatVector r8 = FloatVector.fromArray(S, s, so + 8 * ss);
    FloatVector r9 = FloatVector.fromArray(S, s, so + 9 * ss);
    FloatVector r10 = FloatVector.fromArray(S, s, so + 10 * ss);
    FloatVector r11 = FloatVector.fromArray(S, s, so + 11 * ss);
    FloatVector r12 = FloatVector.fromArray(S, s, so + 12 * ss);
    FloatVector r13 = FloatVector.fromArray(S, s, so + 13 * ss);
    FloatVector r14 = FloatVector.fromArray(S, s, so + 14 * ss);
    FloatVector r15 = FloatVector.fromArray(S, s, so + 15 * ss);
    FloatVector t0_0 = lo.selectFrom(r0, r8);
    FloatVector t0_1 = hi.selectFrom(r0, r8);
    FloatVector t0_2 = lo.selectFrom(r1, r9);
    FloatVector t0_3 = hi.selectFrom(r1, r9);
    FloatVector t0_4 = lo.selectFrom(r2, r10);
    FloatVector t0_5 = hi.selectFrom(r2, r10);
    FloatVector t0_6 = lo.selectFrom(r3, r11);
    FloatVector t0_7 = hi.selectFrom(r3, r11);
    FloatVector t0_8 = lo.selectFrom(r4, r12);
    FloatVector t0_9 = hi.selectFrom(r4, r12);
    FloatVector t0_10 = lo.selectFrom(r5, r13);
    FloatVector t0_11 = hi.selectFrom(r5, r13);
    FloatVector t0_12 = lo.selectFrom(r6, r14);
    FloatVector t0_13 = hi.selectFrom(r6, r14);
    FloatVector t0_14 = lo.selectFrom(r7, r15);
    FloatVector t0_15 = hi.selectFrom(r7, r15);
    FloatVector t1_0 = lo.selectFrom(t0_0, t0_8);
    FloatVector t1_1 = hi.selectFrom(t0_0, t0_8);
    FloatVector t1_2 = lo.selectFrom(t0_1, t0_9);
    FloatVector t1_3 = hi.selectFrom(t0_1, t0_9);
    FloatVector t1_4 = lo.selectFrom(t0_2, t0_10);
    FloatVector t1_5 = hi.selectFrom(t0_2, t0_10);
    FloatVector t1_6 = lo.selectFrom(t0_3, t0_11);
    FloatVector t1_7 = hi.selectFrom(t0_3, t0_11);
    FloatVector t1_8 = lo.selectFrom(t0_4, t0_12);
    FloatVector t1_9 = hi.selectFrom(t0_4, t0_12);
    FloatVector t1_10 = lo.selectFrom(t0_5, t0_13);
    FloatVector t1_11 = hi.selectFrom(t0_5, t0_13);
    FloatVector t1_12 = lo.selectFrom(t0_6, t0_14);
    FloatVector t1_13 = hi.selectFrom(t0_6, t0_14);
    FloatVector t1_14 = lo.selectFrom(t0_7, t0_15);
    FloatVector t1_15 = hi.selectFrom(t0_7, t0_15);
    FloatVector t2_0 = lo.selectFrom(t1_0, t1_8);
    FloatVector t2_1 = hi.selectFrom(t1_0, t1_8);
    FloatVector t2_2 = lo.selectFrom(t1_1, t1_9);
    FloatVector t2_3 = hi.selectFrom(t1_1, t1_9);
    FloatVector t2_4 = lo.selectFrom(t1_2, t1_10);
    FloatVector t2_5 = hi.selectFrom(t1_2, t1_10);
    FloatVector t2_6 = lo.selectFrom(t1_3, t1_11);
    FloatVector t2_7 = hi.selectFrom(t1_3, t1_11);
    FloatVector t2_8 = lo.selectFrom(t1_4, t1_12);
    FloatVector t2_9 = hi.selectFrom(t1_4, t1_12);
    FloatVector t2_10 = lo.selectFrom(t1_5, t1_13);
    FloatVector t2_11 = hi.selectFrom(t1_5, t1_13);
    FloatVector t2_12 = lo.selectFrom(t1_6, t1_14);
    FloatVector t2_13 = hi.selectFrom(t1_6, t1_14);
    FloatVector t2_14 = lo.selectFrom(t1_7, t1_15);
    FloatVector t2_15 = hi.selectFrom(t1_7, t1_15);
    FloatVector t3_0 = lo.selectFrom(t2_0, t2_8);
    FloatVector t3_1 = hi.selectFrom(t2_0, t2_8);
    FloatVector t3_2 = lo.selectFrom(t2_1, t2_9);
    FloatVector t3_3 = hi.selectFrom(t2_1, t2_9);
    FloatVector t3_4 = lo.selectFrom(t2_2, t2_10);
    FloatVector t3_5 = hi.selectFrom(t2_2, t2_10);
    FloatVector t3_6 = lo.selectFrom(t2_3, t2_11);
    FloatVector t3_7 = hi.selectFrom(t2_3, t2_11);
    FloatVector t3_8 = lo.selectFrom(t2_4, t2_12);
    FloatVector t3_9 = hi.selectFrom(t2_4, t2_12);
    FloatVector t3_10 = lo.selectFrom(t2_5, t2_13);
    FloatVector t3_11 = hi.selectFrom(t2_5, t2_13);
    FloatVector t3_12 = lo.selectFrom(t2_6, t2_14);
    FloatVector t3_13 = hi.selectFrom(t2_6, t2_14);
    FloatVector t3_14 = lo.selectFrom(t2_7, t2_15);
    FloatVector t3_15 = hi.selectFrom(t2_7, t2_15);
    t3_0.intoArray(d, dOff + 0 * ds);
    t3_1.intoArray(d, dOff + 1 * ds);
    t3_2.intoArray(d, dOff + 2 * ds);
    t3_3.intoArray(d, dOff + 3 * ds);
    t3_4.intoArray(d, dOff + 4 * ds);
    t3_5.intoArray(d, dOff + 5 * ds);
    t3_6.intoArray(d, dOff + 6 * ds);
    t3_7.intoArray(d, dOff + 7 * ds);
    t3_8.intoArray(d, dOff + 8 * ds);
    t3_9.intoArray(d, dOff + 9 * ds);
    t3_10.intoArray(d, dOff + 10 * ds);
    t3_11.intoArray(d, dOff + 11 * ds);
    t3_12.intoArray(d, dOff + 12 * ds);
    t3_13.intoArray(d, dOff + 13 * ds);
    t3_14.intoArray(d, dOff + 14 * ds);
    t3_15.intoArray(d, dOff + 15 * ds);
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

package dev.grad4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The float32 Vector API kernel against a float64 triple loop, on every layout and edge size. */
class SgemmTest {

  private static float[] random(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  // Dense A [m, k] (or stored [k, m] when transA), B [k, n] (or [n, k] when transB), C [m, n].
  private static float[] run(
      int threads, int m, int n, int k, boolean transA, boolean transB, float[] a, float[] b) {
    float[] c = new float[Math.max(1, m * n)];
    java.util.Arrays.fill(c, Float.NaN);
    Sgemm.gemm(
        threads,
        1,
        m,
        n,
        k,
        a,
        0,
        0,
        transA ? 1 : k,
        transA ? m : 1,
        b,
        0,
        0,
        transB ? 1 : n,
        transB ? k : 1,
        c,
        0,
        m * n,
        n,
        1);
    return c;
  }

  private static void check(int m, int n, int k, boolean transA, boolean transB) {
    Random rnd = new Random(31L * m + 7L * n + k + (transA ? 1 : 0) + (transB ? 2 : 0));
    float[] a = random(rnd, m * k);
    float[] b = random(rnd, k * n);
    float[] c = run(1, m, n, k, transA, transB, a, b);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        double mag = 0;
        for (int p = 0; p < k; p++) {
          double x = transA ? a[p * m + i] : a[i * k + p];
          double y = transB ? b[j * k + p] : b[p * n + j];
          s += x * y;
          mag += Math.abs(x * y);
        }
        assertEquals(
            s,
            c[i * n + j],
            1e-5 * mag + 1e-6,
            "m=" + m + " n=" + n + " k=" + k + " tA=" + transA + " tB=" + transB + " at " + i + ","
                + j);
      }
    }
    // Every split of the work gives the same bits.
    for (int threads = 2; threads <= 4; threads++) {
      assertArrayEquals(
          c, run(threads, m, n, k, transA, transB, a, b), "threads=" + threads + " m=" + m);
    }
  }

  @Test
  void sizesThatAreNotMultiplesOfTheTile() {
    int[] sizes = {1, 5, 17, 63, 65, 100};
    for (int m : sizes) {
      for (int n : sizes) {
        check(m, n, 17, false, false);
      }
    }
    for (int k : new int[] {1, 5, 63, 511, 513, 1100}) {
      check(13, 70, k, false, false);
      check(7, 9, k, false, false);
    }
  }

  @Test
  void transposedOperandsInEveryCombination() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        check(65, 100, 33, ta, tb);
        check(100, 5, 513, ta, tb);
        check(5, 100, 511, ta, tb);
        check(64, 10, 512, ta, tb);
        check(10, 130, 64, ta, tb);
      }
    }
  }

  @Test
  void aLastRowPanelOfFewRowsGivesTheBitsOfAFullOne() {
    // Rows past the last full panel of 6 take a 4-row kernel: each of their elements must get the
    // bits it gets inside a full panel (here, the first m of 12 rows read in place or transposed).
    Random rnd = new Random(23);
    int n = 130;
    for (int k : new int[] {64, 1030}) {
      for (boolean ta : new boolean[] {false, true}) {
        float[] a = random(rnd, 12 * k);
        float[] b = random(rnd, k * n);
        int rsA = ta ? 1 : k;
        int csA = ta ? 12 : 1;
        float[] full = new float[12 * n];
        Sgemm.gemm(1, 1, 12, n, k, a, 0, 0, rsA, csA, b, 0, 0, n, 1, full, 0, 0, n, 1);
        for (int m = 7; m <= 10; m++) {
          float[] c = new float[m * n];
          Sgemm.gemm(1, 1, m, n, k, a, 0, 0, rsA, csA, b, 0, 0, n, 1, c, 0, 0, n, 1);
          assertArrayEquals(
              java.util.Arrays.copyOf(full, m * n), c, "m=" + m + " k=" + k + " tA=" + ta);
        }
      }
    }
  }

  @Test
  void largerProductsSplitIdentically() {
    check(200, 300, 520, false, false);
    check(300, 17, 200, true, false);
    check(64, 512, 100, false, true);
  }

  @Test
  void addingToCMatchesTheKBlocksOfOneProduct() {
    // C = A1 B1, then C += A2 B2: the float64 sum of both products, and the same bits for every
    // split of the work.
    Random rnd = new Random(17);
    for (int[] mnk : new int[][] {{13, 70, 300}, {64, 9, 676}, {9, 64, 121}, {6, 64, 1}}) {
      int m = mnk[0];
      int n = mnk[1];
      int k = mnk[2];
      float[] a = random(rnd, 2 * m * k);
      float[] b = random(rnd, 2 * k * n);
      float[][] results = new float[3][];
      for (int threads = 1; threads <= 3; threads++) {
        float[] c = new float[m * n];
        for (int half = 0; half < 2; half++) {
          Sgemm.gemm(
              threads,
              half > 0,
              1,
              m,
              n,
              k,
              a,
              half * m * k,
              0,
              k,
              1,
              b,
              half * k * n,
              0,
              n,
              1,
              c,
              0,
              0,
              n,
              1);
        }
        results[threads - 1] = c;
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          for (int half = 0; half < 2; half++) {
            for (int p = 0; p < k; p++) {
              sum += (double) a[half * m * k + i * k + p] * b[half * k * n + p * n + j];
            }
          }
          assertEquals(sum, results[0][i * n + j], 1e-4 * Math.sqrt(k), "m=" + m + " at " + i);
        }
      }
      assertArrayEquals(results[0], results[1]);
      assertArrayEquals(results[0], results[2]);
    }
  }

  @Test
  void addingWithAnEmptyInnerDimensionLeavesC() {
    float[] c = {1, 2, 3, 4};
    Sgemm.gemm(
        1, true, 1, 2, 2, 0, new float[0], 0, 0, 0, 1, new float[0], 0, 0, 2, 1, c, 0, 0, 2, 1);
    assertArrayEquals(new float[] {1, 2, 3, 4}, c);
  }

  @Test
  void zeroInnerDimensionGivesZeros() {
    float[] c = run(1, 7, 70, 0, false, false, new float[0], new float[0]);
    for (int i = 0; i < 7 * 70; i++) {
      assertEquals(0f, c[i]);
    }
  }

  @Test
  void broadcastBatchWithStrideZeroAndStridedOutput() {
    Random rnd = new Random(5);
    int batch = 3;
    int m = 9;
    int n = 37;
    int k = 20;
    float[] a = random(rnd, batch * m * k);
    float[] b = random(rnd, k * n); // shared by every batch (stride 0)
    // Output written transposed into [batch, n, m] storage: C(i, j) at t*m*n + j*m + i.
    float[] c = new float[batch * m * n];
    Sgemm.gemm(2, batch, m, n, k, a, 0, m * k, k, 1, b, 0, 0, n, 1, c, 0, m * n, 1, m);
    for (int t = 0; t < batch; t++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += (double) a[t * m * k + i * k + p] * b[p * n + j];
          }
          assertEquals(s, c[t * m * n + j * m + i], 1e-4);
        }
      }
    }
  }

  @Test
  void narrowProductsInEveryLayout() {
    // n at most the lane count takes the narrow kernel; m not a multiple of its rows.
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (int n : new int[] {1, 3, 10, 16}) {
          check(64, n, 512, ta, tb);
          check(37, n, 70, ta, tb);
          check(512, n, 64, ta, tb);
        }
      }
    }
  }

  @Test
  void skinnyAndLongProductsInEveryLayout() {
    // The MLP's batch-64 shapes: a small k, an m of 10, and k running over two blocks.
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        check(64, 130, 10, ta, tb);
        check(10, 130, 64, ta, tb);
        check(64, 129, 784, ta, tb);
        check(70, 200, 1030, ta, tb);
      }
    }
  }

  @Test
  void transposeCopyMatchesTheDefinitionOnBlocksAndEdges() {
    Random rnd = new Random(11);
    int[][] cases = {
      {16, 16}, {33, 50}, {64, 10}, {10, 64}, {5, 3}, {48, 32}, {10, 512}, {1, 17}, {17, 1},
      {31, 47}
    };
    for (int[] size : cases) {
      int xs = size[0];
      int ys = size[1];
      for (boolean contiguousX : new boolean[] {true, false}) {
        int sx = contiguousX ? 1 : ys + 3;
        int sy = contiguousX ? xs + 5 : 1;
        float[] src = random(rnd, 7 + (xs - 1) * sx + (ys - 1) * sy + 1);
        int dStride = ys + 2;
        float[] dst = new float[4 + xs * dStride];
        java.util.Arrays.fill(dst, Float.NaN);
        Sgemm.transposeCopy(src, 7, sx, sy, dst, 4, dStride, xs, ys);
        for (int x = 0; x < xs; x++) {
          for (int y = 0; y < ys; y++) {
            assertEquals(
                src[7 + x * sx + y * sy], dst[4 + x * dStride + y], "xs=" + xs + " ys=" + ys);
          }
          for (int y = ys; y < dStride && 4 + x * dStride + y < dst.length; y++) {
            assertEquals(Float.NaN, dst[4 + x * dStride + y], "written outside at " + x + "," + y);
          }
        }
      }
    }
  }

  @Test
  void stridedOutputAndSwappedOperandsAgreeWithTheReference() {
    // Output transposed in storage (column stride m) with each operand layout, including the
    // shapes where computing C^T = B^T A^T is chosen.
    Random rnd = new Random(9);
    int[][] shapes = {{512, 10, 64}, {10, 512, 64}, {64, 512, 10}, {70, 90, 600}};
    for (int[] shape : shapes) {
      int m = shape[0];
      int n = shape[1];
      int k = shape[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          float[] a = random(rnd, m * k);
          float[] b = random(rnd, k * n);
          float[] c = new float[m * n];
          float[] c2 = new float[m * n];
          int rsA = ta ? 1 : k;
          int csA = ta ? m : 1;
          int rsB = tb ? 1 : n;
          int csB = tb ? k : 1;
          Sgemm.gemm(1, 1, m, n, k, a, 0, 0, rsA, csA, b, 0, 0, rsB, csB, c, 0, 0, 1, m);
          Sgemm.gemm(2, 1, m, n, k, a, 0, 0, rsA, csA, b, 0, 0, rsB, csB, c2, 0, 0, 1, m);
          assertArrayEquals(c, c2, "threads m=" + m + " n=" + n + " k=" + k);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double s = 0;
              double mag = 0;
              for (int p = 0; p < k; p++) {
                double x = a[i * rsA + p * csA];
                double y = b[p * rsB + j * csB];
                s += x * y;
                mag += Math.abs(x * y);
              }
              assertEquals(s, c[j * m + i], 1e-5 * mag + 1e-6, "m=" + m + " n=" + n + " k=" + k);
            }
          }
        }
      }
    }
  }

  @Test
  void swappedProductsWrittenThroughScratchGiveTheBitsOfTheDirectLayout() {
    // A [m, k] times B stored [n, k] (a linear layer's x W^T) is computed as C^T = W x^T into
    // scratch and transposed into C, here with batches, offsets, padded output rows and several k
    // blocks; the bits must be those of the same product with B stored [k, n], which is not
    // swapped, for every thread count.
    Random rnd = new Random(41);
    int[][] shapes = {{64, 512, 784}, {20, 200, 300}, {40, 130, 1100}, {33, 200, 64}};
    for (int[] shape : shapes) {
      int m = shape[0];
      int n = shape[1];
      int k = shape[2];
      assertEquals(
          true,
          Sgemm.shouldSwap(m, n, k, k, 1, 1, k, n, 1, true),
          "shape " + m + "x" + n + "x" + k + " no longer takes the swapped path");
      int batch = 2;
      int rsC = n + 3;
      float[] a = random(rnd, 1 + batch * m * k);
      float[] bt = random(rnd, 2 + batch * n * k);
      float[] b = new float[2 + batch * k * n];
      for (int t = 0; t < batch; t++) {
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < k; p++) {
            b[2 + t * k * n + p * n + j] = bt[2 + t * n * k + j * k + p];
          }
        }
      }
      int bsC = m * rsC + 5;
      float[] direct = new float[3 + batch * bsC];
      Sgemm.gemm(1, batch, m, n, k, a, 1, m * k, k, 1, b, 2, k * n, n, 1, direct, 3, bsC, rsC, 1);
      for (int threads = 1; threads <= 3; threads++) {
        float[] swapped = new float[direct.length];
        Sgemm.gemm(
            threads, batch, m, n, k, a, 1, m * k, k, 1, bt, 2, n * k, 1, k, swapped, 3, bsC, rsC,
            1);
        assertArrayEquals(direct, swapped, m + "x" + n + "x" + k + " threads=" + threads);
      }
    }
  }

  // C = A B for batch matrices at offsets, A [m, k] contiguous along k, B [k, n] stored [n, k]
  // (transB) or [k, n], C written with row stride rsC and column stride csC.
  private static float[] dotCase(
      int threads, int batch, int m, int n, int k, boolean transB, int rsC, int csC, long seed) {
    Random rnd = new Random(seed);
    float[] a = random(rnd, 3 + batch * m * k);
    float[] b = random(rnd, 5 + batch * k * n);
    float[] c = new float[2 + batch * m * n];
    java.util.Arrays.fill(c, Float.NaN);
    Sgemm.gemm(
        threads,
        batch,
        m,
        n,
        k,
        a,
        3,
        m * k,
        k,
        1,
        b,
        5,
        k * n,
        transB ? 1 : n,
        transB ? k : 1,
        c,
        2,
        m * n,
        rsC,
        csC);
    for (int t = 0; t < batch; t++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          double mag = 0;
          for (int p = 0; p < k; p++) {
            double x = a[3 + t * m * k + i * k + p];
            double y = b[5 + t * k * n + (transB ? j * k + p : p * n + j)];
            s += x * y;
            mag += Math.abs(x * y);
          }
          assertEquals(
              s,
              c[2 + t * m * n + i * rsC + j * csC],
              1e-5 * mag + 1e-6,
              "m="
                  + m
                  + " n="
                  + n
                  + " k="
                  + k
                  + " transB="
                  + transB
                  + " at "
                  + t
                  + ","
                  + i
                  + ","
                  + j);
        }
      }
    }
    return c;
  }

  @Test
  void dotProductPathWithBatchesOffsetsAndStridedOutput() {
    // Both operands contiguous along k (or B copied so) and n or m at most 16: the dot-product
    // path, in both orientations, with k tails, partial 4 x 4 tiles and an output written
    // transposed in storage. Every thread count gives the same bits.
    int[][] shapes = {{64, 10, 512}, {37, 16, 300}, {10, 64, 512}, {5, 45, 257}, {33, 1, 256}};
    for (int[] s : shapes) {
      for (boolean transB : new boolean[] {false, true}) {
        for (boolean transposedC : new boolean[] {false, true}) {
          int m = s[0];
          int n = s[1];
          int rsC = transposedC ? 1 : n;
          int csC = transposedC ? m : 1;
          float[] c = dotCase(1, 2, m, n, s[2], transB, rsC, csC, m + 7L * n);
          for (int threads = 2; threads <= 4; threads++) {
            assertArrayEquals(
                c,
                dotCase(threads, 2, m, n, s[2], transB, rsC, csC, m + 7L * n),
                "threads=" + threads + " m=" + m + " n=" + n);
          }
        }
      }
    }
  }

  @Test
  void dotProductResultsDoNotDependOnTheOtherRows() {
    // Rows past the last full 4 x 4 tile repeat the last row: the first 20 rows of a 23-row
    // product must be bit-identical to the 20-row product.
    int n = 10;
    int k = 300;
    float[] c23 = dotCase(1, 1, 23, n, k, true, n, 1, 3);
    Random rnd = new Random(3);
    float[] a = random(rnd, 3 + 23 * k);
    float[] b = random(rnd, 5 + k * n);
    float[] c = new float[2 + 20 * n];
    // Same A rows (the first 20 of the 23) and the same B as c23.
    Sgemm.gemm(1, 1, 20, n, k, a, 3, 0, k, 1, b, 5, 0, 1, k, c, 2, 0, n, 1);
    assertArrayEquals(
        java.util.Arrays.copyOfRange(c23, 2, 2 + 20 * n),
        java.util.Arrays.copyOfRange(c, 2, 2 + 20 * n));
  }
}

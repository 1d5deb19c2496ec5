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
  void largerProductsSplitIdentically() {
    check(200, 300, 520, false, false);
    check(300, 17, 200, true, false);
    check(64, 512, 100, false, true);
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
}

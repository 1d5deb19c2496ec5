package dev.grad4j.backend.cpu;

/**
 * Dense row-major matrix-product loops. Rows {@code [i0, i1)} of {@code C = A B} with A [m, k] at
 * {@code aOff}, B [k, n] at {@code bOff}, C [m, n] at {@code cOff}. The i-k-j order keeps the inner
 * loop a contiguous axpy that the JIT vectorises.
 */
final class MatmulKernels {
  private MatmulKernels() {}

  static void rowsFloat(
      float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int i0, int i1, int k, int n) {
    for (int i = i0; i < i1; i++) {
      int cRow = cOff + i * n;
      java.util.Arrays.fill(c, cRow, cRow + n, 0f);
      int aRow = aOff + i * k;
      for (int p = 0; p < k; p++) {
        float aip = a[aRow + p];
        int bRow = bOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cRow + j] += aip * b[bRow + j];
        }
      }
    }
  }

  static void rowsDouble(
      double[] a,
      int aOff,
      double[] b,
      int bOff,
      double[] c,
      int cOff,
      int i0,
      int i1,
      int k,
      int n) {
    for (int i = i0; i < i1; i++) {
      int cRow = cOff + i * n;
      java.util.Arrays.fill(c, cRow, cRow + n, 0.0);
      int aRow = aOff + i * k;
      for (int p = 0; p < k; p++) {
        double aip = a[aRow + p];
        int bRow = bOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cRow + j] += aip * b[bRow + j];
        }
      }
    }
  }
}

package dev.grad4j;

import static dev.grad4j.Expect.shape;
import static dev.grad4j.Expect.t;
import static dev.grad4j.Expect.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** matmul against a naive triple loop, for every operand rank and layout. */
class MatmulTest {

  /** Naive [..., m, k] x [..., k, n] with broadcast batch dims; both operands rank >= 2. */
  private static double[] naive(Tensor a, Tensor b, int[] outShape) {
    int rank = outShape.length;
    int m = outShape[rank - 2];
    int n = outShape[rank - 1];
    int k = a.size(-1);
    int total = Shapes.numel(outShape);
    double[] out = new double[total];
    int[] idx = new int[rank];
    for (int flat = 0; flat < total; flat++) {
      int rem = flat;
      for (int d = rank - 1; d >= 0; d--) {
        idx[d] = rem % outShape[d];
        rem /= outShape[d];
      }
      double s = 0;
      for (int p = 0; p < k; p++) {
        s +=
            a.get(operandIndex(a, idx, idx[rank - 2], p))
                * b.get(operandIndex(b, idx, p, idx[rank - 1]));
      }
      out[flat] = s;
    }
    assertEquals(m * n * (total / Math.max(1, m * n)), total);
    return out;
  }

  // The operand's index for output position idx (batch dims broadcast from the right).
  private static int[] operandIndex(Tensor t, int[] idx, int row, int col) {
    int r = t.dim();
    int[] out = new int[r];
    int lead = idx.length - r;
    for (int d = 0; d < r - 2; d++) {
      out[d] = t.size(d) == 1 ? 0 : idx[d + lead];
    }
    out[r - 2] = row;
    out[r - 1] = col;
    return out;
  }

  private static int[] batchShape(Tensor a, Tensor b) {
    int[] ba = Arrays.copyOf(a.shape(), a.dim() - 2);
    int[] bb = Arrays.copyOf(b.shape(), b.dim() - 2);
    int[] batch = Shapes.broadcast("test", ba, bb);
    int[] out = Arrays.copyOf(batch, batch.length + 2);
    out[batch.length] = a.size(-2);
    out[batch.length + 1] = b.size(-1);
    return out;
  }

  private static void check(Tensor a, Tensor b) {
    Tensor got = a.matmul(b);
    int[] outShape = batchShape(a, b);
    assertArrayEquals(outShape, got.shape());
    double tol = got.dtype() == DType.FLOAT64 ? 1e-10 : 1e-4;
    assertArrayEquals(naive(a, b, outShape), got.toDoubleArray(), tol);
  }

  private static Tensor randn(Generator g, int... shape) {
    return Tensor.normal(g, 0, 1, DType.FLOAT64, shape);
  }

  @Test
  void matchesTheNaiveLoopOnRandomShapes() {
    Generator g = new Generator(11);
    for (int trial = 0; trial < 30; trial++) {
      int m = 1 + g.nextInt(7);
      int k = 1 + g.nextInt(7);
      int n = 1 + g.nextInt(7);
      check(randn(g, m, k), randn(g, k, n));
    }
  }

  @Test
  void transposedAndNarrowedOperands() {
    Generator g = new Generator(12);
    Tensor a = randn(g, 5, 4);
    Tensor b = randn(g, 3, 5);
    check(a.t(), b.t()); // [4,5] x [5,3], both non-contiguous
    check(a.t(), randn(g, 5, 2));
    check(randn(g, 2, 4), a.narrow(0, 1, 4).t()); // transposed, with an offset
    Tensor wide = randn(g, 6, 9);
    check(wide.narrow(1, 2, 4), randn(g, 4, 3)); // an offset, and rows with gaps
    check(randn(g, 3, 6), wide.narrow(1, 3, 5));
    check(randn(g, 3, 1).expand(3, 4), randn(g, 4, 2)); // stride-0 columns
  }

  @Test
  void batchedWithBroadcastBatchDims() {
    Generator g = new Generator(13);
    check(randn(g, 2, 1, 3, 4), randn(g, 5, 4, 2));
    check(randn(g, 3, 4), randn(g, 2, 4, 5));
    check(randn(g, 2, 3, 4), randn(g, 4, 5));
    check(randn(g, 1, 3, 4), randn(g, 6, 1, 4, 2));
    check(randn(g, 3, 2, 4).transpose(0, 1), randn(g, 2, 4, 3)); // batch dim not outermost
    check(randn(g, 2, 4, 3).transpose(-1, -2), randn(g, 2, 4, 2));
  }

  @Test
  void largeEnoughToSplitAcrossThreads() {
    Generator g = new Generator(14);
    // 5*37 rows of 48x64: the work is split mid-batch when the pool has several threads.
    check(randn(g, 5, 37, 48), randn(g, 48, 64));
    check(randn(g, 5, 37, 48).to(DType.FLOAT32), randn(g, 5, 48, 64).to(DType.FLOAT32));
  }

  @Test
  void vectorOperands() {
    Tensor v = Tensor.vector(1.0, 2, 3);
    Tensor m = t(shape(3, 2), 1, 2, 3, 4, 5, 6);
    values(v.matmul(v), shape(), 14);
    values(v.matmul(m), shape(2), 22, 28);
    values(m.t().matmul(v), shape(2), 22, 28);
    Tensor batch = Tensor.arange(DType.FLOAT64, 0, 12, 1).reshape(2, 3, 2);
    values(v.matmul(batch), shape(2, 2), 16, 22, 52, 58);
    values(batch.transpose(1, 2).matmul(v), shape(2, 2), 16, 22, 52, 58);
  }

  @Test
  void emptyInnerDimGivesZeros() {
    values(
        Tensor.zeros(DType.FLOAT64, 2, 0).matmul(Tensor.zeros(DType.FLOAT64, 0, 3)),
        shape(2, 3),
        0,
        0,
        0,
        0,
        0,
        0);
  }

  @Test
  void float32AndMixedDtypes() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = t(shape(2, 1), 0.5, 0.25);
    Tensor c = a.matmul(b);
    assertEquals(DType.FLOAT64, c.dtype());
    values(c, shape(2, 1), 1, 2.5);
    assertEquals(DType.FLOAT32, a.matmul(a).dtype());
    values(a.matmul(a), shape(2, 2), 7, 10, 15, 22);
  }

  @Test
  void gradientsOfABatchedBroadcastProductHaveTheInputShapes() {
    Generator g = new Generator(15);
    Tensor a = randn(g, 2, 1, 3, 4).requiresGrad(true);
    Tensor b = randn(g, 5, 4, 2).requiresGrad(true);
    a.matmul(b).sum().backward();
    assertArrayEquals(shape(2, 1, 3, 4), a.grad().shape());
    assertArrayEquals(shape(5, 4, 2), b.grad().shape());
    // d sum(AB) / dA[.., i, p] = sum over the broadcast batch and columns of B[.., p, :].
    double[] bRowSums = b.sum(new int[] {0, 2}, false).toDoubleArray();
    double[] ga = a.grad().toDoubleArray();
    for (int i = 0; i < ga.length; i++) {
      assertEquals(bRowSums[i % 4], ga[i], 1e-10);
    }
  }
}

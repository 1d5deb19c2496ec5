package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Assertions on tensor contents shared by the op tests. */
final class Expect {
  private Expect() {}

  /** A float64 tensor from row-major values. */
  static Tensor t(int[] shape, double... values) {
    return Tensor.of(values, shape);
  }

  static int[] shape(int... dims) {
    return dims;
  }

  /** Checks shape and values (to 1e-12 for float64, 1e-6 relative for float32). */
  static void values(Tensor actual, int[] shape, double... expected) {
    assertArrayEquals(shape, actual.shape(), "shape");
    double[] got = actual.toDoubleArray();
    assertEquals(expected.length, got.length, "element count");
    double tol = actual.dtype() == DType.FLOAT64 ? 1e-12 : 1e-6;
    for (int i = 0; i < got.length; i++) {
      if (Double.isNaN(expected[i]) || Double.isInfinite(expected[i])) {
        assertEquals(expected[i], got[i], "element " + i);
      } else {
        assertEquals(expected[i], got[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i);
      }
    }
  }

  /** Gradient of {@code f(x).sum()} at the float64 vector {@code x}. */
  static Tensor gradOfSum(java.util.function.UnaryOperator<Tensor> f, double... x) {
    Tensor leaf = Tensor.vector(x).requiresGrad(true);
    f.apply(leaf).sum().backward();
    return leaf.grad();
  }
}

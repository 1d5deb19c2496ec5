package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** toString: values, shape, dtype, the op that made the tensor, and abbreviation of big ones. */
class TensorFormatterTest {

  @Test
  void vectorsMatricesAndScalars() {
    assertEquals(
        "tensor([1., 2.5000, -3.], shape=[3], dtype=float32)",
        Tensor.vector(1f, 2.5f, -3f).toString());
    assertEquals(
        "tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float64)",
        Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).toString());
    assertEquals("tensor(3., shape=[], dtype=float64)", Tensor.scalar(3, DType.FLOAT64).toString());
    assertEquals("tensor([], shape=[0], dtype=float32)", Tensor.zeros(0).toString());
  }

  @Test
  void specialAndExtremeNumbers() {
    assertEquals(
        "tensor([1.0000e-05, NaN, -Infinity, 1.2346e+10], shape=[4], dtype=float64)",
        Tensor.vector(1e-5, Double.NaN, Double.NEGATIVE_INFINITY, 12345678901.0).toString());
  }

  @Test
  void showsTheGradFnOrRequiresGrad() {
    Tensor x = Tensor.vector(1.0, 2).requiresGrad(true);
    assertEquals("tensor([1., 2.], shape=[2], dtype=float64, requiresGrad=true)", x.toString());
    assertEquals("tensor([2., 4.], shape=[2], dtype=float64, gradFn=mul)", x.mul(2).toString());
    assertTrue(x.reshape(1, 2).matmul(x.reshape(2, 1)).toString().endsWith("gradFn=matmul)"));
    assertTrue(x.sum().toString().endsWith("gradFn=sum)"));
    assertFalse(x.detach().toString().contains("grad"));
  }

  @Test
  void abbreviatesTensorsOfMoreThanAThousandElements() {
    String big = Tensor.arange(1001).toString();
    assertEquals("tensor([0., 1., 2., ..., 998., 999., 1000.], shape=[1001], dtype=float32)", big);
    assertFalse(Tensor.arange(1000).toString().contains("..."), "1000 elements are all shown");
    String matrix = Tensor.arange(2000).reshape(20, 100).toString();
    assertTrue(matrix.startsWith("tensor([[0., 1., 2., ..., 97., 98., 99.],\n"), matrix);
    assertTrue(matrix.contains("\n        ...,\n"), matrix);
    assertTrue(matrix.endsWith("1997., 1998., 1999.]], shape=[20, 100], dtype=float32)"), matrix);
    assertTrue(matrix.length() < 600, "summarised output stays short");
  }
}

package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PoolingTest {

  /** kernel h, w; stride h, w; padding h, w (at most half the kernel); dilation h, w. */
  static final int[][] MAX_GEOMETRIES = {
    {2, 2, 2, 2, 0, 0, 1, 1},
    {3, 3, 1, 1, 1, 1, 1, 1},
    {3, 2, 2, 1, 1, 1, 1, 1},
    {3, 3, 2, 2, 1, 1, 2, 2},
    {2, 2, 1, 1, 1, 0, 2, 1},
    {1, 1, 1, 1, 0, 0, 1, 1},
    {4, 3, 3, 2, 2, 1, 1, 1}
  };

  static Tensor distinct(Generator gen, int... shape) {
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    return Tensor.randperm(gen, n).sub((n - 1) / 2.0).mul(0.37).reshape(shape);
  }

  static int[] k(int[] g) {
    return new int[] {g[0], g[1]};
  }

  static int[] s(int[] g) {
    return new int[] {g[2], g[3]};
  }

  static int[] p(int[] g) {
    return new int[] {g[4], g[5]};
  }

  static int[] d(int[] g) {
    return new int[] {g[6], g[7]};
  }

  // ---------------------------------------------------------------- max

  @Test
  void maxPoolMatchesTheNestedLoopDefinition() {
    Generator gen = new Generator(21);
    for (int[] g : MAX_GEOMETRIES) {
      Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, 2, 3, 7, 8);
      Tensor actual = new MaxPool2d(k(g), s(g), p(g), d(g)).forward(x);
      Tensor expected = Reference.pool(x, g, true, true);
      assertArrayEquals(expected.shape(), actual.shape(), Arrays.toString(g));
      assertTrue(actual.allClose(expected, 0, 0), Arrays.toString(g));
    }
  }

  @Test
  void maxPoolPadsWithMinusInfinity() {
    Tensor x = Tensor.full(DType.FLOAT64, -5, 1, 1, 2, 2);
    Tensor y = Functional.maxPool2d(x, 2, 1, 1, 1);
    assertArrayEquals(new double[] {-5, -5, -5, -5, -5, -5, -5, -5, -5}, y.toDoubleArray(), 0);
  }

  @Test
  void maxPoolSendsTheGradientOfAnAllMinusInfinityWindowToItsFirstRealPosition() {
    // Every window of a 2x2 image of -inf padded by 1 (kernel 2, stride 1) holds only -inf; as in
    // PyTorch, each window's gradient goes to its first position inside the image, never to the
    // padding, so none of it is lost: (0,0) is first in four windows, (0,1) and (1,0) in two each.
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Tensor x = Tensor.full(dtype, Double.NEGATIVE_INFINITY, 1, 1, 2, 2).requiresGrad(true);
      Tensor y = Functional.maxPool2d(x, 2, 1, 1, 1);
      double[] minusInfinity = new double[9];
      Arrays.fill(minusInfinity, Double.NEGATIVE_INFINITY);
      assertArrayEquals(minusInfinity, y.toDoubleArray(), 0, dtype.toString());
      y.sum().backward();
      assertArrayEquals(new double[] {4, 2, 2, 1}, x.grad().toDoubleArray(), 0, dtype.toString());
    }
  }

  @Test
  void maxPoolSendsTheGradientToTheFirstMaximumOfATie() {
    // One 2x2 window of four equal values: everything goes to the top-left one.
    Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 2, 2).requiresGrad(true);
    Functional.maxPool2d(x, 2).sum().backward();
    assertArrayEquals(new double[] {1, 0, 0, 0}, x.grad().toDoubleArray(), 0);
    // A tie between (0, 1) and (1, 0): row-major order picks (0, 1).
    Tensor y = Tensor.of(new double[] {0, 2, 2, 1}, 1, 1, 2, 2).requiresGrad(true);
    Functional.maxPool2d(y, 2).mul(3).sum().backward();
    assertArrayEquals(new double[] {0, 3, 0, 0}, y.grad().toDoubleArray(), 0);
    // Overlapping windows (stride 1) whose maximum is the same element add up there.
    Tensor z = Tensor.of(new double[] {0, 0, 0, 0, 9, 0, 0, 0, 0}, 1, 1, 3, 3).requiresGrad(true);
    Functional.maxPool2d(z, 2, 1, 0, 1).sum().backward();
    assertArrayEquals(new double[] {0, 0, 0, 0, 4, 0, 0, 0, 0}, z.grad().toDoubleArray(), 0);
  }

  @Test
  void maxPoolPropagatesNaN() {
    Tensor x = Tensor.of(new double[] {1, Double.NaN, 3, 4}, 1, 1, 2, 2);
    assertTrue(Double.isNaN(Functional.maxPool2d(x, 2).item()));
  }

  @Test
  void maxPoolPassesGradCheck() {
    Generator gen = new Generator(22);
    for (int[] g : new int[][] {MAX_GEOMETRIES[1], MAX_GEOMETRIES[3], MAX_GEOMETRIES[2]}) {
      GradCheck.assertPasses(
          in -> Functional.maxPool2d(in[0], k(g), s(g), p(g), d(g)), distinct(gen, 1, 2, 5, 6));
    }
    GradCheck.assertSecondOrderPasses(
        in -> Functional.maxPool2d(in[0], 2, 1, 0, 1).square(), distinct(gen, 1, 1, 3, 3));
  }

  @Test
  void maxPoolDefaultsAndUnbatchedInput() {
    Tensor x = Tensor.randn(new Generator(23), 3, 6, 6);
    Tensor y = new MaxPool2d(2).forward(x);
    assertArrayEquals(new int[] {3, 3, 3}, y.shape());
    assertTrue(y.allClose(Functional.maxPool2d(x.unsqueeze(0), 2).squeeze(0), 0, 0));
    assertEquals("MaxPool2d(kernel=2, stride=2)", new MaxPool2d(2).toString());
  }

  @Test
  void maxPoolErrorsNameTheLayer() {
    IllegalArgumentException pad =
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 1, 2));
    assertEquals("MaxPool2d: padding 2 must be at most half the kernel 3", pad.getMessage());
    IllegalArgumentException big =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MaxPool2d(3).forward(Tensor.zeros(1, 1, 2, 4)));
    assertEquals(
        "MaxPool2d: kernel 3x3 spans 3x3, larger than the input [1, 1, 2, 4] padded by 0x0 (2x4)",
        big.getMessage());
    IllegalArgumentException rank =
        assertThrows(
            IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Tensor.zeros(4, 4)));
    assertEquals(
        "MaxPool2d: expected input [N, C, H, W] or [C, H, W], got [4, 4]", rank.getMessage());
  }

  // ---------------------------------------------------------------- average

  @Test
  void avgPoolMatchesTheNestedLoopDefinition() {
    Generator gen = new Generator(24);
    for (int[] g : MAX_GEOMETRIES) {
      if (g[6] != 1 || g[7] != 1) {
        continue; // average pooling has no dilation
      }
      for (boolean include : new boolean[] {true, false}) {
        Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, 2, 3, 7, 8);
        Tensor actual = new AvgPool2d(k(g), s(g), p(g), include).forward(x);
        Tensor expected = Reference.pool(x, g, false, include);
        assertArrayEquals(expected.shape(), actual.shape(), Arrays.toString(g));
        assertTrue(actual.allClose(expected, 1e-12, 1e-12), Arrays.toString(g) + " " + include);
      }
    }
  }

  @Test
  void avgPoolCountsPaddingByDefault() {
    // A 2x2 image of ones, kernel 3, padding 1: each window holds 4 ones and 5 padded zeros.
    Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 2, 2);
    assertArrayEquals(
        new double[] {4 / 9.0, 4 / 9.0, 4 / 9.0, 4 / 9.0},
        new AvgPool2d(3, 1, 1).forward(x).toDoubleArray(),
        1e-15);
    assertArrayEquals(
        new double[] {1, 1, 1, 1},
        Functional.avgPool2d(x, new int[] {3}, new int[] {1}, new int[] {1}, false).toDoubleArray(),
        1e-15);
  }

  @Test
  void avgPoolPassesGradCheck() {
    Generator gen = new Generator(25);
    for (boolean include : new boolean[] {true, false}) {
      GradCheck.assertPasses(
          in ->
              Functional.avgPool2d(
                  in[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1}, include),
          Tensor.normal(gen, 0, 1, DType.FLOAT64, 1, 2, 5, 4));
    }
  }

  @Test
  void avgPoolErrorsNameTheLayer() {
    IllegalArgumentException pad =
        assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(2, 2, 2));
    assertEquals("AvgPool2d: padding 2 must be at most half the kernel 2", pad.getMessage());
    IllegalArgumentException big =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AvgPool2d(4).forward(Tensor.zeros(2, 3, 3, 3)));
    assertTrue(big.getMessage().startsWith("AvgPool2d: kernel 4x4"), big.getMessage());
  }

  // ---------------------------------------------------------------- adaptive

  @Test
  void adaptiveAvgPoolUsesPyTorchsBins() {
    Generator gen = new Generator(26);
    int[][] cases = {{7, 8, 3, 3}, {5, 5, 2, 5}, {3, 3, 4, 4}, {6, 4, 6, 4}, {9, 10, 1, 1}};
    for (int[] c : cases) {
      Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, 2, 3, c[0], c[1]);
      Tensor actual = new AdaptiveAvgPool2d(c[2], c[3]).forward(x);
      assertArrayEquals(new int[] {2, 3, c[2], c[3]}, actual.shape());
      assertTrue(
          actual.allClose(Reference.adaptiveAvgPool(x, c[2], c[3]), 1e-12, 1e-12),
          Arrays.toString(c));
    }
    Tensor x = Tensor.randn(gen, 2, 3, 5, 7);
    assertTrue(
        new AdaptiveAvgPool2d(1).forward(x).allClose(x.mean(new int[] {2, 3}, true), 1e-6, 1e-6),
        "global average pooling");
    assertArrayEquals(
        new int[] {3, 2, 2}, new AdaptiveAvgPool2d(2).forward(x.select(0, 0)).shape());
  }

  @Test
  void adaptiveAvgPoolPassesGradCheck() {
    Generator gen = new Generator(27);
    GradCheck.assertPasses(
        in -> Functional.adaptiveAvgPool2d(in[0], 2, 3),
        Tensor.normal(gen, 0, 1, DType.FLOAT64, 1, 2, 5, 4));
  }

  @Test
  void adaptiveAvgPoolErrors() {
    IllegalArgumentException size =
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(0, 2));
    assertEquals("AdaptiveAvgPool2d: output size must be positive, got 0x2", size.getMessage());
    IllegalArgumentException rank =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AdaptiveAvgPool2d(2).forward(Tensor.zeros(3, 4)));
    assertEquals(
        "AdaptiveAvgPool2d: expected input [N, C, H, W] or [C, H, W], got [3, 4]",
        rank.getMessage());
  }
}

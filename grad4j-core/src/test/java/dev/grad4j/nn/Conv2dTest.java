package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class Conv2dTest {

  /** kernel h, w; stride h, w; padding h, w; dilation h, w. */
  static final int[][] GEOMETRIES = {
    {3, 3, 1, 1, 0, 0, 1, 1},
    {3, 3, 2, 2, 1, 1, 1, 1},
    {2, 3, 1, 2, 0, 1, 1, 1},
    {3, 2, 2, 1, 2, 1, 2, 1},
    {1, 1, 1, 1, 0, 0, 1, 1},
    {3, 3, 3, 2, 1, 2, 2, 2},
    {5, 5, 1, 1, 2, 2, 1, 1}
  };

  static Tensor f64(Generator gen, int... shape) {
    return Tensor.normal(gen, 0, 1, DType.FLOAT64, shape);
  }

  static Tensor conv(Tensor x, Tensor w, Tensor b, int[] g, int groups) {
    return Functional.conv2d(
        x, w, b, new int[] {g[2], g[3]}, new int[] {g[4], g[5]}, new int[] {g[6], g[7]}, groups);
  }

  @Test
  void matchesTheNestedLoopDefinition() {
    Generator gen = new Generator(11);
    for (int[] g : GEOMETRIES) {
      for (int groups : new int[] {1, 2}) {
        Tensor x = f64(gen, 2, 4, 7, 8);
        Tensor w = f64(gen, 6, 4 / groups, g[0], g[1]);
        Tensor b = f64(gen, 6);
        Tensor expected = Reference.conv2d(x, w, b, g, groups);
        Tensor actual = conv(x, w, b, g, groups);
        assertArrayEquals(expected.shape(), actual.shape(), Arrays.toString(g));
        assertTrue(
            actual.allClose(expected, 1e-12, 1e-12), Arrays.toString(g) + " groups " + groups);
        assertTrue(
            conv(x, w, null, g, groups)
                .allClose(Reference.conv2d(x, w, null, g, groups), 1e-12, 1e-12));
      }
    }
  }

  @Test
  void layerUsesItsWeightAndBiasInFloat32() {
    Conv2d layer =
        new Conv2d(
            3,
            5,
            new int[] {3, 2},
            new int[] {2, 1},
            new int[] {1},
            new int[] {1, 2},
            1,
            true,
            new Generator(3));
    Tensor x = Tensor.randn(new Generator(4), 2, 3, 6, 7);
    Tensor y = layer.forward(x);
    assertEquals(DType.FLOAT32, y.dtype());
    int[] g = {3, 2, 2, 1, 1, 1, 1, 2};
    Tensor expected = Reference.conv2d(x, layer.weight(), layer.bias(), g, 1);
    assertTrue(y.allClose(expected, 1e-5, 1e-5));
    assertArrayEquals(new int[] {2, 5, 3, 7}, y.shape());
  }

  @Test
  void unbatchedInputGivesUnbatchedOutput() {
    Conv2d layer = new Conv2d(2, 3, 3, 1, 1, true, new Generator(5));
    Tensor x = Tensor.randn(new Generator(6), 2, 4, 4);
    Tensor y = layer.forward(x);
    assertArrayEquals(new int[] {3, 4, 4}, y.shape());
    assertTrue(y.allClose(layer.forward(x.unsqueeze(0)).squeeze(0), 0, 0));
  }

  @Test
  void defaultInitIsPyTorchs() {
    Conv2d layer = new Conv2d(4, 8, 3, 1, 0, true, new Generator(7));
    double bound = 1 / Math.sqrt(4 * 3 * 3);
    double widest = 0;
    for (double w : layer.weight().toDoubleArray()) {
      assertTrue(Math.abs(w) <= bound);
      widest = Math.max(widest, Math.abs(w));
    }
    assertTrue(widest > 0.9 * bound, "uniform over the whole range: " + widest);
    for (double b : layer.bias().toDoubleArray()) {
      assertTrue(Math.abs(b) <= bound);
    }
    assertArrayEquals(new int[] {8, 4, 3, 3}, layer.weight().shape());
    assertEquals(List.of("weight", "bias"), List.copyOf(layer.namedParameters().keySet()));
    Conv2d grouped =
        new Conv2d(
            4,
            6,
            new int[] {3},
            new int[] {1},
            new int[] {0},
            new int[] {1},
            2,
            false,
            new Generator(8));
    assertArrayEquals(new int[] {6, 2, 3, 3}, grouped.weight().shape());
    assertNull(grouped.bias());
    assertTrue(
        new Conv2d(4, 8, 3, 1, 0, true, new Generator(7)).weight().allClose(layer.weight(), 0, 0),
        "same seed, same weights");
  }

  @Test
  void passesGradCheckForInputWeightAndBias() {
    Generator gen = new Generator(12);
    int[][] cases = {{3, 3, 1, 1, 0, 0, 1, 1}, {2, 3, 2, 1, 1, 1, 2, 1}};
    for (int[] g : cases) {
      GradCheck.assertPasses(
          in -> conv(in[0], in[1], in[2], g, 1),
          f64(gen, 2, 2, 5, 5),
          f64(gen, 3, 2, g[0], g[1]),
          f64(gen, 3));
    }
    GradCheck.assertPasses(
        in -> conv(in[0], in[1], in[2], GEOMETRIES[1], 2),
        f64(gen, 1, 4, 4, 4),
        f64(gen, 2, 2, 3, 3),
        f64(gen, 2));
  }

  @Test
  void layerGradientsReachItsParameters() {
    Conv2d layer = new Conv2d(2, 3, 2, 1, 0, true, new Generator(9));
    layer.to(DType.FLOAT64);
    Tensor x = f64(new Generator(10), 2, 2, 4, 4);
    layer.forward(x).square().sum().backward();
    Tensor w = layer.weight().detach().requiresGrad(true);
    Tensor b = layer.bias().detach().requiresGrad(true);
    Functional.conv2d(x, w, b).square().sum().backward();
    assertTrue(layer.weight().grad().allClose(w.grad(), 1e-12, 1e-12));
    assertTrue(layer.bias().grad().allClose(b.grad(), 1e-12, 1e-12));
  }

  @Test
  void passesSecondOrderGradCheck() {
    Generator gen = new Generator(13);
    int[] g = {2, 2, 1, 1, 1, 1, 1, 1};
    GradCheck.assertSecondOrderPasses(
        in -> conv(in[0], in[1], in[2], g, 1).tanh(),
        f64(gen, 1, 2, 3, 3),
        f64(gen, 2, 2, 2, 2),
        f64(gen, 2));
  }

  @Test
  void errorsNameTheLayerAndShapes() {
    Conv2d layer = new Conv2d(3, 8, 3, 1, 0, true, new Generator(0));
    IllegalArgumentException channels =
        assertThrows(
            IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(8, 1, 28, 28)));
    assertEquals(
        "Conv2d: expected input [N, 3, H, W] or [3, H, W], got [8, 1, 28, 28]",
        channels.getMessage());
    IllegalArgumentException small =
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(1, 3, 2, 5)));
    assertEquals(
        "Conv2d: kernel 3x3 spans 3x3, larger than the input [1, 3, 2, 5] padded by 0x0 (2x5)",
        small.getMessage());
    IllegalArgumentException weight =
        assertThrows(
            IllegalArgumentException.class,
            () -> Functional.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(4, 3, 3, 3), null));
    assertEquals(
        "conv2d: expected input [N, 3, H, W] for weight [4, 3, 3, 3], got [1, 2, 5, 5]",
        weight.getMessage());
    IllegalArgumentException bias =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Functional.conv2d(
                    Tensor.zeros(1, 3, 5, 5), Tensor.zeros(4, 3, 3, 3), Tensor.zeros(3)));
    assertTrue(bias.getMessage().contains("expected a bias [4]"), bias.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Conv2d(
                3,
                4,
                new int[] {3},
                new int[] {1},
                new int[] {0},
                new int[] {1},
                2,
                true,
                new Generator(0)));
    IllegalArgumentException stride =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Conv2d(1, 1, 3, 0, 0, true, new Generator(0)));
    assertEquals("Conv2d: stride must be positive, got [0]", stride.getMessage());
  }

  @Test
  void toStringShowsTheGeometry() {
    assertEquals(
        "Conv2d(in=1, out=32, kernel=3, stride=1, bias=true)",
        new Conv2d(1, 32, 3, 1, 0, true, new Generator(0)).toString());
    assertEquals(
        "Conv2d(in=4, out=4, kernel=3x1, stride=2, padding=1, dilation=2, groups=4, bias=false)",
        new Conv2d(
                4,
                4,
                new int[] {3, 1},
                new int[] {2},
                new int[] {1},
                new int[] {2},
                4,
                false,
                new Generator(0))
            .toString());
  }
}

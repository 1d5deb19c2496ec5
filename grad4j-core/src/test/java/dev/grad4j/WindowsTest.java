package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** unfold (im2col) and fold (col2im) against direct loops, their adjointness, and their errors. */
class WindowsTest {

  /** kernel h, w; stride h, w; padding h, w; dilation h, w. */
  private static final int[][] GEOMETRIES = {
    {3, 3, 1, 1, 0, 0, 1, 1},
    {3, 3, 2, 2, 1, 1, 1, 1},
    {2, 3, 1, 2, 0, 1, 1, 1},
    {3, 2, 2, 1, 2, 1, 2, 1},
    {1, 1, 1, 1, 0, 0, 1, 1},
    {3, 3, 3, 2, 1, 2, 2, 2},
    {5, 5, 1, 1, 2, 2, 1, 1},
    {2, 2, 2, 2, 0, 0, 1, 1},
    {4, 1, 3, 1, 3, 0, 1, 1}
  };

  private static int[] k(int[] g) {
    return new int[] {g[0], g[1]};
  }

  private static int[] s(int[] g) {
    return new int[] {g[2], g[3]};
  }

  private static int[] p(int[] g) {
    return new int[] {g[4], g[5]};
  }

  private static int[] d(int[] g) {
    return new int[] {g[6], g[7]};
  }

  private static int out(int size, int kernel, int stride, int pad, int dilation) {
    return (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
  }

  /** The im2col definition, one element at a time. */
  static double[] referenceUnfold(Tensor x, int[] g, double padValue) {
    int n = x.size(0);
    int c = x.size(1);
    int h = x.size(2);
    int w = x.size(3);
    int oh = out(h, g[0], g[2], g[4], g[6]);
    int ow = out(w, g[1], g[3], g[5], g[7]);
    int rows = c * g[0] * g[1];
    double[] r = new double[n * rows * oh * ow];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < g[0]; i++) {
          for (int j = 0; j < g[1]; j++) {
            int row = (ch * g[0] + i) * g[1] + j;
            for (int y = 0; y < oh; y++) {
              for (int z = 0; z < ow; z++) {
                int ih = y * g[2] - g[4] + i * g[6];
                int iw = z * g[3] - g[5] + j * g[7];
                boolean inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                r[((b * rows + row) * oh + y) * ow + z] = inside ? x.get(b, ch, ih, iw) : padValue;
              }
            }
          }
        }
      }
    }
    return r;
  }

  @Test
  void unfoldMatchesTheDefinition() {
    Generator gen = new Generator(1);
    for (int[] g : GEOMETRIES) {
      Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, 2, 3, 7, 8);
      Tensor cols = x.unfold(k(g), s(g), p(g), d(g));
      int oh = out(7, g[0], g[2], g[4], g[6]);
      int ow = out(8, g[1], g[3], g[5], g[7]);
      assertArrayEquals(new int[] {2, 3 * g[0] * g[1], oh * ow}, cols.shape());
      assertArrayEquals(referenceUnfold(x, g, 0), cols.toDoubleArray(), 0, () -> str(g));
      Tensor padded = x.unfold(k(g), s(g), p(g), d(g), -7.5);
      assertArrayEquals(referenceUnfold(x, g, -7.5), padded.toDoubleArray(), 0, () -> str(g));
    }
  }

  @Test
  void unfoldReadsStridedAndFloat32Inputs() {
    int[] g = GEOMETRIES[1];
    Tensor base = Tensor.randn(new Generator(2), 8, 7, 3, 2); // float32
    Tensor x = base.permute(3, 2, 1, 0); // [2, 3, 7, 8], not contiguous
    assertTrue(!x.isContiguous());
    double[] expected = referenceUnfold(x, g, 0);
    Tensor cols = x.unfold(k(g), s(g), p(g), d(g));
    assertEquals(DType.FLOAT32, cols.dtype());
    assertArrayEquals(expected, cols.toDoubleArray(), 0);
  }

  /** col2im in float32, adding window positions in the order (ki, kj, window row, column). */
  static float[] referenceFoldFloat(float[] cols, int n, int c, int h, int w, int[] g) {
    int oh = out(h, g[0], g[2], g[4], g[6]);
    int ow = out(w, g[1], g[3], g[5], g[7]);
    int rows = c * g[0] * g[1];
    float[] r = new float[n * c * h * w];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < g[0]; i++) {
          for (int j = 0; j < g[1]; j++) {
            int row = (ch * g[0] + i) * g[1] + j;
            for (int y = 0; y < oh; y++) {
              for (int z = 0; z < ow; z++) {
                int ih = y * g[2] - g[4] + i * g[6];
                int iw = z * g[3] - g[5] + j * g[7];
                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                  r[((b * c + ch) * h + ih) * w + iw] += cols[((b * rows + row) * oh + y) * ow + z];
                }
              }
            }
          }
        }
      }
    }
    return r;
  }

  @Test
  void float32UnfoldAndFoldMatchTheDefinitionBitForBit() {
    // Image rows narrower than one vector (a window row in one masked load, an image row summed in
    // a register) and wider ones (copied and added in runs), with every geometry.
    Generator gen = new Generator(7);
    for (int width : new int[] {5, 8, 13, 16, 17, 28}) {
      for (int[] g : GEOMETRIES) {
        if (out(width, g[1], g[3], g[5], g[7]) < 1) {
          continue;
        }
        Tensor x = Tensor.randn(gen, 2, 3, 7, width);
        Tensor cols = x.unfold(k(g), s(g), p(g), d(g), -2.5);
        assertArrayEquals(
            referenceUnfold(x, g, -2.5), cols.toDoubleArray(), 0, () -> width + " " + str(g));
        Tensor grad = Tensor.randn(gen, cols.shape());
        float[] expected = referenceFoldFloat(grad.toFloatArray(), 2, 3, 7, width, g);
        float[] folded = grad.fold(new int[] {7, width}, k(g), s(g), p(g), d(g)).toFloatArray();
        assertArrayEquals(expected, folded, () -> width + " " + str(g));
      }
    }
  }

  @Test
  void unbatchedInputsDropTheBatchDim() {
    Tensor x = Tensor.randn(new Generator(3), 3, 5, 5);
    Tensor cols = x.unfold(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
    assertArrayEquals(new int[] {12, 16}, cols.shape());
    assertTrue(
        cols.allClose(
            x.unsqueeze(0)
                .unfold(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1})
                .squeeze(0),
            0,
            0));
    Tensor back =
        cols.fold(new int[] {5, 5}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
    assertArrayEquals(new int[] {3, 5, 5}, back.shape());
  }

  @Test
  void foldSumsOverlapsAndDropsPadding() {
    // Kernel 2, stride 1 over a 3x3 image: the centre is in all four windows, corners in one.
    Tensor ones = Tensor.ones(DType.FLOAT64, 1, 4, 4);
    Tensor counts =
        ones.fold(new int[] {3}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
    assertArrayEquals(new double[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, counts.toDoubleArray(), 0);
    // With padding 1 and stride 2, each of the four 2x2 windows covers one real pixel.
    Tensor padded = Tensor.ones(DType.FLOAT64, 1, 4, 4);
    Tensor sums =
        padded.fold(new int[] {2}, new int[] {2}, new int[] {2}, new int[] {1}, new int[] {1});
    assertArrayEquals(new double[] {1, 1, 1, 1}, sums.toDoubleArray(), 0);
  }

  @Test
  void unfoldAndFoldAreAdjoint() {
    Generator gen = new Generator(4);
    for (int[] g : GEOMETRIES) {
      Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, 2, 3, 7, 8);
      Tensor cols = x.unfold(k(g), s(g), p(g), d(g));
      Tensor y = Tensor.normal(gen, 0, 1, DType.FLOAT64, cols.shape());
      double lhs = cols.mul(y).sum().item();
      double rhs = x.mul(y.fold(new int[] {7, 8}, k(g), s(g), p(g), d(g))).sum().item();
      assertEquals(lhs, rhs, 1e-12 * (1 + Math.abs(lhs)), str(g));
    }
  }

  @Test
  void gradientsOfUnfoldAndFoldAreEachOther() {
    int[] g = GEOMETRIES[3];
    Tensor x = Tensor.normal(new Generator(5), 0, 1, DType.FLOAT64, 1, 2, 6, 5).requiresGrad(true);
    Tensor cols = x.unfold(k(g), s(g), p(g), d(g));
    Tensor seed = Tensor.normal(new Generator(6), 0, 1, DType.FLOAT64, cols.shape());
    cols.backward(seed);
    assertTrue(x.grad().allClose(seed.fold(new int[] {6, 5}, k(g), s(g), p(g), d(g)), 0, 0));
  }

  @Test
  void errorsNameTheOpAndShapes() {
    Tensor x = Tensor.zeros(1, 1, 2, 2);
    IllegalArgumentException big =
        assertThrows(
            IllegalArgumentException.class,
            () -> x.unfold(new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}));
    assertEquals(
        "unfold: kernel 3x3 spans 3x3, larger than the input [1, 1, 2, 2] padded by 0x0 (2x2)",
        big.getMessage());
    IllegalArgumentException dilated =
        assertThrows(
            IllegalArgumentException.class,
            () -> x.unfold(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {2}));
    assertTrue(dilated.getMessage().contains("with dilation 2x2 spans 3x3"), dilated.getMessage());
    IllegalArgumentException stride =
        assertThrows(
            IllegalArgumentException.class,
            () -> x.unfold(new int[] {1}, new int[] {0, 1}, new int[] {0}, new int[] {1}));
    assertEquals("unfold: stride must be positive, got [0, 1]", stride.getMessage());
    IllegalArgumentException rank =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Tensor.zeros(4, 4)
                    .unfold(new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}));
    assertEquals(
        "unfold: expected an input [N, C, H, W] or [C, H, W], got [4, 4]", rank.getMessage());
    IllegalArgumentException rows =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Tensor.zeros(1, 7, 4)
                    .fold(
                        new int[] {3}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1}));
    assertTrue(rows.getMessage().startsWith("fold: input [1, 7, 4] has 7 rows"), rows.getMessage());
    IllegalArgumentException blocks =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Tensor.zeros(1, 8, 5)
                    .fold(
                        new int[] {3}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1}));
    assertTrue(
        blocks.getMessage().contains("has 5 blocks, but an output of 3x3 holds 2x2 = 4 windows"),
        blocks.getMessage());
  }

  private static String str(int[] g) {
    return java.util.Arrays.toString(g);
  }
}

package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.Autograd;
import dev.grad4j.backend.cpu.Parallel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The float32 kernels of convolution and max pooling (per-image products, the vector pooling path)
 * against the float64 composition, and the same bits for every thread count.
 */
class Conv2dKernelsTest {

  private static Tensor conv(Tensor x, Tensor w, Tensor b, int[] g) {
    return Conv2dTest.conv(x, w, b, g, 1);
  }

  // y, and the gradients of x, w and b for an output gradient gy.
  private static Tensor[] forwardAndGrads(Tensor x, Tensor w, Tensor b, int[] g, Tensor gy) {
    Tensor xl = x.detach().requiresGrad(true);
    Tensor wl = w.detach().requiresGrad(true);
    Tensor bl = b.detach().requiresGrad(true);
    Tensor y = conv(xl, wl, bl, g);
    y.backward(gy.to(y.dtype()));
    return new Tensor[] {y, xl.grad(), wl.grad(), bl.grad()};
  }

  private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what);
    assertTrue(actual.to(DType.FLOAT64).allClose(expected, tol, tol), what);
  }

  @Test
  void float32ConvolutionAndGradientsAgreeWithFloat64() {
    Generator gen = new Generator(21);
    // One input channel: the windows of a kernel up to 4x4 are the short-k product's.
    for (int[] g : Conv2dTest.GEOMETRIES) {
      for (int channels : new int[] {5, 1}) {
        Tensor x = Tensor.randn(gen, 3, channels, 9, 10);
        Tensor w = Tensor.randn(gen, 7, channels, g[0], g[1]);
        Tensor b = Tensor.randn(gen, 7);
        Tensor y64 = conv(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b.to(DType.FLOAT64), g);
        Tensor gy = Tensor.randn(gen, y64.shape());
        Tensor[] f32 = forwardAndGrads(x, w, b, g, gy);
        Tensor[] f64 =
            forwardAndGrads(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b.to(DType.FLOAT64), g, gy);
        String[] names = {"output", "input grad", "weight grad", "bias grad"};
        for (int i = 0; i < 4; i++) {
          assertClose(f64[i], f32[i], 1e-4, names[i] + " " + Arrays.toString(g));
        }
      }
    }
  }

  @Test
  void oneInputChannelSumsStartFromTheBiasInWindowOrder() {
    // The short-k product starts each output channel's sums from its bias and adds the window's
    // products by fused multiply-adds in (ki, kj) order: 7 channels (a block of 4 and 3 single
    // rows), 56 positions (two full vectors and a masked tail).
    Generator gen = new Generator(23);
    Tensor x = Tensor.randn(gen, 3, 1, 9, 10);
    Tensor w = Tensor.randn(gen, 7, 1, 3, 3);
    Tensor b = Tensor.randn(gen, 7);
    float[] y = conv(x, w, b, new int[] {3, 3, 1, 1, 0, 0, 1, 1}).toFloatArray();
    float[] xs = x.toFloatArray();
    float[] ws = w.toFloatArray();
    float[] bs = b.toFloatArray();
    float[] expected = new float[3 * 7 * 7 * 8];
    for (int n = 0; n < 3; n++) {
      for (int o = 0; o < 7; o++) {
        for (int i = 0; i < 7; i++) {
          for (int j = 0; j < 8; j++) {
            float sum = bs[o];
            for (int ki = 0; ki < 3; ki++) {
              for (int kj = 0; kj < 3; kj++) {
                sum = Math.fma(xs[(n * 9 + i + ki) * 10 + j + kj], ws[o * 9 + ki * 3 + kj], sum);
              }
            }
            expected[((n * 7 + o) * 7 + i) * 8 + j] = sum;
          }
        }
      }
    }
    assertArrayEquals(expected, y);
  }

  @Test
  void everyThreadCountGivesTheSameBits() {
    Generator gen = new Generator(22);
    // Large enough that images, weight-gradient chunks and pooled planes are split over threads.
    Tensor x = Tensor.randn(gen, 12, 8, 20, 20);
    Tensor w = Tensor.randn(gen, 16, 8, 3, 3);
    Tensor b = Tensor.randn(gen, 16);
    Tensor gy = Tensor.randn(gen, 12, 16, 18, 18);
    for (int[] g : new int[][] {{3, 3, 1, 1, 0, 0, 1, 1}, {3, 3, 2, 1, 1, 1, 1, 2}}) {
      Tensor gyg = g[2] == 1 && g[6] == 1 ? gy : Tensor.randn(gen, conv(x, w, b, g).shape());
      Tensor[] one = Parallel.withThreads(1, () -> forwardAndGrads(x, w, b, g, gyg));
      for (int threads = 2; threads <= 3; threads++) {
        Tensor[] many = Parallel.withThreads(threads, () -> forwardAndGrads(x, w, b, g, gyg));
        for (int i = 0; i < one.length; i++) {
          assertArrayEquals(
              one[i].toFloatArray(), many[i].toFloatArray(), "threads " + threads + " #" + i);
        }
      }
    }
    // One input channel (the short-k kernels): one image, whose product splits its columns
    // between threads, and a batch, whose weight gradient is summed in chunks.
    int[] plain = {3, 3, 1, 1, 0, 0, 1, 1};
    for (int images : new int[] {1, 12}) {
      Tensor x1 = Tensor.randn(gen, images, 1, 66, 66);
      Tensor w1 = Tensor.randn(gen, 30, 1, 3, 3);
      Tensor b1 = Tensor.randn(gen, 30);
      Tensor gy1 = Tensor.randn(gen, images, 30, 64, 64);
      Tensor[] one1 = Parallel.withThreads(1, () -> forwardAndGrads(x1, w1, b1, plain, gy1));
      for (int threads = 2; threads <= 3; threads++) {
        Tensor[] many =
            Parallel.withThreads(threads, () -> forwardAndGrads(x1, w1, b1, plain, gy1));
        for (int i = 0; i < one1.length; i++) {
          assertArrayEquals(
              one1[i].toFloatArray(),
              many[i].toFloatArray(),
              images + " images, threads " + threads + " #" + i);
        }
      }
    }
    Tensor p = Tensor.randn(gen, 16, 32, 26, 26).requiresGrad(true);
    Tensor gp = Tensor.randn(gen, 16, 32, 13, 13);
    float[][] pooled = new float[3][];
    float[][] grads = new float[3][];
    for (int threads = 1; threads <= 3; threads++) {
      p.zeroGrad();
      Tensor y = Parallel.withThreads(threads, () -> Functional.maxPool2d(p, 2));
      Parallel.withThreads(
          threads,
          () -> {
            y.backward(gp);
            return null;
          });
      pooled[threads - 1] = y.toFloatArray();
      grads[threads - 1] = p.grad().toFloatArray();
    }
    for (int t = 1; t < 3; t++) {
      assertArrayEquals(pooled[0], pooled[t]);
      assertArrayEquals(grads[0], grads[t]);
    }
  }

  @Test
  void float32SecondOrderGradientsAgreeWithFloat64() {
    // d/dw of |dL/dx|² runs the input-gradient op's own derivative rules on the float32 kernels.
    Generator gen = new Generator(23);
    int[] g = {3, 3, 2, 1, 1, 1, 1, 2};
    Tensor x = Tensor.randn(gen, 2, 3, 7, 8);
    Tensor w = Tensor.randn(gen, 4, 3, 3, 3);
    Tensor[] expected = secondOrder(x.to(DType.FLOAT64), w.to(DType.FLOAT64), g);
    Tensor[] actual = secondOrder(x, w, g);
    assertClose(expected[0], actual[0], 1e-3, "d/dw");
    assertClose(expected[1], actual[1], 1e-3, "d/dx");
  }

  private static Tensor[] secondOrder(Tensor x0, Tensor w0, int[] g) {
    Tensor x = x0.detach().requiresGrad(true);
    Tensor w = w0.detach().requiresGrad(true);
    Tensor y =
        Functional.conv2d(
            x, w, null, new int[] {g[2], g[3]}, new int[] {g[4], g[5]}, new int[] {g[6], g[7]}, 1);
    Tensor loss = y.tanh().sum();
    Tensor[] first =
        Autograd.grad(List.of(loss), List.of(Tensor.onesLike(loss)), List.of(x, w), true, true);
    Tensor outer = first[0].square().sum().add(first[1].square().sum());
    return Autograd.grad(
        List.of(outer), List.of(Tensor.onesLike(outer)), List.of(w, x), false, false);
  }

  @Test
  void vectorMaxPoolMatchesFloat64OnTiesNaNsAndInfinities() {
    Generator gen = new Generator(24);
    // kernel h, w; stride h, w; padding h, w; dilation h, w (padded ones take the scalar path).
    int[][] geometries = {
      {2, 2, 2, 2, 0, 0, 1, 1},
      {3, 3, 1, 1, 0, 0, 1, 1},
      {2, 3, 2, 3, 0, 0, 1, 1},
      {3, 2, 1, 2, 0, 0, 2, 1},
      {2, 2, 1, 1, 0, 0, 1, 2},
      {4, 4, 4, 4, 0, 0, 1, 1},
      {3, 3, 2, 2, 1, 1, 1, 1}
    };
    for (int[] g : geometries) {
      for (int side : new int[] {7, 13, 26, 40}) {
        float[] values = Tensor.randn(gen, 2, 3, side, side + 1).mul(2).toFloatArray();
        for (int i = 0; i < values.length; i++) {
          values[i] = Math.round(values[i]); // many ties
        }
        values[5] = Float.NaN;
        values[40] = Float.NEGATIVE_INFINITY;
        values[41] = -0f;
        Tensor x = Tensor.of(values, 2, 3, side, side + 1).requiresGrad(true);
        Tensor xd = x.detach().to(DType.FLOAT64).requiresGrad(true);
        int[] k = {g[0], g[1]};
        int[] s = {g[2], g[3]};
        int[] p = {g[4], g[5]};
        int[] d = {g[6], g[7]};
        Tensor y = Functional.maxPool2d(x, k, s, p, d);
        Tensor yd = Functional.maxPool2d(xd, k, s, p, d);
        Tensor gy = Tensor.randn(gen, y.shape());
        y.backward(gy);
        yd.backward(gy.to(DType.FLOAT64));
        String what = Arrays.toString(g) + " side " + side;
        assertArrayEquals(yd.to(DType.FLOAT32).toFloatArray(), y.toFloatArray(), what);
        assertClose(xd.grad(), x.grad(), 1e-6, what);
      }
    }
  }
}

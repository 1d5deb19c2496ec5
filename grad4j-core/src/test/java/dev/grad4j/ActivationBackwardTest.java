package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.Storage;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * relu, tanh and sigmoid finish their input gradient in place on a temporary of their own when no
 * graph is recorded: the same bits as the out-of-place formula, with one or two fewer fresh
 * tensors.
 */
class ActivationBackwardTest {

  private record Case(String name, UnaryOperator<Tensor> f, UnaryOperator<Tensor> dydx) {}

  // Each activation with its derivative in terms of the output y, as the out-of-place rule has it.
  private static final Case[] CASES = {
    new Case("relu", Tensor::relu, y -> y.gt(0)),
    new Case("tanh", Tensor::tanh, y -> y.square().rsub(1)),
    new Case("sigmoid", Tensor::sigmoid, y -> y.mul(y.rsub(1))),
  };

  private static Tensor gradient(Case c, Tensor data, Tensor g) {
    Tensor x = data.detach().requiresGrad(true);
    c.f().apply(x).backward(g);
    return x.grad();
  }

  @Test
  void gradientsEqualTheOutOfPlaceFormulaBitForBit() {
    Generator gen = new Generator(5);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      // Small (single-threaded kernels) and large enough for the parallel float32 paths.
      for (int[] shape : new int[][] {{33, 70}, {700, 600}}) {
        Tensor data = Tensor.randn(gen, shape).mul(3).to(dtype);
        Tensor g = Tensor.randn(gen, shape).to(dtype);
        for (Case c : CASES) {
          Tensor want;
          try (var off = GradMode.disabled()) {
            want = g.mul(c.dydx().apply(c.f().apply(data)));
          }
          Tensor got = gradient(c, data, g);
          assertEquals(dtype, got.dtype(), c.name());
          assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), c.name() + " " + dtype);
        }
      }
    }
  }

  @Test
  void reluGradientKeepsTheMaskProductsNaNsInfinitiesAndSignedZeros() {
    float[] y = {0f, -0f, 1f, Float.NaN, 2f, 0f, 3f, Float.POSITIVE_INFINITY, -1f, 1e-40f};
    float[] g = {-1f, 2f, Float.NaN, 5f, Float.NEGATIVE_INFINITY, Float.NaN, -0f, -2f, -3f, -4f};
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      // Long enough for the vector loop and its tail: the values repeat 37 times.
      int n = y.length * 37;
      double[] yd = new double[n];
      double[] gd = new double[n];
      for (int i = 0; i < n; i++) {
        yd[i] = y[i % y.length];
        gd[i] = g[i % g.length];
      }
      Tensor yt = Tensor.of(yd, n).to(dtype);
      Tensor gt = Tensor.of(gd, n).to(dtype);
      Tensor want = gt.mul(yt.gt(0));
      Tensor got = Pointwise.reluGradient(gt, yt);
      assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), dtype.toString());
    }
  }

  @Test
  void reluGradientOfASumIsTheMask() {
    // sum's gradient arrives as one value broadcast over the shape (a stride-0 operand).
    Generator gen = new Generator(7);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Tensor x = Tensor.randn(gen, 9, 37).to(dtype).requiresGrad(true);
      x.relu().sum().backward();
      assertArrayEquals(x.detach().gt(0).toDoubleArray(), x.grad().toDoubleArray(), "" + dtype);
    }
  }

  @Test
  void backwardAllocatesOneTensorOfTheInputsSize() {
    Generator gen = new Generator(6);
    Tensor data = Tensor.randn(gen, 64, 64);
    Tensor g = Tensor.randn(gen, 64, 64);
    // Storages the backward pass allocates: relu only its gradient (one fused pass; with a mask it
    // was the constant 0 and the mask); tanh y², the constant 1 and 1 - y² (the gradient); sigmoid
    // the constant 1 and 1 - y (the gradient). Out of place they were 3, 4 and 4: one more product
    // of the input's size, and for sigmoid two.
    long[] expected = {1, 3, 2};
    for (int i = 0; i < CASES.length; i++) {
      Tensor x = data.detach().requiresGrad(true);
      Tensor y = CASES[i].f().apply(x);
      long before = Storage.lastSerial();
      y.backward(g);
      assertEquals(expected[i], Storage.lastSerial() - before, CASES[i].name());
    }
  }
}

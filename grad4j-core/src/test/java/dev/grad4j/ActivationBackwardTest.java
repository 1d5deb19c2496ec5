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
  void backwardAllocatesOneTensorOfTheInputsSize() {
    Generator gen = new Generator(6);
    Tensor data = Tensor.randn(gen, 64, 64);
    Tensor g = Tensor.randn(gen, 64, 64);
    // Storages the backward pass allocates: relu the constant 0 and the mask that becomes the
    // gradient; tanh y², the constant 1 and 1 - y² (the gradient); sigmoid the constant 1 and 1 - y
    // (the gradient). Out of place they were 3, 4 and 4: one more product of the input's size, and
    // for sigmoid two.
    long[] expected = {2, 3, 2};
    for (int i = 0; i < CASES.length; i++) {
      Tensor x = data.detach().requiresGrad(true);
      Tensor y = CASES[i].f().apply(x);
      long before = Storage.lastSerial();
      y.backward(g);
      assertEquals(expected[i], Storage.lastSerial() - before, CASES[i].name());
    }
  }
}

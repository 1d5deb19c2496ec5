package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grad4j.autograd.GradMode;
import org.junit.jupiter.api.Test;

/** The worked backprop example from the lecture notes (seed 001, last pages). */
class LectureExampleTest {

  @Test
  void forwardBackwardAndOneStepMatchTheLecture() {
    Tensor w0 = Tensor.of(new double[] {1, -3, 0.2, 1}, 2, 2).requiresGrad(true);
    Tensor w1 = Tensor.of(new double[] {1, -1}, 1, 2).requiresGrad(true);
    Tensor x0 = Tensor.of(new double[] {1.0, 0.1}, 2, 1);
    Tensor x1 = w0.matmul(x0).retainGrad();
    Tensor x2 = x1.tanh().retainGrad();
    Tensor x3 = w1.matmul(x2).retainGrad();
    Tensor loss = x3.sub(0.5).square().mul(0.5).sum();

    assertArrayEquals(new double[] {0.7, 0.3}, x1.toDoubleArray(), 1e-12);
    assertArrayEquals(new double[] {0.604, 0.291}, x2.toDoubleArray(), 5e-4);
    assertEquals(0.313, x3.item(), 5e-4);
    assertEquals(0.017, loss.item(), 5e-4);

    loss.backward();
    assertEquals(-0.1869, x3.grad().item(), 5e-5);
    assertArrayEquals(new double[] {-0.1869, 0.1869}, x2.grad().toDoubleArray(), 5e-5);
    assertArrayEquals(new double[] {-0.1186, 0.171}, x1.grad().toDoubleArray(), 5e-4);
    // dL/dW0 = dL/dx1 x0^T (laid out like W0), dL/dW1 = dL/dx3 x2^T.
    assertArrayEquals(
        new double[] {-0.1186, -0.01186, 0.171, 0.0171}, w0.grad().toDoubleArray(), 5e-4);
    assertArrayEquals(new double[] {-0.113, -0.054}, w1.grad().toDoubleArray(), 5e-4);

    try (var g = GradMode.disabled()) {
      w0.subInPlace(w0.grad().mul(0.2));
      w1.subInPlace(w1.grad().mul(0.2));
    }
    // The lecture rounds the updated weights to two (W1[1]: three) decimals.
    assertArrayEquals(new double[] {1.02, -3.0, 0.17, 1.0}, w0.toDoubleArray(), 5e-3);
    assertEquals(1.02, w1.get(0, 0), 5e-3);
    assertEquals(-0.989, w1.get(0, 1), 5e-4);
  }
}

package dev.grad4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tf.GradientTape workflow from the lecture (seed 000): watch an input, take its gradient. */
class GradientTapeTest {

  @Test
  void watchedConstantGetsItsGradientAfterTheScopeCloses() {
    Tensor image = Tensor.of(new double[] {0.2, -0.4, 0.9}, 3);
    Tensor w = Tensor.of(new double[] {1.5, -2.0, 0.5}, 3);
    GradientTape tape = GradientTape.record();
    Tensor loss;
    try (tape) {
      tape.watch(image);
      loss = image.mul(w).sum().sigmoid();
    }
    assertFalse(image.requiresGrad(), "the tape un-watches what it watched");
    Tensor g = tape.gradient(loss, image);
    double z = 0.2 * 1.5 + 0.4 * 2.0 + 0.9 * 0.5;
    double s = 1 / (1 + Math.exp(-z));
    assertArrayEquals(
        new double[] {s * (1 - s) * 1.5, s * (1 - s) * -2.0, s * (1 - s) * 0.5},
        g.toDoubleArray(),
        1e-12);
    assertNull(image.grad(), "tapes never accumulate into grad");
    // FGSM: x_adv = x + eps * sign(grad)
    Tensor adversarial = image.add(g.sign().mul(0.1));
    assertArrayEquals(new double[] {0.3, -0.5, 1.0}, adversarial.toDoubleArray(), 1e-12);
  }

  @Test
  void aNonPersistentTapeComputesOneSetOfGradients() {
    Tensor x = Tensor.scalar(3, DType.FLOAT64);
    GradientTape tape = GradientTape.record();
    Tensor y;
    try (tape) {
      tape.watch(x);
      y = x.square();
    }
    assertEquals(6, tape.gradient(y, x).item(), 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.gradient(y, x));
    assertTrue(e.getMessage().contains("persistent"), e.getMessage());
  }

  @Test
  void aPersistentTapeComputesSeveralGradients() {
    Tensor x = Tensor.scalar(3, DType.FLOAT64);
    GradientTape tape = GradientTape.record(true);
    Tensor y;
    Tensor z;
    try (tape) {
      tape.watch(x);
      y = x.square();
      z = y.square(); // x^4
    }
    assertEquals(6, tape.gradient(y, x).item(), 0);
    assertEquals(108, tape.gradient(z, x).item(), 0);
    assertEquals(18, tape.gradient(z, y).item(), 0);
  }

  @Test
  void theTapeRecordsEvenInsideANoGradScope() {
    Tensor x = Tensor.scalar(2, DType.FLOAT64);
    try (var g = GradMode.disabled()) {
      GradientTape tape = GradientTape.record();
      Tensor y;
      try (tape) {
        tape.watch(x);
        y = x.exp();
      }
      assertFalse(GradMode.isEnabled());
      assertEquals(Math.exp(2), tape.gradient(y, x).item(), 1e-12);
    }
  }

  @Test
  void trainableVariablesNeedNoWatching() {
    Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
    GradientTape tape = GradientTape.record();
    Tensor y;
    try (tape) {
      y = w.square().sum();
    }
    assertArrayEquals(new double[] {2, 4}, tape.gradient(y, w).toDoubleArray(), 0);
  }

  @Test
  void unconnectedSourceGetsZeros() {
    Tensor x = Tensor.scalar(2, DType.FLOAT64);
    Tensor other = Tensor.of(new double[] {1, 2}, 2);
    GradientTape tape = GradientTape.record(true);
    Tensor y;
    try (tape) {
      tape.watch(x);
      tape.watch(other);
      y = x.square();
    }
    Tensor[] g = tape.gradients(y, x, other);
    assertEquals(4, g[0].item(), 0);
    assertArrayEquals(new double[] {0, 0}, g[1].toDoubleArray(), 0);
  }

  @Test
  void unwatchedSourceIsAClearError() {
    Tensor x = Tensor.scalar(2, DType.FLOAT64);
    Tensor stranger = Tensor.scalar(1, DType.FLOAT64);
    GradientTape tape = GradientTape.record();
    Tensor y;
    try (tape) {
      tape.watch(x);
      y = x.square();
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tape.gradient(y, stranger));
    assertTrue(e.getMessage().contains("not watched"), e.getMessage());
  }

  @Test
  void nonScalarTargetsTakeAnOutputGradient() {
    Tensor x = Tensor.of(new double[] {1, 2}, 2);
    GradientTape tape = GradientTape.record();
    Tensor y;
    try (tape) {
      tape.watch(x);
      y = x.square();
    }
    assertThrows(IllegalArgumentException.class, () -> tape.gradient(y, x));
    Tensor g = tape.gradients(y, Tensor.of(new double[] {1, -1}, 2), List.of(x))[0];
    assertArrayEquals(new double[] {2, -4}, g.toDoubleArray(), 0);
  }
}

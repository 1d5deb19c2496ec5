package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Logistic regression from the lectures (seed 003): a = sigmoid(w.x + b) with binary cross-entropy
 * L = -(y log a + (1 - y) log(1 - a)) has dL/dz = a - y, dL/dw = (a - y) x and dL/db = a - y.
 */
class LogisticRegressionTest {

  @Test
  void derivativesMatchTheClosedForm() {
    double[] xs = {0.5, -1.2, 2.0};
    for (double y : new double[] {0, 1}) {
      Tensor x = Tensor.of(xs, 3);
      Tensor w = Tensor.of(new double[] {0.3, 0.8, -0.5}, 3).requiresGrad(true);
      Tensor b = Tensor.scalar(0.1, DType.FLOAT64).requiresGrad(true);
      Tensor z = w.matmul(x).add(b).retainGrad();
      Tensor a = z.sigmoid();
      Tensor loss = a.log().mul(y).add(a.rsub(1).log().mul(1 - y)).neg();
      loss.backward();

      double zv = 0.3 * 0.5 + 0.8 * -1.2 - 0.5 * 2.0 + 0.1;
      double av = 1 / (1 + Math.exp(-zv));
      assertEquals(av, a.item(), 1e-15);
      assertEquals(av - y, z.grad().item(), 1e-12);
      assertEquals(av - y, b.grad().item(), 1e-12);
      double[] expected = new double[3];
      for (int i = 0; i < 3; i++) {
        expected[i] = (av - y) * xs[i];
      }
      assertArrayEquals(expected, w.grad().toDoubleArray(), 1e-12);
    }
  }

  @Test
  void batchedMeanLossGivesTheAveragedGradient() {
    // Four examples, two features: dL/dw = X^T (a - y) / m.
    double[] data = {1, 2, -1, 0.5, 0.3, -2, 2, 1};
    double[] labels = {1, 0, 1, 0};
    Tensor xs = Tensor.of(data, 4, 2);
    Tensor ys = Tensor.of(labels, 4);
    Tensor w = Tensor.of(new double[] {0.2, -0.1}, 2).requiresGrad(true);
    Tensor a = xs.matmul(w).sigmoid();
    Tensor loss = a.log().mul(ys).add(a.rsub(1).log().mul(ys.rsub(1))).neg().mean();
    loss.backward();
    double[] expected = new double[2];
    for (int i = 0; i < 4; i++) {
      double z = data[2 * i] * 0.2 + data[2 * i + 1] * -0.1;
      double r = 1 / (1 + Math.exp(-z)) - labels[i];
      expected[0] += r * data[2 * i] / 4;
      expected[1] += r * data[2 * i + 1] / 4;
    }
    assertArrayEquals(expected, w.grad().toDoubleArray(), 1e-12);
  }
}

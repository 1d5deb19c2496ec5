package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkedExampleTest {
  private final WorkedExample.Result r = WorkedExample.run();

  private static double[] values(Tensor t) {
    return t.toDoubleArray();
  }

  @Test
  void nodesComeInForwardOrder() {
    assertEquals(
        List.of("x0", "x1", "x2", "x3", "L"),
        r.nodes().stream().map(WorkedExample.Node::name).toList());
    assertEquals("x2 = tanh(x1)", r.node("x2").label());
    assertEquals("x0", r.node("x0").label());
  }

  @Test
  void forwardValuesMatchTheLecture() {
    assertArrayEquals(new double[] {1.0, 0.1}, values(r.node("x0").value()), 0);
    assertArrayEquals(new int[] {2, 1}, r.node("x0").value().shape());
    assertArrayEquals(new double[] {0.7, 0.3}, values(r.node("x1").value()), 1e-12);
    assertArrayEquals(new double[] {0.604, 0.291}, values(r.node("x2").value()), 5e-4);
    assertArrayEquals(
        new double[] {Math.tanh(0.7), Math.tanh(0.3)}, values(r.node("x2").value()), 1e-12);
    assertEquals(0.313, r.node("x3").value().item(), 5e-4);
    assertEquals(0.017, r.loss(), 5e-4);
    double x3 = Math.tanh(0.7) - Math.tanh(0.3);
    assertEquals(0.5 * (x3 - 0.5) * (x3 - 0.5), r.loss(), 1e-12);
  }

  @Test
  void localDerivatives() {
    assertNull(r.node("x0").local());
    assertArrayEquals(new double[] {1, -3, 0.2, 1}, values(r.node("x1").local()), 0);
    double t0 = Math.tanh(0.7);
    double t1 = Math.tanh(0.3);
    assertArrayEquals(new double[] {1 - t0 * t0, 1 - t1 * t1}, values(r.node("x2").local()), 1e-12);
    assertArrayEquals(new double[] {1, -1}, values(r.node("x3").local()), 0);
    assertEquals(r.node("x3").value().item() - 0.5, r.node("L").local().item(), 1e-15);
  }

  @Test
  void gradientsMatchTheLecture() {
    assertNull(r.node("x0").grad());
    assertEquals(1.0, r.node("L").grad().item(), 0);
    assertEquals(-0.1869, r.node("x3").grad().item(), 5e-5);
    assertArrayEquals(new double[] {-0.1869, 0.1869}, values(r.node("x2").grad()), 5e-5);
    assertArrayEquals(new double[] {-0.1186, 0.171}, values(r.node("x1").grad()), 5e-4);
    assertArrayEquals(new double[] {-0.1186, -0.01186, 0.171, 0.0171}, values(r.gradW0()), 5e-4);
    assertArrayEquals(new double[] {-0.113, -0.054}, values(r.gradW1()), 5e-4);
  }

  @Test
  void gradientsFollowTheChainRuleFromTheLocalDerivatives() {
    double dx3 = r.node("x3").grad().item();
    assertEquals(r.node("L").local().item() * r.node("L").grad().item(), dx3, 1e-15);
    double[] w1 = values(r.node("x3").local());
    double[] dx2 = values(r.node("x2").grad());
    assertArrayEquals(new double[] {w1[0] * dx3, w1[1] * dx3}, dx2, 1e-15);
    double[] slope = values(r.node("x2").local());
    double[] dx1 = values(r.node("x1").grad());
    assertArrayEquals(new double[] {slope[0] * dx2[0], slope[1] * dx2[1]}, dx1, 1e-15);
    // Weight gradients: outer products (output gradient) x (input)^T.
    double[] x0 = values(r.node("x0").value());
    double[] x2 = values(r.node("x2").value());
    assertArrayEquals(
        new double[] {dx1[0] * x0[0], dx1[0] * x0[1], dx1[1] * x0[0], dx1[1] * x0[1]},
        values(r.gradW0()),
        1e-15);
    assertArrayEquals(new double[] {dx3 * x2[0], dx3 * x2[1]}, values(r.gradW1()), 1e-15);
  }

  @Test
  void oneStepOfGradientDescent() {
    assertArrayEquals(new double[] {1, -3, 0.2, 1}, values(r.w0()), 0);
    assertArrayEquals(new double[] {1, -1}, values(r.w1()), 0);
    assertArrayEquals(new double[] {1.02, -3.0, 0.17, 1.0}, values(r.w0After()), 5e-3);
    assertEquals(1.02, r.w1After().get(0, 0), 5e-3);
    assertEquals(-0.989, r.w1After().get(0, 1), 5e-4);
    double[] g = values(r.gradW0());
    double[] w0 = {1, -3, 0.2, 1};
    for (int i = 0; i < 4; i++) {
      assertEquals(w0[i] - 0.2 * g[i], values(r.w0After())[i], 1e-15);
    }
    assertTrue(r.lossAfter() < r.loss(), () -> "loss went up: " + r.lossAfter());
  }

  @Test
  void resultsAreDetachedSnapshots() {
    for (WorkedExample.Node n : r.nodes()) {
      assertTrue(n.value().isLeaf() && !n.value().requiresGrad(), n.name());
    }
    // A second run starts from the same weights: nothing is shared between runs.
    WorkedExample.Result again = WorkedExample.run();
    assertArrayEquals(values(r.w1After()), values(again.w1After()), 0);
  }
}

package dev.grad4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {

  private static Tensor vec(double... v) {
    return Tensor.of(v, v.length).requiresGrad(true);
  }

  @Test
  void fanOutGradientsAreSummed() {
    // y = x*x + x*x^3 uses x four times: dy/dx = 2x + 4x^3.
    Tensor x = vec(0.5, -1.5, 2.0);
    Tensor y = x.mul(x).add(x.mul(x.pow(3))).sum();
    y.backward();
    double[] expected = new double[3];
    double[] xs = {0.5, -1.5, 2.0};
    for (int i = 0; i < 3; i++) {
      expected[i] = 2 * xs[i] + 4 * Math.pow(xs[i], 3);
    }
    assertArrayEquals(expected, x.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void diamondSharedIntermediateIsVisitedOnce() {
    Tensor x = vec(0.3);
    Tensor h = x.tanh();
    Tensor y = h.mul(h).add(h.exp()).sum();
    y.backward();
    double t = Math.tanh(0.3);
    assertEquals((2 * t + Math.exp(t)) * (1 - t * t), x.grad().item(), 1e-12);
  }

  @Test
  void aChainOfOneHundredThousandOpsBackpropagatesWithoutRecursion() {
    Tensor x = vec(1.0);
    Tensor y = x;
    for (int i = 0; i < 100_000; i++) {
      y = y.mul(1.0000001);
    }
    y.sum().backward();
    assertEquals(Math.pow(1.0000001, 100_000), x.grad().item(), 1e-9);
  }

  @Test
  void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
    Tensor x = vec(2.0);
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    assertEquals(6.0, x.grad().item(), 0);
    x.zeroGrad();
    assertNull(x.grad());
    x.square().sum().backward();
    assertEquals(4.0, x.grad().item(), 0);
  }

  @Test
  void aSecondBackwardThroughAReleasedGraphIsAClearError() {
    Tensor x = vec(1.0, 2.0);
    Tensor y = x.exp().sum();
    y.backward();
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("second time"), e.getMessage());
    assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
  }

  @Test
  void retainGraphAllowsASecondBackward() {
    Tensor x = vec(1.0, 2.0);
    Tensor y = x.exp().sum();
    y.backward(Tensor.scalar(1, DType.FLOAT64), true, false);
    y.backward();
    assertArrayEquals(
        new double[] {2 * Math.exp(1), 2 * Math.exp(2)}, x.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void backwardReleasesSavedTensors() {
    Tensor x = vec(1.0);
    Tensor y = x.exp();
    y.sum().backward();
    assertTrue(y.gradFn().isReleased());
  }

  @Test
  void inPlaceChangeOfASavedTensorIsReportedAtBackward() {
    Tensor w = vec(1.0, 2.0);
    Tensor x = Tensor.of(new double[] {3.0, 4.0}, 2);
    Tensor y = w.mul(x).sum();
    x.fill(0); // x was saved by mul
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("'mul'"), e.getMessage());
    assertTrue(e.getMessage().contains("modified in place"), e.getMessage());
  }

  @Test
  void inPlaceChangeThroughAViewIsAlsoDetected() {
    Tensor w = vec(1.0, 2.0);
    Tensor x = Tensor.of(new double[] {3.0, 4.0}, 2);
    Tensor y = w.mul(x).sum();
    x.narrow(0, 1, 1).fill(7);
    assertThrows(IllegalStateException.class, y::backward);
  }

  @Test
  void optimizerStyleUpdateUnderNoGradIsAllowedButNotWhileRecording() {
    Tensor w = vec(1.0, 2.0);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> w.subInPlace(Tensor.ones(DType.FLOAT64, 2)));
    assertTrue(e.getMessage().contains("GradMode.disabled()"), e.getMessage());
    try (var g = GradMode.disabled()) {
      w.subInPlace(Tensor.ones(DType.FLOAT64, 2));
    }
    assertArrayEquals(new double[] {0, 1}, w.toDoubleArray(), 0);
  }

  @Test
  void noGradScopeRecordsNothingAndRestoresTheMode() {
    Tensor x = vec(1.0);
    Tensor y;
    try (var g = GradMode.disabled()) {
      y = x.mul(2);
      assertFalse(GradMode.isEnabled());
      try (var inner = GradMode.enabled()) {
        assertTrue(x.mul(2).requiresGrad());
      }
      assertFalse(GradMode.isEnabled());
    }
    assertTrue(GradMode.isEnabled());
    assertFalse(y.requiresGrad());
    assertNull(y.gradFn());
  }

  @Test
  void detachCutsTheGraph() {
    Tensor x = vec(2.0);
    Tensor y = x.square().detach().mul(x).sum();
    y.backward();
    assertEquals(4.0, x.grad().item(), 0); // d/dx (c * x) with c = x^2 held constant
  }

  @Test
  void nonScalarBackwardNeedsAnOutputGradient() {
    Tensor x = vec(1.0, 2.0);
    Tensor y = x.mul(3);
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("[2]"), e.getMessage());
    y.backward(Tensor.of(new double[] {1, 10}, 2));
    assertArrayEquals(new double[] {3, 30}, x.grad().toDoubleArray(), 0);
  }

  @Test
  void backwardOfSomethingThatNeedsNoGradIsAClearError() {
    Tensor x = Tensor.of(new double[] {1, 2}, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> x.sum().backward());
    assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
  }

  @Test
  void wrongOutputGradientShapeIsAClearError() {
    Tensor x = vec(1.0, 2.0);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> x.mul(2).backward(Tensor.ones(DType.FLOAT64, 3)));
    assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
  }

  @Test
  void hooksSeeAndReplaceGradients() {
    Tensor x = vec(1.0, 2.0);
    double[] seen = new double[2];
    Tensor h = x.mul(3);
    h.registerHook(
        g -> {
          System.arraycopy(g.toDoubleArray(), 0, seen, 0, 2);
          return g.mul(10);
        });
    h.sum().backward();
    assertArrayEquals(new double[] {1, 1}, seen, 0);
    assertArrayEquals(new double[] {30, 30}, x.grad().toDoubleArray(), 0);
  }

  @Test
  void leafHookRunsBeforeAccumulation() {
    Tensor x = vec(1.0);
    x.registerHook(g -> g.neg());
    x.mul(5).sum().backward();
    assertEquals(-5.0, x.grad().item(), 0);
  }

  @Test
  void hookReturningTheWrongShapeIsAClearError() {
    Tensor x = vec(1.0, 2.0);
    Tensor h = x.mul(3);
    h.registerHook(g -> Tensor.ones(DType.FLOAT64, 5));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.sum().backward());
    assertTrue(e.getMessage().contains("[5]"), e.getMessage());
  }

  @Test
  void gradientsOfSiblingLeavesDoNotShareBuffers() {
    Tensor a = vec(1.0);
    Tensor b = vec(2.0);
    a.add(b).sum().backward();
    try (var g = GradMode.disabled()) {
      a.grad().mulInPlace(5);
    }
    assertEquals(1.0, b.grad().item(), 0);
  }

  @Test
  void aGradientMadeDuringBackwardIsKeptByOneLeafOnly() {
    // mul's backward makes a fresh gradient and add's hands that same tensor to both leaves: the
    // first leaf may keep it without a copy, the second must get its own.
    Tensor a = vec(1.0, 2.0);
    Tensor b = vec(3.0, 4.0);
    a.add(b).mul(3).sum().backward();
    try (var g = GradMode.disabled()) {
      a.grad().mulInPlace(5);
    }
    assertArrayEquals(new double[] {15, 15}, a.grad().toDoubleArray(), 0);
    assertArrayEquals(new double[] {3, 3}, b.grad().toDoubleArray(), 0);
  }

  @Test
  void aGradientAHookHasSeenIsCopiedIntoTheLeaf() {
    Tensor a = vec(1.0, 2.0);
    Tensor[] seen = new Tensor[1];
    Tensor h = a.add(1); // add's backward hands the hook's tensor on to the leaf
    h.registerHook(
        g -> {
          seen[0] = g;
          return null;
        });
    h.mul(3).sum().backward();
    try (var g = GradMode.disabled()) {
      a.grad().mulInPlace(0);
    }
    assertArrayEquals(new double[] {3, 3}, seen[0].toDoubleArray(), 0);
  }

  @Test
  void aGradientFromACustomBackwardIsCopiedIntoTheLeaf() {
    Tensor[] kept = new Tensor[1];
    CustomFunction keeping =
        new CustomFunction() {
          @Override
          protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].mul(1);
          }

          @Override
          protected Tensor[] backward(Context ctx, Tensor g) {
            kept[0] = g.mul(1);
            return new Tensor[] {kept[0]};
          }
        };
    Tensor a = vec(1.0, 2.0);
    keeping.apply(a).sum().backward();
    try (var g = GradMode.disabled()) {
      a.grad().mulInPlace(0);
    }
    assertArrayEquals(new double[] {1, 1}, kept[0].toDoubleArray(), 0);
  }

  @Test
  void createGraphGivesDifferentiableGradients() {
    // f = x^3: f' = 3x^2, f'' = 6x, f''' = 6.
    Tensor x = vec(1.5);
    Tensor f = x.pow(3).sum();
    Tensor d1 = Autograd.grad(List.of(f), List.of(Tensor.onesLike(f)), List.of(x), true, true)[0];
    assertEquals(3 * 1.5 * 1.5, d1.item(), 1e-12);
    Tensor d2 = Autograd.grad(List.of(d1), List.of(Tensor.onesLike(d1)), List.of(x), true, true)[0];
    assertEquals(6 * 1.5, d2.item(), 1e-12);
    Tensor d3 = Autograd.grad(List.of(d2), List.of(Tensor.onesLike(d2)), List.of(x), true, true)[0];
    assertEquals(6, d3.item(), 1e-12);
  }

  @Test
  void backwardWithCreateGraphLeavesAGradThatCanBeDifferentiated() {
    Tensor x = vec(0.7);
    x.tanh().sum().backward(Tensor.scalar(1, DType.FLOAT64), false, true);
    Tensor g = x.grad(); // 1 - tanh^2
    assertTrue(g.requiresGrad());
    Tensor[] gg =
        Autograd.grad(
            List.of(g.sum()), List.of(Tensor.scalar(1, DType.FLOAT64)), List.of(x), false, false);
    double t = Math.tanh(0.7);
    assertEquals(-2 * t * (1 - t * t), gg[0].item(), 1e-12);
  }

  @Test
  void gradOfAnUnusedInputIsZeroAndNoGradFieldIsTouched() {
    Tensor x = vec(1.0, 2.0);
    Tensor unused = vec(5.0);
    Tensor y = x.square().sum();
    Tensor[] g =
        Autograd.grad(
            List.of(y), List.of(Tensor.scalar(1, DType.FLOAT64)), List.of(x, unused), false, false);
    assertArrayEquals(new double[] {2, 4}, g[0].toDoubleArray(), 0);
    assertArrayEquals(new double[] {0}, g[1].toDoubleArray(), 0);
    assertNull(x.grad());
  }

  @Test
  void gradWithRespectToAnIntermediate() {
    Tensor x = vec(1.0, 2.0);
    Tensor h = x.mul(2);
    Tensor y = h.square().sum();
    Tensor[] g =
        Autograd.grad(
            List.of(y), List.of(Tensor.scalar(1, DType.FLOAT64)), List.of(h), false, false);
    assertArrayEquals(new double[] {4, 8}, g[0].toDoubleArray(), 0);
  }

  @Test
  void anomalyModeNamesTheOpWhoseBackwardMadeNaN() {
    Tensor x = vec(0.0, 1.0);
    try (var a = AnomalyMode.enable()) {
      Tensor y = x.sqrt().sum(); // d sqrt / dx at 0 is infinite
      ArithmeticException e = assertThrows(ArithmeticException.class, y::backward);
      assertTrue(e.getMessage().contains("'sqrt'"), e.getMessage());
      assertTrue(e.getCause().getMessage().contains("created here"));
    }
    assertFalse(AnomalyMode.isEnabled());
  }

  @Test
  void withoutAnomalyModeInfinitiesFlowThrough() {
    Tensor x = vec(0.0);
    x.sqrt().sum().backward();
    assertEquals(Double.POSITIVE_INFINITY, x.grad().item());
  }

  @Test
  void retainGradKeepsIntermediateGradients() {
    Tensor x = vec(1.0, 2.0);
    Tensor h = x.mul(2).retainGrad();
    h.square().sum().backward();
    assertArrayEquals(new double[] {4, 8}, h.grad().toDoubleArray(), 0);
  }

  @Test
  void requiresGradOnANonLeafIsAnError() {
    Tensor y = vec(1.0).mul(2);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    assertTrue(e.getMessage().contains("'mul'"), e.getMessage());
  }

  @Test
  void gradFnNamesTheOpAndLinksItsInputs() {
    Tensor x = vec(1.0);
    Tensor y = x.tanh().mul(2);
    assertEquals("mul", y.gradFn().name());
    Node tanh = y.gradFn().inputs().get(0);
    assertEquals("tanh", tanh.name());
    assertSame(x, ((AccumulateGrad) tanh.inputs().get(0)).leaf());
  }

  @Test
  void float32GradientsStayFloat32() {
    Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
    x.mul(Tensor.of(new double[] {3, 4}, 2)).sum().backward();
    assertEquals(DType.FLOAT32, x.grad().dtype());
    assertArrayEquals(new float[] {3, 4}, x.grad().toFloatArray(), 0);
  }

  @Test
  void broadcastInputsGetGradientsOfTheirOwnShape() {
    Tensor b = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
    Tensor x = Tensor.ones(DType.FLOAT64, 4, 3);
    x.add(b).sum().backward();
    assertArrayEquals(new int[] {3}, b.grad().shape());
    assertArrayEquals(new double[] {4, 4, 4}, b.grad().toDoubleArray(), 0);
  }
}

package dev.grad4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Flatten;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.nn.Tanh;
import org.junit.jupiter.api.Test;

class ExplainTest {
  private static Sequential smooth(Generator gen, int in, int classes) {
    Sequential m =
        new Sequential(
            new Linear(in, 16, true, gen),
            new Tanh(),
            new Linear(16, 16, true, gen),
            new Tanh(),
            new Linear(16, classes, true, gen));
    m.to(DType.FLOAT64);
    return m;
  }

  private static double logit(Sequential m, Tensor x, int b, int c) {
    try (var g = GradMode.disabled()) {
      return m.forward(x).get(b, c);
    }
  }

  @Test
  void vanillaGradientOfALinearModelIsTheClassWeightRow() {
    Generator gen = new Generator(1);
    Linear lin = new Linear(6, 3, true, gen);
    lin.to(DType.FLOAT64);
    Tensor w = lin.namedParameters().get("weight");
    Tensor x = Tensor.uniform(gen, 0, 1, DType.FLOAT64, 2, 6);
    Tensor classes = Tensor.vector(2.0, 0.0);
    Tensor g = Saliency.vanilla(lin, x, classes);
    Tensor gx = Saliency.gradientTimesInput(lin, x, classes);
    for (int j = 0; j < 6; j++) {
      assertEquals(w.get(2, j), g.get(0, j), 1e-12);
      assertEquals(w.get(0, j), g.get(1, j), 1e-12);
      assertEquals(w.get(2, j) * x.get(0, j), gx.get(0, j), 1e-12);
    }
    for (Tensor p : lin.parameters()) {
      assertNull(p.grad());
    }
  }

  @Test
  void integratedGradientsAreComplete() {
    Generator gen = new Generator(42);
    Sequential m = smooth(gen, 8, 4);
    Tensor x = Tensor.uniform(gen, 0, 1, DType.FLOAT64, 3, 8);
    Tensor baseline = Tensor.zeros(DType.FLOAT64, 3, 8);
    Tensor classes = Tensor.vector(0.0, 3.0, 1.0);
    Tensor attr = Saliency.integratedGradients(m, x, classes, baseline, 64);
    for (int b = 0; b < 3; b++) {
      int c = (int) classes.get(b);
      double want = logit(m, x, b, c) - logit(m, baseline, b, c);
      double got = attr.select(0, b).sum().item();
      assertEquals(want, got, 1e-4 * Math.max(1, Math.abs(want)), "example " + b);
    }
    // with 2 steps, the trapezoid rule is far from exact: the test above can fail
    Tensor coarse = Saliency.integratedGradients(m, x, classes, baseline, 1);
    double err64 = Math.abs(attr.sum().item() - coarse.sum().item());
    assertTrue(err64 > 1e-6, "one interval should differ from 64");
  }

  @Test
  void integratedGradientsOfAReluNetworkAreCompleteToo() {
    Generator gen = new Generator(5);
    Sequential m =
        new Sequential(new Linear(5, 12, true, gen), new ReLU(), new Linear(12, 2, true, gen));
    m.to(DType.FLOAT64);
    Tensor x = Tensor.uniform(gen, 0, 1, DType.FLOAT64, 1, 5);
    Tensor base = Tensor.zeros(DType.FLOAT64, 1, 5);
    Tensor attr = Saliency.integratedGradients(m, x, Tensor.vector(1.0), base, 400);
    double want = logit(m, x, 0, 1) - logit(m, base, 0, 1);
    assertEquals(want, attr.sum().item(), 1e-2 * Math.max(1, Math.abs(want)));
  }

  @Test
  void smoothGradWithZeroNoiseIsTheVanillaGradient() {
    Generator gen = new Generator(9);
    Sequential m = smooth(gen, 7, 3);
    Tensor x = Tensor.uniform(gen, 0, 1, DType.FLOAT64, 2, 7);
    Tensor classes = Tensor.vector(1.0, 2.0);
    Tensor vanilla = Saliency.vanilla(m, x, classes);
    Tensor sg0 = Saliency.smoothGrad(m, x, classes, 0, 5, new Generator(1));
    assertTrue(vanilla.allClose(sg0, 1e-12, 1e-14));
    // with noise it differs, and the same seed gives the same bits
    Tensor a = Saliency.smoothGrad(m, x, classes, 0.3, 8, new Generator(3));
    Tensor b = Saliency.smoothGrad(m, x, classes, 0.3, 8, new Generator(3));
    assertTrue(a.allClose(b, 0, 0));
    assertTrue(!a.allClose(vanilla, 1e-6, 1e-9));
  }

  @Test
  void visualisationIncreasesTheChosenLogitAndHiddenUnit() {
    Generator gen = new Generator(13);
    Sequential m =
        new Sequential(
            new Flatten(), new Linear(36, 10, true, gen), new ReLU(), new Linear(10, 4, true, gen));
    var o = FeatureVisualization.Options.defaults().withSteps(40);
    var r = FeatureVisualization.classImage(m, 3, new int[] {1, 6, 6}, o);
    assertTrue(
        r.finalActivation() > r.initialActivation() + 0.05,
        r.initialActivation() + " -> " + r.finalActivation());
    assertEquals(1, r.image().size(0));
    assertTrue(r.image().min().item() >= 0 && r.image().max().item() <= 1);
    var h = FeatureVisualization.maximize(m, 1, 4, new int[] {1, 6, 6}, o.withJitter(0));
    assertTrue(h.finalActivation() > h.initialActivation());
    // seeded: the same options give the same image
    var again = FeatureVisualization.classImage(m, 3, new int[] {1, 6, 6}, o);
    assertTrue(again.image().allClose(r.image(), 0, 0));
    for (Tensor p : m.parameters()) {
      assertNull(p.grad());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> FeatureVisualization.maximize(m, 9, 0, new int[] {1, 6, 6}, o));
    assertThrows(
        IllegalArgumentException.class,
        () -> FeatureVisualization.maximize(m, 3, 4, new int[] {1, 6, 6}, o));
  }

  @Test
  void rollAndTotalVariation() {
    Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 1, 1, 2, 3);
    Tensor r = FeatureVisualization.roll(x, 1, 1);
    assertTrue(r.allClose(Tensor.of(new double[] {6, 4, 5, 3, 1, 2}, 1, 1, 2, 3), 0, 0));
    // vertical: 3·3² = 27; horizontal: 4·1² = 4
    assertEquals(31, FeatureVisualization.totalVariation(x).item(), 1e-12);
  }
}

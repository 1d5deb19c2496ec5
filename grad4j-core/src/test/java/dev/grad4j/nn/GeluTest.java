package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import org.junit.jupiter.api.Test;

class GeluTest {

  static double erf(double x) {
    return Tensor.scalar(x, DType.FLOAT64).erf().item();
  }

  @Test
  void erfMatchesReferenceValuesToAboutOneUlp() {
    // Reference values from a 40-digit evaluation, across Cody's three ranges.
    double[][] golden = {
      {0.5, 0.5204998778130465},
      {-2, -0.9953222650189527},
      {3, 0.9999779095030014},
      {1e-10, 1.1283791670955126e-10},
      {0.1, 0.1124629160182849},
      {0.46875, 0.492613473217938},
      {0.47, 0.49374505088608214},
      {1, 0.8427007929497149},
      {2.5, 0.999593047982555},
      {4, 0.9999999845827421},
      {4.25, 0.9999999981494259},
      {5.5, 0.9999999999999927},
      {-0.3, -0.32862675945912745},
      {-3.7, -0.9999998328489421}
    };
    for (double[] g : golden) {
      assertEquals(g[1], erf(g[0]), 2e-16 * Math.max(1, Math.abs(g[1])), "erf(" + g[0] + ")");
    }
    assertEquals(0, erf(0), 0);
    assertEquals(1, erf(7), 0);
    assertEquals(-1, erf(Double.NEGATIVE_INFINITY), 0);
    assertTrue(Double.isNaN(erf(Double.NaN)));
    assertEquals(0.5204999f, Tensor.scalar(0.5).erf().item(), 1e-7, "float32");
  }

  @Test
  void geluMatchesKnownValues() {
    Tensor x = Tensor.vector(1.0, -1.0, 0.0);
    double[] exact = new GELU().forward(x).toDoubleArray();
    assertEquals(0.8413447460685429, exact[0], 1e-16);
    assertEquals(-0.15865525393145705, exact[1], 1e-16);
    assertEquals(0, exact[2], 0);
    double[] tanh = new GELU("tanh").forward(Tensor.vector(1.0, -0.5)).toDoubleArray();
    assertEquals(0.8411919906082767, tanh[0], 1e-15);
    assertEquals(-0.15428599017485608, tanh[1], 1e-15);
    assertEquals("GELU(approximate=none)", new GELU().toString());
  }

  @Test
  void passesGradCheck() {
    Generator gen = new Generator(41);
    Tensor x = Tensor.normal(gen, 0, 2, DType.FLOAT64, 3, 4);
    GradCheck.assertPasses(in -> Functional.gelu(in[0]), x);
    GradCheck.assertPasses(in -> Functional.gelu(in[0], "tanh"), x);
    GradCheck.assertSecondOrderPasses(in -> Functional.gelu(in[0]), x);
    // erf's own derivative is 2/sqrt(pi) e^(-x^2).
    Tensor t = Tensor.vector(0.7).to(DType.FLOAT64).requiresGrad(true);
    t.erf().sum().backward();
    assertEquals(2 / Math.sqrt(Math.PI) * Math.exp(-0.49), t.grad().item(), 1e-16);
  }

  @Test
  void rejectsUnknownApproximations() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new GELU("sigmoid"));
    assertEquals("GELU: approximate must be \"none\" or \"tanh\", got \"sigmoid\"", e.getMessage());
  }
}

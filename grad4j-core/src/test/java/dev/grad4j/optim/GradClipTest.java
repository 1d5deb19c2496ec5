package dev.grad4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

  /** Parameters whose gradients are (3, 4) and (12): total 2-norm 13, infinity norm 12. */
  private static List<Tensor> params() {
    Tensor a = Tensor.zeros(2).requiresGrad(true);
    Tensor b = Tensor.zeros(1).requiresGrad(true);
    Tensor c = Tensor.zeros(1).requiresGrad(true); // no gradient: skipped
    a.setGrad(Tensor.vector(3f, 4f));
    b.setGrad(Tensor.vector(12f));
    return List.of(a, b, c);
  }

  @Test
  void clipGradNormScalesAllGradientsTogether() {
    List<Tensor> ps = params();
    double norm = GradClip.clipGradNorm(ps, 6.5);
    assertEquals(13, norm, 1e-12);
    double coef = 6.5 / (13 + 1e-6); // PyTorch's eps keeps the result just under maxNorm
    assertArrayEquals(
        new float[] {(float) (3 * coef), (float) (4 * coef)},
        ps.get(0).grad().toFloatArray(),
        1e-6f);
    assertArrayEquals(new float[] {(float) (12 * coef)}, ps.get(1).grad().toFloatArray(), 1e-6f);
    assertEquals(6.5, GradClip.gradNorm(ps, 2), 1e-5);
    assertEquals(null, ps.get(2).grad());
  }

  @Test
  void smallNormsAreLeftAlone() {
    List<Tensor> ps = params();
    assertEquals(13, GradClip.clipGradNorm(ps, 100), 1e-12);
    assertArrayEquals(new float[] {3, 4}, ps.get(0).grad().toFloatArray(), 0);
  }

  @Test
  void infinityAndOneNorms() {
    List<Tensor> ps = params();
    assertEquals(19, GradClip.gradNorm(ps, 1), 0);
    assertEquals(12, GradClip.clipGradNorm(ps, 6, Double.POSITIVE_INFINITY), 0);
    assertArrayEquals(new float[] {6}, ps.get(1).grad().toFloatArray(), 1e-5f);
    assertArrayEquals(new float[] {1.5f, 2f}, ps.get(0).grad().toFloatArray(), 1e-6f);
  }

  @Test
  void noGradientsGiveNormZero() {
    assertEquals(0, GradClip.clipGradNorm(List.of(Tensor.zeros(3).requiresGrad(true)), 1));
  }

  @Test
  void nonFiniteNormsPoisonOrThrow() {
    List<Tensor> ps = params();
    ps.get(1).setGrad(Tensor.vector(Float.NaN));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> GradClip.clipGradNorm(ps, 1, 2, true));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertArrayEquals(new float[] {3, 4}, ps.get(0).grad().toFloatArray(), 0); // untouched
    assertTrue(Double.isNaN(GradClip.clipGradNorm(ps, 1)));
    assertTrue(Float.isNaN(ps.get(0).grad().toFloatArray()[0]));
  }

  @Test
  void clipGradValueClampsEachElement() {
    List<Tensor> ps = params();
    Tensor before = ps.get(0).grad();
    GradClip.clipGradValue(ps, 3.5);
    assertArrayEquals(new float[] {3, 3.5f}, ps.get(0).grad().toFloatArray(), 0);
    assertArrayEquals(new float[] {3.5f}, ps.get(1).grad().toFloatArray(), 0);
    assertSame(before, ps.get(0).grad()); // in place
    assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradValue(ps, -1));
  }

  @Test
  void expandedGradientsAreReplacedNotWrittenThrough() {
    Tensor p = Tensor.zeros(3).requiresGrad(true);
    p.setGrad(Tensor.vector(4f).expand(3));
    GradClip.clipGradValue(List.of(p), 1);
    assertArrayEquals(new float[] {1, 1, 1}, p.grad().toFloatArray(), 0);
  }
}

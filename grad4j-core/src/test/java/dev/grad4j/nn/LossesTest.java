package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import org.junit.jupiter.api.Test;

/**
 * Loss values against hand-computed numbers (the less obvious ones were also checked against
 * PyTorch 1.13's torch.nn.functional in float64), gradients against finite differences.
 */
class LossesTest {
  private static final double TOL = 1e-12;

  private static Tensor v(double... values) {
    return Tensor.vector(values);
  }

  private static Tensor m(int rows, double... values) {
    return Tensor.of(values, rows, values.length / rows);
  }

  private static Tensor labels(int... values) {
    return Tensor.of(values, values.length);
  }

  private static void assertValues(Tensor t, double... expected) {
    double[] got = t.toDoubleArray();
    assertEquals(expected.length, got.length, "element count");
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], TOL * Math.max(1, Math.abs(expected[i])), "element " + i);
    }
  }

  private static Tensor randn(long seed, int... shape) {
    return Tensor.normal(new Generator(seed), 0, 1, DType.FLOAT64, shape);
  }

  // ---------------------------------------------------------------- regression

  @Test
  void mseAndL1WithEveryReduction() {
    Tensor x = v(1, 2, 3);
    Tensor y = v(1, 0, 5); // differences 0, 2, -2
    assertValues(Losses.mse(x, y), 8.0 / 3);
    assertValues(Losses.mse(x, y, Reduction.SUM), 8);
    assertValues(Losses.mse(x, y, Reduction.NONE), 0, 4, 4);
    assertValues(Losses.l1(x, y), 4.0 / 3);
    assertValues(Losses.l1(x, y, Reduction.SUM), 4);
    assertValues(Losses.l1(x, y, Reduction.NONE), 0, 2, 2);
  }

  @Test
  void lossDtypeFollowsTheInput() {
    Tensor x = Tensor.vector(1f, 2f);
    Tensor loss = Losses.mse(x, Tensor.of(new int[] {1, 1}, 2)); // float64 target
    assertEquals(DType.FLOAT32, loss.dtype());
    assertEquals(0.5, loss.item(), 0);
  }

  @Test
  void huberAndSmoothL1() {
    Tensor x = v(0, 0.5, 3, -2);
    Tensor y = Tensor.zeros(DType.FLOAT64, 4);
    // delta 1: 0, 0.5*0.25, 1*(3 - 0.5), 1*(2 - 0.5)
    assertValues(Losses.huber(x, y, 1, Reduction.NONE), 0, 0.125, 2.5, 1.5);
    assertValues(Losses.huber(x, y), 4.125 / 4);
    // delta 2: |d| = 2 is on the linear side: 2*(2 - 1)
    assertValues(Losses.huber(x, y, 2, Reduction.SUM), 0 + 0.125 + 4 + 2);
    // beta 2: 0.5*d²/2 inside, |d| - 1 outside; equals huber(delta=beta)/beta
    assertValues(Losses.smoothL1(x, y, 2, Reduction.NONE), 0, 0.0625, 2, 1);
    assertValues(Losses.smoothL1(x, y, 2, Reduction.SUM), 3.0625);
    // beta 1 (default): 0, 0.125, 2.5, 1.5 — the same as huber with delta 1
    assertValues(Losses.smoothL1(x, y), 4.125 / 4);
    // beta 0 is the L1 loss
    assertValues(Losses.smoothL1(x, y, 0, Reduction.SUM), 5.5);
  }

  @Test
  void regressionLossesPassGradCheck() {
    Tensor x = randn(1, 2, 3);
    Tensor y = randn(2, 2, 3).mul(2);
    GradCheck.assertPasses(in -> Losses.mse(in[0], in[1]), x, y);
    GradCheck.assertPasses(in -> Losses.l1(in[0], in[1], Reduction.SUM), x, y);
    GradCheck.assertPasses(in -> Losses.huber(in[0], in[1], 0.7, Reduction.NONE), x, y);
    GradCheck.assertPasses(in -> Losses.smoothL1(in[0], in[1], 1.3, Reduction.MEAN), x, y);
  }

  // ---------------------------------------------------------------- binary

  @Test
  void bceMatchesItsFormulaAndClampsTheLogAtMinus100() {
    Tensor x = v(0.9, 0.2).requiresGrad(true);
    Tensor y = v(1, 0);
    Tensor loss = Losses.bce(x, y);
    assertValues(loss, (-Math.log(0.9) - Math.log(0.8)) / 2);
    loss.backward();
    // (x - y) / (x (1 - x)) / N
    assertValues(x.grad(), (0.9 - 1) / (0.9 * 0.1) / 2, 0.2 / (0.2 * 0.8) / 2);
    // certain and wrong: log 0 is clamped to -100; certain and right: 0
    assertValues(Losses.bce(v(0, 1, 0, 1), v(1, 0, 0, 1), null, Reduction.NONE), 100, 100, 0, 0);
  }

  @Test
  void bceGradientAtZeroAndOneIsPyTorchs() {
    Tensor x = v(0.9, 0.2, 0, 1, 0).requiresGrad(true);
    Tensor loss = Losses.bce(x, v(1, 0, 1, 0, 0), null, Reduction.SUM);
    assertValues(loss, 200.32850406697202);
    loss.backward();
    // PyTorch divides by max(x (1 - x), 1e-12f): finite, huge, and 0 where x = y
    assertValues(x.grad(), -1.1111111111111112, 1.25, -1000000003995.8029, 1000000003995.8029, 0.0);
  }

  @Test
  void bceWeightsAndRejectsNonProbabilities() {
    assertValues(Losses.bce(v(0.5, 0.5), v(1, 0), v(2, 0), Reduction.SUM), 2 * Math.log(2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Losses.bce(v(0.5, 1.5), v(1, 0)));
    assertTrue(e.getMessage().contains("bceWithLogits"), e.getMessage());
  }

  @Test
  void bceWithLogitsIsExactAndFiniteAtPlusMinus1000() {
    Tensor x = v(1000, -1000, 1000, -1000, 0, 0.5).requiresGrad(true);
    Tensor y = v(1, 1, 0, 0, 1, 0);
    Tensor loss = Losses.bceWithLogits(x, y, null, null, Reduction.NONE);
    // max(x, 0) - x y + log(1 + e^-|x|)
    assertValues(loss, 0, 1000, 1000, 0, Math.log(2), 0.5 + Math.log1p(Math.exp(-0.5)));
    loss.sum().backward();
    // sigmoid(x) - y; at x = 0 the true derivative 0.5 - y (not a kink convention)
    assertValues(x.grad(), 0, -1, 1, 0, -0.5, 1 / (1 + Math.exp(-0.5)));
    assertValues(Losses.bceWithLogits(x, y), (2000 + Math.log(2) + 0.9740769841801067) / 6);
  }

  @Test
  void bceWithLogitsPosWeight() {
    Tensor x = v(1000, -1000, 1000, -1000, 0, 0.5).requiresGrad(true);
    Tensor y = v(1, 1, 0, 0, 1, 1);
    Tensor loss = Losses.bceWithLogits(x, y, null, v(3), Reduction.NONE);
    // positives weigh 3: 3 log(1 + e^-x)
    assertValues(loss, 0, 3000, 1000, 0, 3 * Math.log(2), 3 * Math.log1p(Math.exp(-0.5)));
    loss.sum().backward();
    // (1 + (p - 1) y) sigmoid(x) - p y
    double s = 1 / (1 + Math.exp(-0.5));
    assertValues(x.grad(), 0, -3, 1, 0, 3 * 0.5 - 3, 3 * s - 3);
  }

  @Test
  void binaryLossesPassGradCheck() {
    Tensor p = randn(3, 2, 3).sigmoid(); // probabilities strictly inside (0, 1)
    Tensor y = Tensor.uniform(new Generator(4), 0, 1, DType.FLOAT64, 2, 3);
    GradCheck.assertPasses(in -> Losses.bce(in[0], in[1]), p, y);
    Tensor logits = randn(5, 2, 3).mul(3);
    GradCheck.assertPasses(in -> Losses.bceWithLogits(in[0], in[1]), logits, y);
    GradCheck.assertPasses(
        in -> Losses.bceWithLogits(in[0], in[1], in[2], in[3], Reduction.SUM),
        logits,
        y,
        randn(6, 2, 3).abs(),
        v(0.5, 2, 4));
  }

  // ---------------------------------------------------------------- classification

  // Logits whose log-softmax is easy to write: row 0 [1, 2, 3], row 1 uniform.
  private static final double LSE0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));

  @Test
  void crossEntropyOfClassIndices() {
    Tensor x = m(2, 1, 2, 3, 1, 1, 1);
    Tensor t = labels(2, 0);
    double nll0 = LSE0 - 3;
    double nll1 = Math.log(3);
    assertValues(Losses.crossEntropy(x, t), (nll0 + nll1) / 2);
    assertValues(Losses.crossEntropy(x, t, Reduction.SUM), nll0 + nll1);
    assertValues(Losses.crossEntropy(x, t, Reduction.NONE), nll0, nll1);
    assertValues(Losses.crossEntropy(x, t), 0.7531091265562451);
  }

  @Test
  void crossEntropyLabelSmoothing() {
    Tensor x = m(2, 1, 2, 3, 1, 1, 1);
    Tensor t = labels(2, 0);
    double eps = 0.1;
    // (1 - ε) nll + (ε / C) Σ_k -logp_k
    double l0 = (1 - eps) * (LSE0 - 3) + eps / 3 * (3 * LSE0 - 6);
    double l1 = Math.log(3); // uniform logits: every term is log 3
    assertValues(Losses.crossEntropy(x, t, eps), (l0 + l1) / 2);
    assertValues(Losses.crossEntropy(x, t, eps), 0.8031091265562451);
  }

  @Test
  void crossEntropyClassWeightsNormaliseByTheTargetsWeights() {
    Tensor x = m(2, 1, 2, 3, 1, 1, 1);
    Tensor t = labels(2, 0);
    Tensor w = v(1, 2, 3);
    double weighted = 3 * (LSE0 - 3) + 1 * Math.log(3);
    assertValues(
        Losses.crossEntropy(x, t, w, Losses.DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN),
        weighted / (3 + 1));
    assertValues(
        Losses.crossEntropy(x, t, w, Losses.DEFAULT_IGNORE_INDEX, 0, Reduction.SUM), weighted);
  }

  @Test
  void crossEntropyWeightsWithSmoothingMatchPyTorch() {
    Tensor x = m(2, 1, 2, 3, 1, 1, 1).requiresGrad(true);
    Tensor t = labels(2, 0);
    Tensor w = v(1, 2, 3);
    int ignore = Losses.DEFAULT_IGNORE_INDEX;
    Tensor loss = Losses.crossEntropy(x, t, w, ignore, 0.2, Reduction.MEAN);
    assertValues(loss, 0.6815745283781659);
    loss.backward();
    assertValues(
        x.grad(),
        0.046354734552599655,
        0.13797659640502505,
        -0.18433133095762477,
        -0.11666666666666668,
        0.06666666666666665,
        0.04999999999999999);
    assertValues(Losses.crossEntropy(x, t, w, ignore, 0.2, Reduction.SUM), 2.7262981135126636);
    assertValues(
        Losses.crossEntropy(x, t, w, ignore, 0.2, Reduction.NONE),
        1.407963367110932,
        1.3183347464017319);
  }

  @Test
  void ignoredTargetsCountNowhere() {
    Tensor x = m(3, 1, 2, 3, 1, 1, 1, 0.5, -1, 2);
    Tensor t = labels(2, -100, 1);
    Tensor kept = m(2, 1, 2, 3, 0.5, -1, 2);
    assertValues(Losses.crossEntropy(x, t), Losses.crossEntropy(kept, labels(2, 1)).item());
    assertValues(Losses.crossEntropy(x, t), 1.8244586305507688);
    assertValues(
        Losses.crossEntropy(x, t, v(1, 2, 3), -100, 0.3, Reduction.MEAN), 1.3866317394628282);
    assertValues(Losses.crossEntropy(x, t, Reduction.NONE).narrow(0, 1, 1), 0);
    // any class can be the ignored one
    Tensor drop0 = Losses.crossEntropy(x, labels(2, 0, 1), null, 0, 0, Reduction.MEAN);
    assertValues(drop0, Losses.crossEntropy(kept, labels(2, 1)).item());
  }

  @Test
  void crossEntropyOfProbabilities() {
    Tensor x = m(2, 1, 2, 3, 1, 1, 1);
    // one-hot probabilities are the class indices again, smoothing included
    Tensor oneHot = m(2, 0, 0, 1, 1, 0, 0);
    assertValues(Losses.crossEntropy(x, oneHot), Losses.crossEntropy(x, labels(2, 0)).item());
    assertValues(
        Losses.crossEntropy(x, oneHot, 0.1), Losses.crossEntropy(x, labels(2, 0), 0.1).item());
    Tensor p = m(2, 0.2, 0.3, 0.5, 1, 0, 0);
    assertValues(
        Losses.crossEntropy(x, p, v(1, 2, 3), -100, 0.1, Reduction.MEAN), 1.583536195078499);
  }

  @Test
  void crossEntropyOverSpatialDimsEqualsTheFlattenedBatch() {
    Tensor x = randn(7, 2, 4, 3); // [N=2, C=4, d=3]
    Tensor t = Tensor.of(new int[] {0, 3, 2, 1, 1, 0}, 2, 3);
    Tensor flat = x.permute(0, 2, 1).reshape(6, 4);
    Tensor w = v(0.5, 1, 2, 3);
    for (Reduction r : Reduction.values()) {
      Tensor a = Losses.crossEntropy(x, t, w, -100, 0.25, r);
      Tensor b = Losses.crossEntropy(flat, t.reshape(6), w, -100, 0.25, r);
      assertTrue(a.reshape(-1).allClose(b.reshape(-1), 1e-12, 1e-12), r.toString());
    }
    assertArrayEquals(new int[] {2, 3}, Losses.crossEntropy(x, t, Reduction.NONE).shape());
  }

  @Test
  void unbatchedCrossEntropy() {
    Tensor loss = Losses.crossEntropy(v(1, 2, 3), Tensor.scalar(2, DType.FLOAT64));
    assertEquals(0, loss.dim());
    assertValues(loss, LSE0 - 3);
  }

  @Test
  void nllOfLogSoftmaxIsCrossEntropy() {
    Tensor x = randn(8, 5, 4);
    Tensor t = labels(3, 0, 1, 3, 2);
    Tensor w = v(1, 0.5, 2, 1.5);
    assertTrue(
        Losses.nll(x.logSoftmax(1), t, w, -100, Reduction.MEAN)
            .allClose(Losses.crossEntropy(x, t, w, -100, 0, Reduction.MEAN), 1e-12, 1e-12));
    // -input[i, t_i], read straight off
    Tensor logp = m(2, -1, -2, -3, -4);
    assertValues(Losses.nll(logp, labels(1, 0), Reduction.NONE), 2, 3);
  }

  @Test
  void classificationLossesPassGradCheck() {
    Tensor x = randn(9, 3, 4);
    Tensor t = labels(3, 0, 2);
    Tensor w = v(1, 0.5, 2, 1.5);
    GradCheck.assertPasses(in -> Losses.crossEntropy(in[0], t), x);
    GradCheck.assertPasses(
        in -> Losses.crossEntropy(in[0], labels(3, -100, 2), in[1], -100, 0.2, Reduction.MEAN),
        x,
        w);
    GradCheck.assertPasses(
        in -> Losses.crossEntropy(in[0], t, in[1], -100, 0.1, Reduction.NONE), x, w);
    Tensor probs = randn(10, 3, 4).softmax(1);
    GradCheck.assertPasses(in -> Losses.crossEntropy(in[0], in[1], 0.1), x, probs);
    GradCheck.assertPasses(in -> Losses.nll(in[0], t, Reduction.SUM), x);
    Tensor spatial = randn(11, 2, 3, 2);
    Tensor ts = Tensor.of(new int[] {0, 2, 1, 1}, 2, 2);
    GradCheck.assertPasses(in -> Losses.crossEntropy(in[0], ts, 0.3), spatial);
  }

  // ---------------------------------------------------------------- errors

  @Test
  void outOfRangeTargetsAreNamed() {
    Tensor x = Tensor.zeros(2, 10);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, labels(3, 12)));
    assertEquals(
        "crossEntropy: target 12 is out of range for 10 classes (expected 0 to 9)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Losses.nll(x, labels(-1, 0)));
    assertTrue(e.getMessage().startsWith("nll: target -1 is out of range"), e.getMessage());
  }

  @Test
  void nonIntegerTargetsAreRejected() {
    Tensor x = Tensor.zeros(2, 3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, v(1.5, 0)));
    assertTrue(e.getMessage().contains("target 1.5 is not an integer class index"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, v(Double.NaN, 0)));
  }

  @Test
  void shapeMismatchesNameBothShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Losses.crossEntropy(Tensor.zeros(4, 10), Tensor.zeros(4, 1)));
    assertEquals(
        "crossEntropy: input [4, 10] needs class-index targets of shape [4] or class"
            + " probabilities of shape [4, 10], got target [4, 1]",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Losses.mse(Tensor.zeros(4, 1), Tensor.zeros(4)));
    assertEquals(
        "mse: input shape [4, 1] and target shape [4] differ; the loss needs equal shapes",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Losses.crossEntropy(
                    Tensor.zeros(2, 3), labels(0, 1), v(1, 2), -100, 0, Reduction.MEAN));
    assertTrue(e.getMessage().contains("shape [3]; got [2]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Losses.bceWithLogits(
                Tensor.zeros(2, 3), Tensor.zeros(2, 3), null, v(1, 2), Reduction.MEAN));
    assertThrows(
        IllegalArgumentException.class,
        () -> Losses.crossEntropy(Tensor.zeros(2, 3), labels(0, 1), 1.5));
    assertThrows(IllegalArgumentException.class, () -> Losses.huber(v(1), v(1), 0, Reduction.MEAN));
  }
}

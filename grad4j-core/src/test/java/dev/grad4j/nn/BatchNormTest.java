package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchNormTest {

  static Tensor f64(Generator gen, double mean, double std, int... shape) {
    return Tensor.normal(gen, mean, std, DType.FLOAT64, shape);
  }

  /** Per-channel statistics of x [N, C, ...], by hand: {mean, biased var, unbiased var}. */
  static double[][] stats(Tensor x) {
    int c = x.size(1);
    int n = x.size(0);
    int inner = x.numel() / (n * c);
    double[] v = x.contiguous().toDoubleArray();
    double[][] out = new double[3][c];
    int count = n * inner;
    for (int ch = 0; ch < c; ch++) {
      double sum = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < inner; i++) {
          sum += v[(b * c + ch) * inner + i];
        }
      }
      double mean = sum / count;
      double sq = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < inner; i++) {
          double dv = v[(b * c + ch) * inner + i] - mean;
          sq += dv * dv;
        }
      }
      out[0][ch] = mean;
      out[1][ch] = sq / count;
      out[2][ch] = sq / (count - 1);
    }
    return out;
  }

  /** (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c], element by element. */
  static double[] normalise(Tensor x, double[] mean, double[] var, double[] w, double[] b) {
    int c = x.size(1);
    int inner = x.numel() / (x.size(0) * c);
    double[] v = x.contiguous().toDoubleArray();
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int ch = (i / inner) % c;
      out[i] = (v[i] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * w[ch] + b[ch];
    }
    return out;
  }

  @Test
  void trainingNormalisesWithBatchStatisticsAndTracksRunningOnes() {
    BatchNorm2d bn = new BatchNorm2d(3);
    bn.to(DType.FLOAT64);
    double[] w = {1.5, -0.5, 2};
    double[] b = {0.1, 0.2, -0.3};
    bn.weight().detach().copyFrom(Tensor.of(w, 3));
    bn.bias().detach().copyFrom(Tensor.of(b, 3));
    Generator gen = new Generator(31);
    Tensor x1 = f64(gen, 2, 3, 4, 3, 2, 5);
    Tensor x2 = f64(gen, -1, 0.5, 4, 3, 2, 5);

    Tensor y1 = bn.forward(x1);
    double[][] s1 = stats(x1);
    assertArrayEquals(normalise(x1, s1[0], s1[1], w, b), y1.toDoubleArray(), 1e-12);
    bn.forward(x2);
    double[][] s2 = stats(x2);

    // running = 0.9 running + 0.1 batch, starting from mean 0 and variance 1; the running
    // variance takes the unbiased batch variance.
    double[] mean = new double[3];
    double[] var = new double[3];
    for (int c = 0; c < 3; c++) {
      mean[c] = 0.9 * (0.9 * 0 + 0.1 * s1[0][c]) + 0.1 * s2[0][c];
      var[c] = 0.9 * (0.9 * 1 + 0.1 * s1[2][c]) + 0.1 * s2[2][c];
    }
    assertArrayEquals(mean, bn.runningMean().toDoubleArray(), 1e-14);
    assertArrayEquals(var, bn.runningVar().toDoubleArray(), 1e-14);
    assertEquals(2, bn.numBatchesTracked());

    // Eval mode normalises with the running statistics and leaves them alone.
    bn.eval();
    Tensor x3 = f64(gen, 0, 1, 2, 3, 2, 2);
    assertArrayEquals(normalise(x3, mean, var, w, b), bn.forward(x3).toDoubleArray(), 1e-12);
    assertArrayEquals(mean, bn.runningMean().toDoubleArray(), 0);
    assertEquals(2, bn.numBatchesTracked());
    // Back in training mode, the batch statistics are used again.
    bn.train();
    assertArrayEquals(normalise(x1, s1[0], s1[1], w, b), bn.forward(x1).toDoubleArray(), 1e-12);
    assertEquals(3, bn.numBatchesTracked());
  }

  @Test
  void batchNorm1dTakesVectorsAndSequences() {
    Generator gen = new Generator(32);
    for (int[] shape : new int[][] {{6, 4}, {3, 4, 5}}) {
      BatchNorm1d bn = new BatchNorm1d(4, 1e-5, 0.3, true, true);
      bn.to(DType.FLOAT64);
      Tensor x = f64(gen, 1, 2, shape);
      double[][] s = stats(x);
      double[] ones = {1, 1, 1, 1};
      double[] zeros = {0, 0, 0, 0};
      assertArrayEquals(
          normalise(x, s[0], s[1], ones, zeros), bn.forward(x).toDoubleArray(), 1e-12);
      for (int c = 0; c < 4; c++) {
        assertEquals(0.3 * s[0][c], bn.runningMean().get(c), 1e-14);
        assertEquals(0.7 + 0.3 * s[2][c], bn.runningVar().get(c), 1e-14);
      }
    }
  }

  @Test
  void stateDictUsesPyTorchsNames() {
    Sequential model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
    assertEquals(
        List.of(
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked"),
        List.copyOf(model.stateDict().keySet()));
    assertEquals(
        List.of("0.weight", "0.bias", "1.weight", "1.bias"),
        List.copyOf(model.namedParameters().keySet()));
    assertArrayEquals(new int[0], model.stateDict().get("1.num_batches_tracked").shape());
    assertArrayEquals(
        new double[] {1, 1}, model.stateDict().get("1.running_var").toDoubleArray(), 0);
    assertArrayEquals(new double[] {1, 1}, model.stateDict().get("1.weight").toDoubleArray(), 0);
  }

  @Test
  void withoutRunningStatisticsEvalUsesTheBatch() {
    BatchNorm1d bn = new BatchNorm1d(2, 1e-5, 0.1, false, false);
    assertTrue(bn.stateDict().isEmpty());
    assertNull(bn.weight());
    bn.eval();
    Tensor x = f64(new Generator(33), 3, 2, 5, 2);
    double[][] s = stats(x);
    assertArrayEquals(
        normalise(x, s[0], s[1], new double[] {1, 1}, new double[] {0, 0}),
        bn.forward(x).toDoubleArray(),
        1e-12);
    assertEquals(0, bn.numBatchesTracked());
  }

  @Test
  void resetRunningStatsRestoresTheStart() {
    BatchNorm1d bn = new BatchNorm1d(2);
    bn.forward(Tensor.randn(new Generator(34), 4, 2));
    bn.resetRunningStats();
    assertArrayEquals(new double[] {0, 0}, bn.runningMean().toDoubleArray(), 0);
    assertArrayEquals(new double[] {1, 1}, bn.runningVar().toDoubleArray(), 0);
    assertEquals(0, bn.numBatchesTracked());
  }

  @Test
  void passesGradCheckInTrainingAndEval() {
    Generator gen = new Generator(35);
    // Training: gradients flow through the batch mean and variance too.
    GradCheck.assertPasses(
        in -> Functional.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
        f64(gen, 0, 1, 3, 2, 2, 2),
        f64(gen, 1, 0.5, 2),
        f64(gen, 0, 1, 2));
    GradCheck.assertPasses(
        in -> Functional.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
        f64(gen, 0, 1, 4, 3),
        f64(gen, 1, 0.5, 3),
        f64(gen, 0, 1, 3));
    // Eval: an affine map of x with the running statistics as constants.
    Tensor mean = f64(gen, 0, 1, 2);
    Tensor var = f64(gen, 0, 1, 2).abs().add(0.5);
    GradCheck.assertPasses(
        in -> Functional.batchNorm(in[0], mean, var, in[1], in[2], false, 0.1, 1e-5),
        f64(gen, 0, 1, 2, 2, 3),
        f64(gen, 1, 0.5, 2),
        f64(gen, 0, 1, 2));
    GradCheck.assertSecondOrderPasses(
        in -> Functional.batchNorm(in[0], null, null, in[1], null, true, 0.1, 1e-5),
        f64(gen, 0, 1, 3, 2),
        f64(gen, 1, 0.5, 2));
  }

  @Test
  void layerGradientsReachItsParameters() {
    BatchNorm2d bn = new BatchNorm2d(2);
    Tensor x = Tensor.randn(new Generator(36), 2, 2, 3, 3);
    bn.forward(x).mul(Tensor.randn(new Generator(37), 2, 2, 3, 3)).sum().backward();
    assertArrayEquals(new int[] {2}, bn.weight().grad().shape());
    assertArrayEquals(new int[] {2}, bn.bias().grad().shape());
  }

  @Test
  void errorsNameTheLayerAndShapes() {
    IllegalArgumentException channels =
        assertThrows(
            IllegalArgumentException.class,
            () -> new BatchNorm2d(4).forward(Tensor.zeros(2, 3, 5, 5)));
    assertEquals(
        "BatchNorm2d: expected input [N, 4, H, W], got [2, 3, 5, 5]", channels.getMessage());
    IllegalArgumentException rank =
        assertThrows(
            IllegalArgumentException.class, () -> new BatchNorm1d(4).forward(Tensor.zeros(4)));
    assertEquals("BatchNorm1d: expected input [N, 4] or [N, 4, L], got [4]", rank.getMessage());
    IllegalArgumentException single =
        assertThrows(
            IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Tensor.zeros(1, 3)));
    assertEquals(
        "BatchNorm1d: expected more than 1 value per channel when training, got input [1, 3]",
        single.getMessage());
    IllegalArgumentException stats =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Functional.batchNorm(
                    Tensor.zeros(2, 3),
                    Tensor.zeros(2),
                    Tensor.ones(2),
                    null,
                    null,
                    false,
                    0.1,
                    1e-5));
    assertEquals(
        "batchNorm: running mean has shape [2] but input [2, 3] has 3 channels (expected [3])",
        stats.getMessage());
    // A single sample is fine in eval mode, where the running statistics are used.
    BatchNorm1d bn = new BatchNorm1d(3);
    bn.eval();
    assertArrayEquals(new int[] {1, 3}, bn.forward(Tensor.zeros(1, 3)).shape());
  }
}

package dev.grad4j.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.nn.Tanh;
import dev.grad4j.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AttackTest {
  /** Logistic regression with two logits: the FGSM step is ε·sign(±(w₁ − w₀)) in closed form. */
  @Test
  void fgsmOnLogisticRegressionMatchesTheClosedForm() {
    Generator gen = new Generator(7);
    int n = 12;
    Linear lr = new Linear(n, 2, true, gen);
    lr.to(DType.FLOAT64);
    Tensor w = lr.namedParameters().get("weight");
    double[] wd = w.toDoubleArray();
    double eps = 0.1;
    // inputs well inside the range, so no clipping
    Tensor x = Tensor.uniform(gen, -1, 1, DType.FLOAT64, 4, n);
    Tensor y = Tensor.of(new double[] {0, 1, 0, 1}, 4);
    Tensor adv = Pgd.fgsm(eps).range(-10, 10).build().perturb(lr, x, y);
    Tensor delta = adv.sub(x);
    Tensor target = Tensor.of(new double[] {1, 0, 1, 0}, 4);
    Tensor advT = Pgd.fgsm(eps).range(-10, 10).targeted(true).build().perturb(lr, x, target);
    Tensor deltaT = advT.sub(x);
    for (int b = 0; b < 4; b++) {
      // the loss of class y rises fastest along w_{1-y} − w_y
      int yb = (int) y.get(b);
      for (int j = 0; j < n; j++) {
        double dir = wd[(1 - yb) * n + j] - wd[yb * n + j];
        assertEquals(eps * Math.signum(dir), delta.get(b, j), 1e-12, "untargeted, example " + b);
        // towards target 1 − y: the same direction
        assertEquals(eps * Math.signum(dir), deltaT.get(b, j), 1e-12, "targeted, example " + b);
      }
    }
    for (Tensor p : lr.parameters()) {
      assertNull(p.grad(), "an attack must not leave gradients in the parameters");
    }
  }

  /** The L2 fast gradient method on logistic regression: δ = ε·(w₁₋ᵧ − wᵧ)/‖w₁₋ᵧ − wᵧ‖. */
  @Test
  void l2FastGradientOnLogisticRegressionIsTheNormalisedWeightDifference() {
    Generator gen = new Generator(3);
    int n = 5;
    Linear lr = new Linear(n, 2, true, gen);
    lr.to(DType.FLOAT64);
    double[] wd = lr.namedParameters().get("weight").toDoubleArray();
    Tensor x = Tensor.uniform(gen, -1, 1, DType.FLOAT64, 1, n);
    Tensor adv =
        Pgd.fgsm(0.3).norm(Norm.L2).range(-10, 10).build().perturb(lr, x, Tensor.vector(0.0));
    double[] d = new double[n];
    double norm = 0;
    for (int j = 0; j < n; j++) {
      d[j] = wd[n + j] - wd[j];
      norm += d[j] * d[j];
    }
    norm = Math.sqrt(norm);
    for (int j = 0; j < n; j++) {
      assertEquals(0.3 * d[j] / norm, adv.get(0, j) - x.get(0, j), 1e-9);
    }
  }

  /**
   * Property: over random models, inputs, radii and step sizes, PGD stays in the ball and range.
   */
  @Test
  void pgdNeverLeavesTheBallOrTheRange() {
    Generator gen = new Generator(2024);
    for (int trial = 0; trial < 24; trial++) {
      int in = 3 + gen.nextInt(6);
      int classes = 2 + gen.nextInt(3);
      Sequential model =
          new Sequential(
              new Linear(in, 8, true, gen), new Tanh(), new Linear(8, classes, true, gen));
      Norm norm = trial % 2 == 0 ? Norm.LINF : Norm.L2;
      boolean symmetric = trial % 3 == 0;
      double lo = symmetric ? -1 : 0;
      double hi = 1;
      int batch = 1 + gen.nextInt(5);
      Tensor x = Tensor.uniform(gen, lo, hi, DType.FLOAT32, batch, in);
      // some inputs exactly on the boundary of the range
      x.set(lo, 0, 0);
      double[] labels = new double[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = gen.nextInt(classes);
      }
      double eps = 0.01 + gen.nextDouble() * (norm == Norm.LINF ? 0.5 : 1.5);
      Pgd pgd =
          Pgd.pgd(eps)
              .norm(norm)
              .steps(1 + gen.nextInt(6))
              .stepSize(eps * (0.1 + 3 * gen.nextDouble())) // often larger than the ball
              .range(lo, hi)
              .targeted(trial % 4 == 1)
              .seed(trial)
              .build();
      Tensor adv = pgd.perturb(model, x, Tensor.of(labels, batch));
      assertArrayEquals(x.shape(), adv.shape());
      double[] a = adv.toDoubleArray();
      double[] x0 = x.toDoubleArray();
      for (int b = 0; b < batch; b++) {
        double l2 = 0;
        for (int j = 0; j < in; j++) {
          double v = a[b * in + j];
          double d = v - x0[b * in + j];
          assertTrue(v >= lo && v <= hi, "trial " + trial + ": " + v + " outside the range");
          if (norm == Norm.LINF) {
            assertTrue(Math.abs(d) <= eps + 1e-6, "trial " + trial + ": |δ| = " + d + " > " + eps);
          }
          l2 += d * d;
        }
        if (norm == Norm.L2) {
          assertTrue(
              Math.sqrt(l2) <= eps * (1 + 1e-5),
              "trial " + trial + ": ‖δ‖₂ = " + Math.sqrt(l2) + " > " + eps);
        }
      }
    }
  }

  // ---------------------------------------------------------------- a small trained model

  static Sequential model;
  static TensorDataset test;

  /** Three Gaussian clusters in [0, 1]^10 and an MLP trained on them (full batch, 150 steps). */
  @BeforeAll
  static void train() {
    Generator gen = new Generator(11);
    int d = 10;
    double[][] centres = new double[3][d];
    for (double[] c : centres) {
      for (int j = 0; j < d; j++) {
        c[j] = 0.3 + 0.4 * gen.nextDouble();
      }
    }
    TensorDataset trainSet = clusters(gen, centres, 300);
    test = clusters(gen, centres, 150);
    model = new Sequential(new Linear(d, 32, true, gen), new ReLU(), new Linear(32, 3, true, gen));
    SGD opt = new SGD(model.parameters(), 0.5, 0.9);
    for (int s = 0; s < 150; s++) {
      opt.zeroGrad();
      Losses.crossEntropy(model.forward(trainSet.inputs()), trainSet.labels()).backward();
      opt.step();
    }
    opt.zeroGrad();
  }

  private static TensorDataset clusters(Generator gen, double[][] centres, int n) {
    int d = centres[0].length;
    double[] x = new double[n * d];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      int c = i % centres.length;
      y[i] = c;
      for (int j = 0; j < d; j++) {
        x[i * d + j] = Math.min(1, Math.max(0, centres[c][j] + 0.05 * gen.nextGaussian()));
      }
    }
    return new TensorDataset(Tensor.of(x, n, d).to(DType.FLOAT32), Tensor.of(y, n));
  }

  @Test
  void pgdIsAtLeastAsStrongAsFgsm() {
    double[] eps = {0.05, 0.1, 0.2};
    List<RobustAccuracy.Row> fgsm =
        RobustAccuracy.sweep(model, test, eps, e -> Pgd.fgsm(e).build(), -1, 64, 0);
    List<RobustAccuracy.Row> pgd =
        RobustAccuracy.sweep(
            model, test, eps, e -> Pgd.pgd(e).steps(20).seed(1).build(), -1, 64, 0);
    System.out.print("FGSM\n" + RobustAccuracy.format(fgsm, false));
    System.out.print("PGD-20\n" + RobustAccuracy.format(pgd, false));
    assertTrue(fgsm.get(0).cleanAccuracy() > 0.95, "the model did not train");
    for (int i = 0; i < eps.length; i++) {
      assertEquals(fgsm.get(i).cleanAccuracy(), pgd.get(i).cleanAccuracy());
      assertTrue(
          pgd.get(i).robustAccuracy() <= fgsm.get(i).robustAccuracy(),
          "eps " + eps[i] + ": PGD " + pgd.get(i) + " vs FGSM " + fgsm.get(i));
      assertTrue(pgd.get(i).robustAccuracy() <= pgd.get(i).cleanAccuracy());
    }
    // a larger ball is never weaker here, and the largest one breaks the model
    assertTrue(pgd.get(2).robustAccuracy() <= pgd.get(0).robustAccuracy());
    assertTrue(pgd.get(2).successRate() > 0.5, pgd.get(2).toString());
    for (Tensor p : model.parameters()) {
      assertTrue(p.grad() == null || p.grad().abs().max().item() == 0, "grads left behind");
    }
  }

  @Test
  void targetedPgdReachesItsTarget() {
    double[] eps = {0.0, 0.25};
    List<RobustAccuracy.Row> rows =
        RobustAccuracy.sweep(
            model, test, eps, e -> Pgd.pgd(e).steps(30).targeted(true).seed(5).build(), 2, 64, 0);
    System.out.print("targeted PGD-30 towards class 2\n" + RobustAccuracy.format(rows, true));
    assertEquals(100, rows.get(1).attacked()); // the 100 test examples not of class 2
    assertTrue(rows.get(0).successRate() < 0.05, "with eps 0 the target is almost never hit");
    assertTrue(rows.get(1).successRate() > 0.9, "success rate " + rows.get(1).successRate());
  }

  @Test
  void attacksRestoreTheModelsModeAndRejectBadLabels() {
    model.train();
    Tensor x = test.inputs().narrow(0, 0, 2);
    Pgd.pgd(0.1).steps(2).build().perturb(model, x, test.labels().narrow(0, 0, 2));
    assertTrue(model.isTraining());
    model.eval();
    var ex =
        assertThrows(
            IllegalArgumentException.class,
            () -> Pgd.fgsm(0.1).build().perturb(model, x, Tensor.vector(0.0, 1, 2)));
    assertTrue(ex.getMessage().contains("labels must be [batch]"), ex.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Pgd.pgd(-1));
    assertEquals(Norm.L2, Norm.parse("L2"));
    assertThrows(IllegalArgumentException.class, () -> Norm.parse("l3"));
  }
}

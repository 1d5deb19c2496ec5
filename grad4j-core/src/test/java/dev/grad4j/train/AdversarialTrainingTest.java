package dev.grad4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.attack.Norm;
import dev.grad4j.attack.Pgd;
import dev.grad4j.attack.RobustAccuracy;
import dev.grad4j.data.Batch;
import dev.grad4j.data.DataLoader;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.Split;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.nn.Dropout;
import dev.grad4j.nn.Flatten;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.SGD;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdversarialTrainingTest {
  @TempDir Path dir;

  /** 48 random 1×4×4 "images" in [0, 1] in 3 classes that depend on the pixels. */
  private static TensorDataset data(long seed, int n) {
    Tensor x = Tensor.rand(new Generator(seed), n, 1, 4, 4);
    Tensor s = x.flatten(1, 3);
    Tensor y = s.narrow(1, 0, 8).sum(1).gt(4).add(s.narrow(1, 8, 8).sum(1).gt(4)).to(x.dtype());
    return new TensorDataset(x, y.to(DType.FLOAT64));
  }

  private static Sequential mlp(Generator init, Generator dropout) {
    return new Sequential(
        new Flatten(),
        new Linear(16, 12, true, init),
        new ReLU(),
        new Dropout(0.25, dropout),
        new Linear(12, 3, true, init));
  }

  /** Records the mode of every forward pass, then runs {@code inner}. */
  private static final class ModeSpy extends Module {
    final List<Boolean> modes = new ArrayList<>();
    private final Module inner;

    ModeSpy(Module inner) {
      this.inner = registerModule("inner", inner);
    }

    @Override
    public Tensor forward(Tensor input) {
      modes.add(isTraining());
      return inner.forward(input);
    }
  }

  private static Batch batch(int n) {
    TensorDataset d = data(3, n);
    return new Batch(d.inputs(), d.labels());
  }

  @Test
  void adversarialBatchesStayInTheBallAndTheRangeAndKeepTheLabels() {
    Module model = mlp(new Generator(1), new Generator(2));
    Batch clean = batch(16);
    // some pixels exactly on the range's ends, where a step would leave [0, 1]
    clean.inputs().set(0.0, 0, 0, 0, 0);
    clean.inputs().set(1.0, 1, 0, 0, 0);
    for (Norm norm : Norm.values()) {
      double eps = norm == Norm.LINF ? 0.1 : 0.5;
      var adv = new AdversarialTraining(Pgd.pgd(eps).steps(4).norm(norm).seed(9).build(), 1.0);
      Batch b = adv.perturb(model, clean);
      assertArrayEquals(clean.inputs().shape(), b.inputs().shape());
      assertArrayEquals(clean.labels().toDoubleArray(), b.labels().toDoubleArray());
      double[] x = clean.inputs().toDoubleArray();
      double[] a = b.inputs().toDoubleArray();
      double maxMove = 0;
      for (int e = 0; e < 16; e++) {
        double l2 = 0;
        for (int j = 0; j < 16; j++) {
          double v = a[e * 16 + j];
          double d = v - x[e * 16 + j];
          assertTrue(v >= 0 && v <= 1, norm + ": " + v + " outside [0, 1]");
          if (norm == Norm.LINF) {
            assertTrue(Math.abs(d) <= eps + 1e-6, norm + ": |δ| = " + d);
          }
          l2 += d * d;
          maxMove = Math.max(maxMove, Math.abs(d));
        }
        if (norm == Norm.L2) {
          assertTrue(Math.sqrt(l2) <= eps * (1 + 1e-5), norm + ": ‖δ‖₂ = " + Math.sqrt(l2));
        }
      }
      assertTrue(maxMove > eps / 4, norm + ": the attack barely moved (" + maxMove + ")");
      assertFalse(b.inputs().requiresGrad());
    }
  }

  @Test
  void theAttackRunsInEvalModeAndTheModeAndGradientsAreRestored() {
    var spy = new ModeSpy(mlp(new Generator(1), new Generator(2)));
    var adv = new AdversarialTraining(Pgd.pgd(0.1).steps(3).build(), 1.0);
    for (boolean training : new boolean[] {true, false}) {
      spy.train(training);
      spy.modes.clear();
      adv.perturb(spy, batch(8));
      assertEquals(3, spy.modes.size(), "one forward pass per step");
      assertTrue(spy.modes.stream().noneMatch(m -> m), "a forward pass in training mode");
      assertEquals(training, spy.isTraining());
      assertEquals(training, spy.namedModules().values().stream().allMatch(Module::isTraining));
      for (Tensor p : spy.parameters()) {
        assertNull(p.grad(), "the attack left a parameter gradient");
      }
    }
  }

  @Test
  void theTrainerStepsOnTheAdversarialBatchInTrainingMode() {
    var spy = new ModeSpy(mlp(new Generator(1), new Generator(2)));
    var loader = new DataLoader(data(11, 16), 8, true, false, new Generator(5));
    var trainer =
        new Trainer(spy, new SGD(spy.parameters(), SGD.options().lr(0.1)), loader, null)
            .adversarial(new AdversarialTraining(Pgd.pgd(0.1).steps(2).build(), 1.0));
    trainer.fit(1, Trainer.Listener.NONE);
    // per batch: two attack passes in eval mode, then the training pass
    assertEquals(List.of(false, false, true, false, false, true), spy.modes);
  }

  @Test
  void aFractionReplacesTheFirstPartOfTheBatch() {
    Module model = mlp(new Generator(1), new Generator(2));
    Batch clean = batch(10);
    var adv = new AdversarialTraining(Pgd.fgsm(0.2).build(), 0.3);
    assertEquals(3, adv.adversarialCount(10));
    assertEquals(1, adv.adversarialCount(1), "at least one example");
    assertEquals(1, new AdversarialTraining(Pgd.fgsm(0.2).build(), 0.01).adversarialCount(10));
    assertEquals(10, new AdversarialTraining(Pgd.fgsm(0.2).build(), 1).adversarialCount(10));
    Batch b = adv.perturb(model, clean);
    for (int e = 0; e < 10; e++) {
      float[] x = clean.inputs().select(0, e).toFloatArray();
      float[] a = b.inputs().select(0, e).toFloatArray();
      if (e < 3) {
        // FGSM moves every pixel by ±ε unless the range stops it
        int moved = 0;
        for (int j = 0; j < x.length; j++) {
          moved += Math.abs(a[j] - x[j]) > 0.1 ? 1 : 0;
        }
        assertTrue(moved > 0, "example " + e + " was not attacked");
      } else {
        assertArrayEquals(x, a, "example " + e + " should stay clean");
      }
    }
  }

  @Test
  void badSettingsAreRejected() {
    Pgd pgd = Pgd.pgd(0.1).build();
    for (double f : new double[] {0, -0.5, 1.01, Double.NaN}) {
      var e = assertThrows(IllegalArgumentException.class, () -> new AdversarialTraining(pgd, f));
      assertTrue(e.getMessage().contains("fraction"), e.getMessage());
    }
    var targeted = Pgd.pgd(0.1).targeted(true).build();
    var e =
        assertThrows(IllegalArgumentException.class, () -> new AdversarialTraining(targeted, 1));
    assertTrue(e.getMessage().contains("untargeted"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AdversarialTraining(null, 1));
  }

  @Test
  void theDescriptionNamesTheSettings() {
    assertEquals(
        "pgd, eps 0.1, 5 steps of 0.05, L-inf, random start",
        new AdversarialTraining(Pgd.pgd(0.1).steps(5).build(), 1).toString());
    assertEquals(
        "fgsm, eps 0.3, L-inf", new AdversarialTraining(Pgd.fgsm(0.3).build(), 1).toString());
    assertEquals(
        "pgd, eps 1.5, 1 step of 1.5, L2, random start, 50% of each batch",
        new AdversarialTraining(Pgd.fgsm(1.5).norm(Norm.L2).randomStart(true).build(), 0.5)
            .toString());
  }

  // ---------------------------------------------------------------- checkpoints

  private static final TensorDataset TRAIN = data(11, 48);

  /** A trainer with PGD training (random starts) when {@code adversarial}; dropout in the model. */
  private static Trainer trainer(long initSeed, boolean adversarial) {
    Generator dropout = new Generator(77);
    Sequential model = mlp(new Generator(initSeed), dropout);
    var loader = new DataLoader(TRAIN, 8, true, false, new Generator(5));
    var t =
        new Trainer(
                model,
                new SGD(model.parameters(), SGD.options().lr(0.1).momentum(0.9)),
                loader,
                null)
            .generator(dropout);
    return adversarial
        ? t.adversarial(new AdversarialTraining(Pgd.pgd(0.2).steps(2).seed(4).build(), 0.75))
        : t;
  }

  private static float[] weights(Trainer t) {
    Tensor[] flat = t.model().parameters().stream().map(Tensor::flatten).toArray(Tensor[]::new);
    return Tensor.cat(0, flat).toFloatArray();
  }

  @Test
  void stoppingMidEpochAndResumingGivesTheSameBits() throws IOException {
    Trainer whole = trainer(1, true);
    List<Trainer.EpochResult> expected = whole.fit(3, Trainer.Listener.NONE);
    // the adversarial examples matter: clean training ends elsewhere
    Trainer clean = trainer(1, false);
    clean.fit(3, Trainer.Listener.NONE);
    assertNotEquals(weights(whole)[0], weights(clean)[0]);

    Trainer first = trainer(1, true);
    first.fit(
        3,
        new Trainer.Listener() {
          @Override
          public void onBatch(Trainer.Progress p) {
            if (p.epoch() == 2 && p.batch() == 4) {
              first.requestStop();
            }
          }
        });
    assertTrue(first.stopped());
    Path ckpt = dir.resolve("adv.safetensors");
    Checkpoint.save(first, null, ckpt);

    // Another attack seed: the checkpoint's generator state replaces it.
    Trainer resumed = trainer(2, false);
    resumed.adversarial(new AdversarialTraining(Pgd.pgd(0.2).steps(2).seed(99).build(), 0.75));
    Checkpoint.load(resumed, ckpt);
    List<Trainer.EpochResult> rest = resumed.fit(3, Trainer.Listener.NONE);
    float[] a = weights(whole);
    float[] b = weights(resumed);
    for (int i = 0; i < a.length; i++) {
      assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "weight " + i);
    }
    assertEquals(expected.get(1).trainLoss(), rest.get(0).trainLoss());
    assertEquals(expected.get(2).trainLoss(), rest.get(1).trainLoss());
  }

  @Test
  void resumingWithAndWithoutAdversarialTrainingDoNotMix() throws IOException {
    Path adv = dir.resolve("adv.safetensors");
    Path clean = dir.resolve("clean.safetensors");
    Checkpoint.save(trainer(1, true), null, adv);
    Checkpoint.save(trainer(1, false), null, clean);
    var e1 =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(trainer(1, false), adv));
    assertTrue(
        e1.getMessage().contains("was made with adversarial training and the trainer trains on"),
        e1.getMessage());
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> Checkpoint.load(trainer(1, true), clean));
    assertTrue(e2.getMessage().contains("made without adversarial training"), e2.getMessage());
  }

  // ---------------------------------------------------------------- the defence works

  /**
   * On the bundled digits, a small MLP trained for one epoch with PGD examples resists PGD at the
   * same ε far better than the same MLP trained on clean digits.
   */
  @Test
  void adversarialTrainingRaisesRobustAccuracyOnDigits() {
    Split digits = Datasets.bundledDigits();
    double eps = 0.1;
    double[] robust = new double[2];
    double[] cleanAccuracy = new double[2];
    for (int adversarial = 0; adversarial < 2; adversarial++) {
      Generator init = new Generator(1);
      var model =
          new Sequential(
              new Flatten(),
              new Linear(784, 64, true, init),
              new ReLU(),
              new Linear(64, 10, true, init));
      var loader = new DataLoader(digits.train(), 32, true, false, new Generator(2));
      var trainer =
          new Trainer(
              model,
              new SGD(model.parameters(), SGD.options().lr(0.05).momentum(0.9)),
              loader,
              null);
      if (adversarial == 1) {
        trainer.adversarial(new AdversarialTraining(Pgd.pgd(eps).steps(3).seed(3).build(), 1.0));
      }
      trainer.fit(1, Trainer.Listener.NONE);
      var row =
          RobustAccuracy.sweep(
                  model,
                  digits.test(),
                  new double[] {eps},
                  e -> Pgd.pgd(e).steps(10).seed(5).build(),
                  -1,
                  250,
                  500)
              .get(0);
      robust[adversarial] = row.robustAccuracy();
      cleanAccuracy[adversarial] = row.cleanAccuracy();
    }
    System.out.printf(
        "digits MLP 784-64-10, 1 epoch, PGD-10 eps %.1f on 500 test images:"
            + " clean training %.1f%% clean / %.1f%% robust,"
            + " PGD-3 training %.1f%% clean / %.1f%% robust%n",
        eps, 100 * cleanAccuracy[0], 100 * robust[0], 100 * cleanAccuracy[1], 100 * robust[1]);
    // measured (2 threads): 27.4% robust after clean training, 53.6% after PGD training; 79.2%
    // clean after PGD training
    assertTrue(
        robust[1] > robust[0] + 0.15,
        "robust accuracy " + robust[1] + " (adversarial) vs " + robust[0] + " (clean)");
    assertTrue(
        cleanAccuracy[1] > 0.7, "clean accuracy after adversarial training " + cleanAccuracy[1]);
  }
}

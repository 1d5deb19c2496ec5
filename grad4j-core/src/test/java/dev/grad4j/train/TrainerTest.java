package dev.grad4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.data.DataLoader;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.nn.Dropout;
import dev.grad4j.nn.Flatten;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import dev.grad4j.optim.Adam;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.SGD;
import dev.grad4j.optim.schedule.StepLR;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path dir;

  /** 40 synthetic 1×4×4 "images" in 3 classes that depend on the pixels, and 12 test ones. */
  private static TensorDataset data(long seed, int n) {
    Tensor x = Tensor.rand(new Generator(seed), n, 1, 4, 4);
    Tensor s = x.flatten(1, 3);
    Tensor y = s.narrow(1, 0, 8).sum(1).gt(4).add(s.narrow(1, 8, 8).sum(1).gt(4)).to(x.dtype());
    return new TensorDataset(x, y.to(dev.grad4j.DType.FLOAT64));
  }

  private static final TensorDataset TRAIN = data(11, 40);
  private static final TensorDataset TEST = data(12, 12);

  /** A fresh trainer: weights from {@code initSeed}, loader and dropout seeded by fixed seeds. */
  private static Trainer trainer(long initSeed, Function<List<Tensor>, Optimizer> optimizer) {
    Generator init = new Generator(initSeed);
    Generator dropout = new Generator(77);
    var model =
        new Sequential(
            new Flatten(),
            new Linear(16, 8, true, init),
            new ReLU(),
            new Dropout(0.25, dropout),
            new Linear(8, 3, true, init));
    Optimizer opt = optimizer.apply(model.parameters());
    var loader = new DataLoader(TRAIN, 8, true, false, new Generator(5));
    return new Trainer(model, opt, loader, TEST)
        .scheduler(new StepLR(opt, 1, 0.5))
        .generator(dropout)
        .evalBatchSize(5);
  }

  private static Trainer sgd(long initSeed) {
    return trainer(initSeed, ps -> new SGD(ps, SGD.options().lr(0.1).momentum(0.9)));
  }

  private static float[] weights(Trainer t) {
    Tensor[] flat = t.model().parameters().stream().map(Tensor::flatten).toArray(Tensor[]::new);
    return Tensor.cat(0, flat).toFloatArray();
  }

  private static void assertSameBits(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(expected[i]),
          Float.floatToRawIntBits(actual[i]),
          "weight " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }

  @Test
  void resumingAtAnEpochBoundaryGivesTheSameBits() throws IOException {
    for (Function<List<Tensor>, Optimizer> opt :
        List.<Function<List<Tensor>, Optimizer>>of(
            ps -> new SGD(ps, SGD.options().lr(0.1).momentum(0.9)), ps -> new Adam(ps, 0.01))) {
      Trainer whole = trainer(1, opt);
      List<Trainer.EpochResult> expected = whole.fit(2, Trainer.Listener.NONE);

      Path ckpt = dir.resolve("ckpt.safetensors");
      Trainer first = trainer(1, opt);
      first.fit(
          1,
          new Trainer.Listener() {
            @Override
            public void onEpoch(Trainer.EpochResult r) {
              try {
                Checkpoint.save(first, Map.of("model", "tiny"), ckpt);
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            }
          });
      Trainer resumed = trainer(2, opt); // other initial weights, replaced by the checkpoint
      assertNotEquals(weights(whole)[0], weights(resumed)[0]);
      Map<String, String> meta = Checkpoint.load(resumed, ckpt);
      assertEquals("tiny", meta.get("model"));
      assertEquals(1, resumed.epoch());
      assertEquals(5, resumed.step());
      List<Trainer.EpochResult> rest = resumed.fit(2, Trainer.Listener.NONE);
      assertEquals(1, rest.size());
      assertSameBits(weights(whole), weights(resumed));
      assertEquals(expected.get(1).trainLoss(), rest.get(0).trainLoss());
      assertEquals(expected.get(1).testAccuracy(), rest.get(0).testAccuracy());
      assertEquals(expected.get(1).lr(), rest.get(0).lr());
      assertEquals(10, resumed.step());
    }
  }

  @Test
  void stoppingMidEpochAndResumingGivesTheSameBits() throws IOException {
    Trainer whole = sgd(1);
    List<Trainer.EpochResult> expected = whole.fit(3, Trainer.Listener.NONE);

    Trainer first = sgd(1);
    List<Trainer.Progress> seen = new ArrayList<>();
    List<Trainer.EpochResult> done =
        first.fit(
            3,
            new Trainer.Listener() {
              @Override
              public void onBatch(Trainer.Progress p) {
                seen.add(p);
                if (p.epoch() == 2 && p.batch() == 3) {
                  first.requestStop(); // what the Ctrl-C handler does
                }
              }
            });
    assertTrue(first.stopped());
    assertEquals(1, done.size());
    assertEquals(1, first.epoch());
    assertEquals(3, first.stepInEpoch());
    assertEquals(8, first.step());
    Trainer.Progress last = seen.get(seen.size() - 1);
    assertEquals(3, last.batch());
    assertEquals(5, last.batches());
    Path ckpt = dir.resolve("mid.safetensors");
    Checkpoint.save(first, null, ckpt);
    assertEquals("3", Checkpoint.metadata(ckpt).get("step_in_epoch"));

    Trainer resumed = sgd(3);
    Checkpoint.load(resumed, ckpt);
    List<Trainer.EpochResult> rest = resumed.fit(3, Trainer.Listener.NONE);
    assertFalse(resumed.stopped());
    assertEquals(2, rest.size());
    assertSameBits(weights(whole), weights(resumed));
    // The interrupted epoch's figures include the batches done before the stop.
    assertEquals(expected.get(1).trainLoss(), rest.get(0).trainLoss());
    assertEquals(expected.get(1).trainAccuracy(), rest.get(0).trainAccuracy());
    assertEquals(expected.get(2).testLoss(), rest.get(1).testLoss());

    // Stopping and going on in the same objects is the same too.
    first.fit(3, Trainer.Listener.NONE);
    assertSameBits(weights(whole), weights(first));
  }

  @Test
  void checkpointHoldsEverythingNeededToResume() throws IOException {
    Trainer t = sgd(1);
    t.fit(1, Trainer.Listener.NONE);
    Path ckpt = dir.resolve("c.safetensors");
    Checkpoint.save(t, Map.of("model", "tiny", "lr", "0.1"), ckpt);
    SafeTensors.Contents c = SafeTensors.read(ckpt);
    for (String k : t.model().stateDict().keySet()) {
      assertTrue(c.tensors().containsKey("model." + k), k);
    }
    for (String k : t.optimizer().stateDict().keySet()) {
      assertTrue(c.tensors().containsKey("optimizer." + k), k);
    }
    assertTrue(c.tensors().containsKey("optimizer.state.0.momentum_buffer"));
    assertTrue(c.tensors().containsKey("scheduler.last_epoch"));
    assertEquals(1.0, c.tensors().get("scheduler.last_epoch").item());
    assertArrayEquals(new int[] {12}, c.tensors().get("rng.loader").shape());
    assertArrayEquals(new int[] {12}, c.tensors().get("rng.model").shape());
    assertArrayEquals(
        t.loader().generatorState(), decodeState(c.tensors().get("rng.loader").toDoubleArray()));
    assertArrayEquals(
        t.generator().getState(), decodeState(c.tensors().get("rng.model").toDoubleArray()));
    Map<String, String> m = c.metadata();
    assertEquals(Checkpoint.FORMAT, m.get("format"));
    assertEquals("1", m.get("epoch"));
    assertEquals("5", m.get("step"));
    assertEquals("0", m.get("step_in_epoch"));
    assertEquals("5", m.get("batches_per_epoch"));
    assertEquals("tiny", m.get("model"));
    assertEquals("0.1", m.get("lr"));
  }

  private static long[] decodeState(double[] halves) {
    long[] s = new long[halves.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = ((long) halves[2 * i] << 32) | (long) halves[2 * i + 1];
    }
    return s;
  }

  @Test
  void generatorStatesSurviveAllBitPatterns() {
    long[] state = {-1L, Long.MIN_VALUE, 0x7FF0000000000001L, 0, 1, 0xFFF8000000000000L};
    Tensor t = Checkpoint.encode(state);
    assertArrayEquals(state, decodeState(t.toDoubleArray()));
  }

  @Test
  void aCheckpointOfAnotherModelOrOptimizerIsRefused() throws IOException {
    Trainer t = sgd(1);
    t.fit(1, Trainer.Listener.NONE);
    Path ckpt = dir.resolve("c.safetensors");
    Checkpoint.save(t, null, ckpt);

    Generator g = new Generator(1);
    var other = new Sequential(new Flatten(), new Linear(16, 3, true, g));
    Optimizer opt = new SGD(other.parameters(), 0.1);
    Trainer wrongModel =
        new Trainer(other, opt, new DataLoader(TRAIN, 8, true, false, new Generator(5)), TEST)
            .scheduler(new StepLR(opt, 1, 0.5));
    var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(wrongModel, ckpt));
    assertTrue(
        e.getMessage().startsWith("checkpoint " + ckpt + " does not fit: the model"),
        e.getMessage());

    Trainer adam = trainer(1, ps -> new Adam(ps, 0.01));
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(adam, ckpt));
    assertTrue(e.getMessage().contains("the optimizer differs"), e.getMessage());

    Path plain = dir.resolve("weights.safetensors");
    dev.grad4j.io.StateDicts.save(t.model(), plain);
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(sgd(1), plain));
    assertTrue(e.getMessage().contains("is not a grad4j checkpoint"), e.getMessage());
  }

  @Test
  void aMidEpochCheckpointNeedsTheSameBatchCount() throws IOException {
    Trainer t = sgd(1);
    t.fit(
        1,
        new Trainer.Listener() {
          @Override
          public void onBatch(Trainer.Progress p) {
            t.requestStop();
          }
        });
    Path ckpt = dir.resolve("c.safetensors");
    Checkpoint.save(t, null, ckpt);
    Generator init = new Generator(1);
    var model =
        new Sequential(
            new Flatten(),
            new Linear(16, 8, true, init),
            new ReLU(),
            new Dropout(0.25, init),
            new Linear(8, 3, true, init));
    Optimizer opt = new SGD(model.parameters(), SGD.options().lr(0.1).momentum(0.9));
    Trainer other =
        new Trainer(model, opt, new DataLoader(TRAIN, 16, true, false, new Generator(5)), TEST)
            .scheduler(new StepLR(opt, 1, 0.5));
    var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(other, ckpt));
    assertTrue(e.getMessage().contains("in the middle of an epoch of 5 batches"), e.getMessage());
  }

  @Test
  void aFailedSaveLeavesNoFile() throws IOException {
    Trainer t = sgd(1);
    Path missing = dir.resolve("no/such/dir/c.safetensors");
    assertThrows(IOException.class, () -> Checkpoint.save(t, null, missing));
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(List.of(dir), files.toList());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Checkpoint.save(t, Map.of("epoch", "9"), dir.resolve("c.safetensors")));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void evaluateCountsEveryExampleOnce() {
    Trainer t = sgd(1);
    t.fit(2, Trainer.Listener.NONE);
    Trainer.Evaluation ev = Trainer.evaluate(t.model(), TEST, 5);
    assertEquals(12, ev.count());
    assertEquals(3, ev.classes());
    long total = 0;
    long diagonal = 0;
    for (int y = 0; y < 3; y++) {
      long row = 0;
      for (int p = 0; p < 3; p++) {
        total += ev.confusion()[y][p];
        row += ev.confusion()[y][p];
      }
      diagonal += ev.confusion()[y][y];
      if (row > 0) {
        assertEquals((double) ev.confusion()[y][y] / row, ev.perClassAccuracy()[y]);
      } else {
        assertTrue(Double.isNaN(ev.perClassAccuracy()[y]));
      }
    }
    assertEquals(12, total);
    assertEquals(diagonal / 12.0, ev.accuracy());
    assertTrue(t.model().isTraining(), "evaluate restores the training mode");
    // The same as in batches of another size.
    assertEquals(ev.accuracy(), Trainer.evaluate(t.model(), TEST, 12).accuracy());
  }

  @Test
  void evaluateNamesALabelOutOfRange() {
    Tensor x = Tensor.rand(new Generator(1), 4, 1, 4, 4);
    Tensor y = Tensor.of(new double[] {0, 1, 7, 2}, 4);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Trainer.evaluate(sgd(1).model(), new TensorDataset(x, y), 3));
    assertEquals("label 7 of example 2 is not a class index in 0..2", e.getMessage());
  }

  @Test
  void aDivergingLossSaysWhere() {
    Trainer t = trainer(1, ps -> new SGD(ps, 1e30));
    var e = assertThrows(IllegalStateException.class, () -> t.fit(3, Trainer.Listener.NONE));
    assertTrue(e.getMessage().contains("lower the learning rate"), e.getMessage());
  }

  @Test
  void trainingLearns() {
    Trainer t = trainer(1, ps -> new Adam(ps, 0.02));
    List<Trainer.EpochResult> r = t.fit(8, Trainer.Listener.NONE);
    assertTrue(r.get(7).trainLoss() < r.get(0).trainLoss(), r.toString());
    assertEquals(8, r.get(7).epoch());
    assertEquals(0.02 * Math.pow(0.5, 7), r.get(7).lr(), 1e-15);
  }

  @Test
  void modelsHaveTheDocumentedShapes() {
    var mlp = Models.create("mlp", new Generator(1));
    var cnn = Models.create("CNN", new Generator(1));
    assertEquals(669_706, mlp.parameterCount());
    assertEquals(225_034, cnn.parameterCount());
    Tensor x = Tensor.rand(new Generator(2), 2, 1, 28, 28);
    assertArrayEquals(new int[] {2, 10}, mlp.forward(x).shape());
    assertArrayEquals(new int[] {2, 10}, cnn.forward(x).shape());
    assertArrayEquals(
        Models.mlp(new Generator(3)).parameters().get(0).toFloatArray(),
        Models.mlp(new Generator(3)).parameters().get(0).toFloatArray());
    var e =
        assertThrows(IllegalArgumentException.class, () -> Models.create("rnn", new Generator(1)));
    assertEquals("unknown model 'rnn': choose one of mlp, cnn", e.getMessage());
  }
}

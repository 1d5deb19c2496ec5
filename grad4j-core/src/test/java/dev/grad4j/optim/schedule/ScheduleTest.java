package dev.grad4j.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import dev.grad4j.optim.ParamGroup;
import dev.grad4j.optim.SGD;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Learning-rate sequences against hand-computed values (also what PyTorch 1.13 gives). */
class ScheduleTest {

  private static SGD sgd(double lr) {
    return new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), lr);
  }

  /** The lr right after construction and after each of {@code steps} steps. */
  private static double[] lrs(double base, Function<SGD, LRScheduler> make, int steps) {
    SGD opt = sgd(base);
    LRScheduler s = make.apply(opt);
    double[] out = new double[steps + 1];
    out[0] = opt.paramGroups().get(0).lr();
    for (int i = 1; i <= steps; i++) {
      opt.step();
      s.step();
      out[i] = opt.paramGroups().get(0).lr();
      assertEquals(out[i], s.lastLr()[0]);
    }
    return out;
  }

  private static void assertLrs(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-15, "lr at epoch " + i);
    }
  }

  @Test
  void stepLR() {
    assertLrs(
        new double[] {0.1, 0.1, 0.05, 0.05, 0.025, 0.025}, lrs(0.1, o -> new StepLR(o, 2, 0.5), 5));
  }

  @Test
  void multiStepLR() {
    assertLrs(
        new double[] {0.1, 0.1, 0.01, 0.01, 0.001, 0.001},
        lrs(0.1, o -> new MultiStepLR(o, new int[] {4, 2}, 0.1), 5));
  }

  @Test
  void exponentialLR() {
    assertLrs(new double[] {0.1, 0.05, 0.025, 0.0125}, lrs(0.1, o -> new ExponentialLR(o, 0.5), 3));
  }

  @Test
  void cosineAnnealingFollowsTheClosedForm() {
    double c = (1 + Math.cos(Math.PI / 4)) / 2; // 0.8535...
    double low = 0.1 + 0.9 * (1 - c);
    double high = 0.1 + 0.9 * c;
    assertLrs(
        new double[] {1, high, 0.55, low, 0.1, low, 0.55, high, 1, high},
        lrs(1, o -> new CosineAnnealingLR(o, 4, 0.1), 9));
    assertEquals(0.8681980515339464, high, 1e-15);
  }

  @Test
  void linearLR() {
    assertLrs(new double[] {0.25, 0.5, 0.75, 1, 1, 1}, lrs(1, o -> new LinearLR(o, 0.25, 1, 3), 5));
  }

  @Test
  void sequentialLRStartsEachScheduleAfresh() {
    assertLrs(
        new double[] {0.5, 0.75, 1, 0.5, 0.25, 0.125},
        lrs(
            1,
            o ->
                new SequentialLR(
                    o,
                    List.of(new LinearLR(o, 0.5, 1, 2), new ExponentialLR(o, 0.5)),
                    new int[] {2}),
            5));
  }

  @Test
  void linearWarmupThenAnotherSchedule() {
    // 3 warm-up steps from 0.25, then StepLR(2, 0.5) from its own epoch 0
    assertLrs(
        new double[] {0.25, 0.5, 0.75, 1, 1, 0.5, 0.5, 0.25},
        lrs(1, o -> new LinearWarmup(o, 0.25, 3, new StepLR(o, 2, 0.5)), 7));
    assertLrs(new double[] {0, 0.5, 1, 1}, lrs(1, o -> new LinearWarmup(o, 0, 2), 3));
  }

  @Test
  void schedulesScaleEveryGroupFromItsOwnBase() {
    SGD opt =
        new SGD(
            SGD.options().lr(1),
            new ParamGroup(List.of(Tensor.zeros(1).requiresGrad(true))),
            new ParamGroup(List.of(Tensor.zeros(1).requiresGrad(true))).setLr(0.1));
    StepLR s = new StepLR(opt, 1, 0.5);
    s.step();
    assertArrayEquals(new double[] {0.5, 0.05}, s.lastLr(), 1e-15);
    assertArrayEquals(new double[] {1, 0.1}, s.baseLrs());
    assertEquals(1, opt.paramGroups().get(0).get("initial_lr"));
  }

  @Test
  void scheduleStateDictRoundTrip() {
    SGD a = sgd(1);
    CosineAnnealingLR s = new CosineAnnealingLR(a, 10, 0.01);
    for (int i = 0; i < 3; i++) {
      s.step();
    }
    Map<String, Tensor> sd = s.stateDict();
    assertEquals(3, sd.get("last_epoch").item());
    assertEquals(10, sd.get("T_max").item());
    SGD b = sgd(1);
    CosineAnnealingLR t = new CosineAnnealingLR(b, 99); // settings come from the dict
    t.loadStateDict(sd);
    s.step();
    t.step();
    assertEquals(a.paramGroups().get(0).lr(), b.paramGroups().get(0).lr());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new StepLR(sgd(1), 2).loadStateDict(sd));
    assertTrue(e.getMessage().contains("missing keys [gamma, step_size]"), e.getMessage());
  }

  @Test
  void sequentialStateIncludesTheInnerSettings() {
    SGD opt = sgd(1);
    var seq =
        new SequentialLR(
            opt, List.of(new LinearLR(opt, 0.5, 1, 2), new StepLR(opt, 3, 0.1)), new int[] {2});
    Map<String, Tensor> sd = seq.stateDict();
    assertTrue(sd.containsKey("_schedulers.0.start_factor"), sd.keySet().toString());
    assertTrue(sd.containsKey("_schedulers.1.step_size"), sd.keySet().toString());
  }

  @Test
  void reduceOnPlateauWithPatienceAndCooldown() {
    SGD opt = sgd(1);
    ReduceLROnPlateau p = new ReduceLROnPlateau(opt).patience(1).factor(0.5).cooldown(1);
    double[] metrics = {5, 4, 4, 4, 4, 4, 4, 3, 3, 3};
    double[] expected = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
    for (int i = 0; i < metrics.length; i++) {
      p.step(metrics[i]);
      assertEquals(expected[i], opt.paramGroups().get(0).lr(), "after metric " + i);
    }
    assertEquals(3, p.best());
  }

  @Test
  void reduceOnPlateauMaxModeAbsoluteThresholdAndMinLr() {
    SGD opt = sgd(1);
    ReduceLROnPlateau p =
        new ReduceLROnPlateau(opt)
            .mode(ReduceLROnPlateau.Mode.MAX)
            .patience(0)
            .factor(0.1)
            .threshold(0.5, ReduceLROnPlateau.ThresholdMode.ABS)
            .minLr(0.05);
    double[] metrics = {1, 1.4, 1.6, 2.2, 2.3, 2.3};
    // 1.4 is not 0.5 above 1: reduce; 1.6 and 2.2 improve; then 0.01 is held at minLr 0.05
    double[] expected = {1, 0.1, 0.1, 0.1, 0.05, 0.05};
    for (int i = 0; i < metrics.length; i++) {
      p.step(metrics[i]);
      assertEquals(expected[i], opt.paramGroups().get(0).lr(), 1e-15, "after metric " + i);
    }
  }

  @Test
  void reduceOnPlateauRelativeThreshold() {
    SGD opt = sgd(1);
    ReduceLROnPlateau p =
        new ReduceLROnPlateau(opt).patience(0).threshold(0.1, ReduceLROnPlateau.ThresholdMode.REL);
    p.step(10);
    p.step(9.5); // not below 10·(1 − 0.1) = 9: reduce to 0.1
    assertEquals(0.1, opt.paramGroups().get(0).lr(), 1e-15);
    p.step(8.9); // improves on 10
    assertEquals(0.1, opt.paramGroups().get(0).lr(), 1e-15);
    p.step(Double.NaN); // never an improvement
    assertEquals(0.01, opt.paramGroups().get(0).lr(), 1e-15);
  }
}

package dev.grad4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.nn.Tanh;
import dev.grad4j.optim.schedule.CosineAnnealingLR;
import dev.grad4j.optim.schedule.ExponentialLR;
import dev.grad4j.optim.schedule.LRScheduler;
import dev.grad4j.optim.schedule.LinearLR;
import dev.grad4j.optim.schedule.LinearWarmup;
import dev.grad4j.optim.schedule.MultiStepLR;
import dev.grad4j.optim.schedule.ReduceLROnPlateau;
import dev.grad4j.optim.schedule.SequentialLR;
import dev.grad4j.optim.schedule.StepLR;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Training stopped, checkpointed (model, optimizer and schedule state dicts) and resumed in fresh
 * objects continues with exactly the same bits as training that never stopped.
 */
class ResumeTest {
  private static final Tensor X = Tensor.randn(new Generator(5), 16, 3);
  private static final Tensor Y = X.sum(1).gt(0).add(X.select(1, 0).gt(0.5)).to(X.dtype());

  private static Sequential model(long seed) {
    Generator gen = new Generator(seed);
    return new Sequential(new Linear(3, 8, true, gen), new Tanh(), new Linear(8, 3, true, gen));
  }

  private record Run(Sequential model, Optimizer opt, LRScheduler schedule) {
    void train(int steps) {
      for (int i = 0; i < steps; i++) {
        opt.zeroGrad();
        Losses.crossEntropy(model.forward(X), Y).backward();
        GradClip.clipGradNorm(model.parameters(), 0.5);
        opt.step();
        schedule.step();
      }
    }

    float[] weights() {
      List<Tensor> ps = model.parameters();
      Tensor[] flat = ps.stream().map(Tensor::flatten).toArray(Tensor[]::new);
      return Tensor.cat(0, flat).toFloatArray();
    }
  }

  private static Map<String, Tensor> copy(Map<String, Tensor> dict) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (var g = GradMode.disabled()) {
      dict.forEach((k, v) -> out.put(k, v.detach().clone()));
    }
    return out;
  }

  private static void assertResumesExactly(
      Function<List<Tensor>, Optimizer> optimizer, Function<Optimizer, LRScheduler> schedule) {
    Sequential m = model(1);
    Optimizer o = optimizer.apply(m.parameters());
    Run original = new Run(m, o, schedule.apply(o));
    original.train(4);
    Map<String, Tensor> modelState = copy(original.model().stateDict());
    Map<String, Tensor> optState = original.opt().stateDict();
    Map<String, Tensor> scheduleState = original.schedule().stateDict();
    original.train(4);

    Sequential m2 = model(2); // other weights, then loaded
    Optimizer o2 = optimizer.apply(m2.parameters());
    Run resumed = new Run(m2, o2, schedule.apply(o2));
    resumed.model().loadStateDict(modelState);
    resumed.opt().loadStateDict(optState);
    resumed.schedule().loadStateDict(scheduleState);
    resumed.train(4);
    assertArrayEquals(original.weights(), resumed.weights()); // bit for bit

    // Without the optimizer's state, the run differs: the check above can fail.
    Sequential m3 = model(2);
    Optimizer o3 = optimizer.apply(m3.parameters());
    Run fresh = new Run(m3, o3, schedule.apply(o3));
    fresh.model().loadStateDict(modelState);
    fresh.schedule().loadStateDict(scheduleState);
    fresh.train(4);
    assertFalse(java.util.Arrays.equals(original.weights(), fresh.weights()));
  }

  @Test
  void sgdNesterovWithStepLR() {
    assertResumesExactly(
        p -> new SGD(p, SGD.options().lr(0.2).momentum(0.9).nesterov(true).weightDecay(1e-3)),
        o -> new StepLR(o, 3, 0.5));
  }

  @Test
  void adamAmsgradWithWarmupAndCosine() {
    assertResumesExactly(
        p -> new Adam(p, Adam.options().lr(0.05).amsgrad(true).weightDecay(1e-3)),
        o -> new LinearWarmup(o, 0.1, 3, new CosineAnnealingLR(o, 10)));
  }

  @Test
  void adamWWithSequentialLR() {
    assertResumesExactly(
        p -> new AdamW(p, 0.05),
        o ->
            new SequentialLR(
                o, List.of(new LinearLR(o, 0.5, 1, 2), new ExponentialLR(o, 0.9)), new int[] {2}));
  }

  @Test
  void rmspropCenteredMomentumWithMultiStepLR() {
    assertResumesExactly(
        p -> new RMSprop(p, RMSprop.options().lr(0.01).momentum(0.5).centered(true)),
        o -> new MultiStepLR(o, new int[] {2, 5}, 0.3));
  }

  @Test
  void adagradWithExponentialLR() {
    assertResumesExactly(
        p -> new Adagrad(p, Adagrad.options().lr(0.1).lrDecay(0.01)),
        o -> new ExponentialLR(o, 0.95));
  }

  @Test
  void reduceOnPlateauStateRoundTrips() {
    SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 1.0);
    ReduceLROnPlateau a = new ReduceLROnPlateau(opt).patience(1).factor(0.5).cooldown(1);
    for (double metric : new double[] {5, 4, 4, 4}) {
      a.step(metric);
    }
    SGD opt2 = new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 1.0);
    opt2.loadStateDict(opt.stateDict());
    ReduceLROnPlateau b = new ReduceLROnPlateau(opt2);
    b.loadStateDict(a.stateDict());
    for (double metric : new double[] {4, 4, 4, 3, 3, 3}) {
      a.step(metric);
      b.step(metric);
      assertArrayEquals(a.lastLr(), b.lastLr());
    }
    assertArrayEquals(new double[] {0.125}, b.lastLr()); // reduced at the 3rd and 6th
  }
}

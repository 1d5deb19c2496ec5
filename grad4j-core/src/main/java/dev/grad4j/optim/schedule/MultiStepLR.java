package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Arrays;
import java.util.Map;

/**
 * Decays the lr by {@code gamma} at each milestone epoch, as PyTorch's {@code MultiStepLR}: {@code
 * lr(t) = base · gamma^(number of milestones ≤ t)} (a milestone listed twice counts twice).
 */
public final class MultiStepLR extends LRScheduler {
  private int[] milestones;
  private double gamma;

  /** Decays by {@code gamma} at each of {@code milestones} (in any order). */
  public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
    super(optimizer);
    this.milestones = milestones.clone();
    Arrays.sort(this.milestones);
    this.gamma = gamma;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    int passed = 0;
    for (int m : milestones) {
      if (m <= epoch) {
        passed++;
      }
    }
    return baseLr * Math.pow(gamma, passed);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "milestones", Tensor.of(milestones, milestones.length));
    out.put(prefix + "gamma", scalar(gamma));
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    double[] m = dict.get(prefix + "milestones").toDoubleArray();
    milestones = new int[m.length];
    for (int i = 0; i < m.length; i++) {
      milestones[i] = (int) m[i];
    }
    gamma = value(dict, prefix + "gamma");
  }
}

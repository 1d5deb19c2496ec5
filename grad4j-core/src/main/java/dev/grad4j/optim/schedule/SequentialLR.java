package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.List;
import java.util.Map;

/**
 * Runs schedules one after another, switching at milestone epochs, as PyTorch's {@code
 * SequentialLR}: from milestone m_k on, schedule k+1 runs as if freshly started, {@code lr(t) =
 * schedule_{k+1}.lr(t − m_k)}. Warm-up followed by cosine annealing:
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.01, 1.0, 5);
 * var cosine = new CosineAnnealingLR(opt, 95);
 * var schedule = new SequentialLR(opt, List.of(warmup, cosine), new int[] {5});
 * }</pre>
 *
 * <p>Only step this schedule: the ones inside serve as formulas (their own counters are not used),
 * and their settings are part of this schedule's state dict under {@code _schedulers.K.}.
 */
public final class SequentialLR extends LRScheduler {
  private final List<LRScheduler> schedulers;
  private int[] milestones;

  /** Schedule k runs from milestones[k-1] (0 for the first) to milestones[k]. */
  public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones) {
    super(optimizer);
    if (schedulers.isEmpty() || milestones.length != schedulers.size() - 1) {
      throw new IllegalArgumentException(
          "SequentialLR: needs one milestone fewer than schedules, got "
              + schedulers.size()
              + " schedules and "
              + milestones.length
              + " milestones");
    }
    for (int i = 0; i < milestones.length; i++) {
      if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
        throw new IllegalArgumentException(
            "SequentialLR: milestones must be positive and increasing, got "
                + java.util.Arrays.toString(milestones));
      }
    }
    for (LRScheduler s : schedulers) {
      if (s.optimizer() != optimizer) {
        throw new IllegalArgumentException(
            "SequentialLR: every schedule must belong to the same optimizer");
      }
    }
    this.schedulers = List.copyOf(schedulers);
    this.milestones = milestones.clone();
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    int k = 0;
    while (k < milestones.length && milestones[k] <= epoch) {
      k++;
    }
    int start = k == 0 ? 0 : milestones[k - 1];
    return schedulers.get(k).lrAt(epoch - start, baseLr);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "_milestones", Tensor.of(milestones, milestones.length));
    for (int k = 0; k < schedulers.size(); k++) {
      schedulers.get(k).saveSettings(prefix + "_schedulers." + k + ".", out);
    }
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    double[] m = dict.get(prefix + "_milestones").toDoubleArray();
    milestones = new int[m.length];
    for (int i = 0; i < m.length; i++) {
      milestones[i] = (int) m[i];
    }
    for (int k = 0; k < schedulers.size(); k++) {
      schedulers.get(k).loadSettings(prefix + "_schedulers." + k + ".", dict);
    }
  }
}

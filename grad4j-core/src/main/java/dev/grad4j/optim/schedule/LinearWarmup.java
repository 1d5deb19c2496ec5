package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Map;

/**
 * A linear warm-up, optionally followed by another schedule: for the first {@code warmupSteps}
 * steps {@code lr(t) = base · (startFactor + (1 − startFactor) · t / warmupSteps)}, then {@code
 * after.lr(t − warmupSteps)} (or the base lr without one). It is PyTorch's {@code
 * SequentialLR([LinearLR(startFactor, 1, warmupSteps), after], [warmupSteps])} in one object.
 *
 * <pre>{@code
 * var schedule = new LinearWarmup(opt, 0.1, 500, new CosineAnnealingLR(opt, 9_500));
 * }</pre>
 *
 * <p>Only step the warm-up: the schedule after it serves as a formula.
 */
public final class LinearWarmup extends LRScheduler {
  private final LRScheduler after;
  private double startFactor;
  private int warmupSteps;

  /** Warms up from {@code startFactor}·base to base over {@code warmupSteps}, then stays. */
  public LinearWarmup(Optimizer optimizer, double startFactor, int warmupSteps) {
    this(optimizer, startFactor, warmupSteps, null);
  }

  /** Warms up, then follows {@code after} (which may be null). */
  public LinearWarmup(Optimizer optimizer, double startFactor, int warmupSteps, LRScheduler after) {
    super(optimizer);
    if (!(startFactor >= 0 && startFactor <= 1)) {
      throw new IllegalArgumentException(
          "LinearWarmup: startFactor must be in [0, 1], got " + startFactor);
    }
    if (warmupSteps <= 0) {
      throw new IllegalArgumentException(
          "LinearWarmup: warmupSteps must be positive, got " + warmupSteps);
    }
    if (after != null && after.optimizer() != optimizer) {
      throw new IllegalArgumentException(
          "LinearWarmup: the schedule after the warm-up must belong to the same optimizer");
    }
    this.after = after;
    this.startFactor = startFactor;
    this.warmupSteps = warmupSteps;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    if (epoch < warmupSteps) {
      return baseLr * (startFactor + (1 - startFactor) * epoch / (double) warmupSteps);
    }
    return after == null ? baseLr : after.lrAt(epoch - warmupSteps, baseLr);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "start_factor", scalar(startFactor));
    out.put(prefix + "warmup_steps", scalar(warmupSteps));
    if (after != null) {
      after.saveSettings(prefix + "after.", out);
    }
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    startFactor = value(dict, prefix + "start_factor");
    warmupSteps = (int) value(dict, prefix + "warmup_steps");
    if (after != null) {
      after.loadSettings(prefix + "after.", dict);
    }
  }
}

package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Map;

/**
 * Scales the lr by a factor that moves linearly from {@code startFactor} to {@code endFactor} over
 * {@code totalIters} steps and then stays, as PyTorch's {@code LinearLR}: {@code lr(t) = base ·
 * (start + (end − start) · min(t, totalIters) / totalIters)}. With end = 1 it is a linear warm-up;
 * follow it with another schedule through {@link SequentialLR}, or use {@link LinearWarmup}.
 */
public final class LinearLR extends LRScheduler {
  private double startFactor;
  private double endFactor;
  private int totalIters;

  /** PyTorch's defaults: from 1/3 to 1 over 5 steps. */
  public LinearLR(Optimizer optimizer) {
    this(optimizer, 1.0 / 3, 1.0, 5);
  }

  /** From {@code startFactor} to {@code endFactor} over {@code totalIters} steps. */
  public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
    super(optimizer);
    if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
      throw new IllegalArgumentException(
          "LinearLR: need 0 < startFactor <= 1 and 0 <= endFactor <= 1, got "
              + startFactor
              + " and "
              + endFactor);
    }
    if (totalIters <= 0) {
      throw new IllegalArgumentException(
          "LinearLR: totalIters must be positive, got " + totalIters);
    }
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    return baseLr
        * (startFactor
            + (endFactor - startFactor) * Math.min(totalIters, epoch) / (double) totalIters);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "start_factor", scalar(startFactor));
    out.put(prefix + "end_factor", scalar(endFactor));
    out.put(prefix + "total_iters", scalar(totalIters));
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    startFactor = value(dict, prefix + "start_factor");
    endFactor = value(dict, prefix + "end_factor");
    totalIters = (int) value(dict, prefix + "total_iters");
  }
}

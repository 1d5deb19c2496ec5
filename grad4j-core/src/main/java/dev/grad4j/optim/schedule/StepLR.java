package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Map;

/**
 * Decays the lr by {@code gamma} every {@code stepSize} epochs, as PyTorch's {@code StepLR}: {@code
 * lr(t) = base · gamma^⌊t / stepSize⌋}.
 */
public final class StepLR extends LRScheduler {
  private int stepSize;
  private double gamma;

  /** Decays by 0.1 every {@code stepSize} epochs. */
  public StepLR(Optimizer optimizer, int stepSize) {
    this(optimizer, stepSize, 0.1);
  }

  /** Decays by {@code gamma} every {@code stepSize} epochs. */
  public StepLR(Optimizer optimizer, int stepSize, double gamma) {
    super(optimizer);
    if (stepSize <= 0) {
      throw new IllegalArgumentException("StepLR: stepSize must be positive, got " + stepSize);
    }
    this.stepSize = stepSize;
    this.gamma = gamma;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    return baseLr * Math.pow(gamma, epoch / stepSize);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "step_size", scalar(stepSize));
    out.put(prefix + "gamma", scalar(gamma));
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    stepSize = (int) value(dict, prefix + "step_size");
    gamma = value(dict, prefix + "gamma");
  }
}

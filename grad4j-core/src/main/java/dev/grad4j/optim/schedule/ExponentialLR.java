package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Map;

/** Decays the lr by {@code gamma} every epoch, as PyTorch's {@code ExponentialLR}: base·gamma^t. */
public final class ExponentialLR extends LRScheduler {
  private double gamma;

  /** Multiplies the lr by {@code gamma} each epoch. */
  public ExponentialLR(Optimizer optimizer, double gamma) {
    super(optimizer);
    this.gamma = gamma;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    return baseLr * Math.pow(gamma, epoch);
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "gamma", scalar(gamma));
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    gamma = value(dict, prefix + "gamma");
  }
}

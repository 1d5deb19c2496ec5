package dev.grad4j.optim.schedule;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import java.util.Map;

/**
 * Cosine annealing from the base lr down to {@code etaMin} over {@code tMax} epochs, PyTorch's
 * {@code CosineAnnealingLR} in its closed form: {@code lr(t) = etaMin + (base − etaMin)·(1 +
 * cos(π·t / tMax)) / 2}. After tMax the cosine goes on (the lr rises again over the next tMax
 * epochs), as in PyTorch.
 */
public final class CosineAnnealingLR extends LRScheduler {
  private int tMax;
  private double etaMin;

  /** Anneals to 0 over {@code tMax} epochs. */
  public CosineAnnealingLR(Optimizer optimizer, int tMax) {
    this(optimizer, tMax, 0);
  }

  /** Anneals to {@code etaMin} over {@code tMax} epochs. */
  public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
    super(optimizer);
    if (tMax <= 0) {
      throw new IllegalArgumentException("CosineAnnealingLR: tMax must be positive, got " + tMax);
    }
    this.tMax = tMax;
    this.etaMin = etaMin;
    initialStep();
  }

  @Override
  protected double lrAt(int epoch, double baseLr) {
    return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
  }

  @Override
  protected void saveSettings(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "T_max", scalar(tMax));
    out.put(prefix + "eta_min", scalar(etaMin));
  }

  @Override
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {
    tMax = (int) value(dict, prefix + "T_max");
    etaMin = value(dict, prefix + "eta_min");
  }
}

package dev.grad4j.optim.schedule;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.ParamGroup;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lowers the lr when a metric stops improving, as PyTorch's {@code ReduceLROnPlateau}. Call {@link
 * #step(double)} once per epoch with the metric (a validation loss, say). A value is an improvement
 * when it beats the best so far by the threshold: in MIN mode with relative threshold τ, {@code
 * value < best·(1 − τ)} (absolute: {@code value < best − τ}); in MAX mode {@code value > best·(1 +
 * τ)} (absolute: {@code value > best + τ}). After more than {@code patience} epochs without
 * improvement each group's lr becomes {@code max(lr·factor, minLr)} (unchanged if that moves it by
 * no more than eps), and then {@code cooldown} epochs pass in which bad epochs are not counted. NaN
 * metrics never improve.
 *
 * <pre>{@code
 * var plateau = new ReduceLROnPlateau(opt).factor(0.5).patience(3);
 * for (...) { train(); plateau.step(validationLoss); }
 * }</pre>
 *
 * <p>Defaults as PyTorch: MIN, factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0, minLr
 * 0, eps 1e-8. Unlike the other schedules it starts from the optimizer's current lrs and sets them
 * only when reducing.
 */
public final class ReduceLROnPlateau {
  /** Whether lower or higher metric values are better. */
  public enum Mode {
    MIN,
    MAX
  }

  /** Whether the threshold is relative to the best value or absolute. */
  public enum ThresholdMode {
    REL,
    ABS
  }

  private final Optimizer optimizer;
  private Mode mode = Mode.MIN;
  private ThresholdMode thresholdMode = ThresholdMode.REL;
  private double factor = 0.1;
  private int patience = 10;
  private double threshold = 1e-4;
  private int cooldown;
  private double[] minLrs;
  private double eps = 1e-8;

  private double best;
  private int numBadEpochs;
  private int cooldownCounter;
  private int lastEpoch;
  private double[] lastLr;

  /** A plateau schedule with PyTorch's defaults; change them with the fluent setters. */
  public ReduceLROnPlateau(Optimizer optimizer) {
    this.optimizer = notNull(optimizer, "optimizer");
    List<ParamGroup> groups = optimizer.paramGroups();
    minLrs = new double[groups.size()];
    lastLr = new double[groups.size()];
    for (int i = 0; i < lastLr.length; i++) {
      lastLr[i] = groups.get(i).lr();
    }
    reset();
  }

  private void reset() {
    best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    numBadEpochs = 0;
    cooldownCounter = 0;
  }

  /** MIN (lower is better, the default) or MAX; resets the best value. */
  public ReduceLROnPlateau mode(Mode mode) {
    this.mode = notNull(mode, "mode");
    reset();
    return this;
  }

  /** The factor (in [0, 1)) by which the lr is multiplied. */
  public ReduceLROnPlateau factor(double factor) {
    if (!(factor >= 0 && factor < 1)) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau: factor must be in [0, 1), got " + factor);
    }
    this.factor = factor;
    return this;
  }

  /** The number of epochs without improvement to tolerate before reducing. */
  public ReduceLROnPlateau patience(int patience) {
    if (patience < 0) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau: patience must be >= 0, got " + patience);
    }
    this.patience = patience;
    return this;
  }

  /** The threshold τ for an improvement, and whether it is relative or absolute. */
  public ReduceLROnPlateau threshold(double threshold, ThresholdMode thresholdMode) {
    if (!(threshold >= 0)) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau: threshold must be >= 0, got " + threshold);
    }
    this.threshold = threshold;
    this.thresholdMode = notNull(thresholdMode, "thresholdMode");
    return this;
  }

  /** The number of epochs after a reduction in which bad epochs are not counted. */
  public ReduceLROnPlateau cooldown(int cooldown) {
    if (cooldown < 0) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau: cooldown must be >= 0, got " + cooldown);
    }
    this.cooldown = cooldown;
    return this;
  }

  /** The lowest lr, for every group. */
  public ReduceLROnPlateau minLr(double minLr) {
    Arrays.fill(minLrs, minLr);
    return this;
  }

  /** The lowest lr of each group. */
  public ReduceLROnPlateau minLrs(double... minLrs) {
    if (minLrs.length != this.minLrs.length) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau: "
              + minLrs.length
              + " minimum lrs for "
              + this.minLrs.length
              + " parameter groups");
    }
    this.minLrs = minLrs.clone();
    return this;
  }

  /** The smallest change of lr worth making. */
  public ReduceLROnPlateau eps(double eps) {
    this.eps = eps;
    return this;
  }

  /** Records one epoch's metric, reducing the lrs after a plateau. */
  public void step(double metric) {
    lastEpoch++;
    if (isBetter(metric)) {
      best = metric;
      numBadEpochs = 0;
    } else {
      numBadEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    List<ParamGroup> groups = optimizer.paramGroups();
    if (numBadEpochs > patience) {
      for (int i = 0; i < groups.size(); i++) {
        double old = groups.get(i).lr();
        double reduced = Math.max(old * factor, minLrs[i]);
        if (old - reduced > eps) {
          groups.get(i).setLr(reduced);
        }
      }
      cooldownCounter = cooldown;
      numBadEpochs = 0;
    }
    for (int i = 0; i < groups.size(); i++) {
      lastLr[i] = groups.get(i).lr();
    }
  }

  private boolean isBetter(double a) {
    return switch (mode) {
      case MIN ->
          thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
      case MAX ->
          thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
    };
  }

  /** The best metric so far. */
  public double best() {
    return best;
  }

  /** Epochs since the last improvement (reset by a reduction and during cooldown). */
  public int numBadEpochs() {
    return numBadEpochs;
  }

  /** The number of {@link #step} calls. */
  public int lastEpoch() {
    return lastEpoch;
  }

  /** The lr of each group after the last step. */
  public double[] lastLr() {
    return lastLr.clone();
  }

  /** The counters and settings, by PyTorch's names, as float64 tensors (modes as 0 or 1). */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("mode", scalar(mode == Mode.MIN ? 0 : 1));
    out.put("threshold_mode", scalar(thresholdMode == ThresholdMode.REL ? 0 : 1));
    out.put("factor", scalar(factor));
    out.put("patience", scalar(patience));
    out.put("threshold", scalar(threshold));
    out.put("cooldown", scalar(cooldown));
    out.put("min_lrs", Tensor.of(minLrs.clone(), minLrs.length));
    out.put("eps", scalar(eps));
    out.put("best", scalar(best));
    out.put("num_bad_epochs", scalar(numBadEpochs));
    out.put("cooldown_counter", scalar(cooldownCounter));
    out.put("last_epoch", scalar(lastEpoch));
    out.put("_last_lr", Tensor.of(lastLr.clone(), lastLr.length));
    return out;
  }

  /** Restores a {@link #stateDict()}; checks every key and shape before changing anything. */
  public void loadStateDict(Map<String, Tensor> dict) {
    Map<String, Tensor> own = stateDict();
    TreeSet<String> missing = new TreeSet<>(own.keySet());
    missing.removeAll(dict.keySet());
    TreeSet<String> unexpected = new TreeSet<>(dict.keySet());
    unexpected.removeAll(own.keySet());
    StringBuilder problems = new StringBuilder();
    if (!missing.isEmpty()) {
      problems.append("; missing keys ").append(missing);
    }
    if (!unexpected.isEmpty()) {
      problems.append("; unexpected keys ").append(unexpected);
    }
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      Tensor given = dict.get(e.getKey());
      if (given != null && !Arrays.equals(given.shape(), e.getValue().shape())) {
        problems
            .append("; ")
            .append(e.getKey())
            .append(" has shape ")
            .append(Arrays.toString(given.shape()))
            .append(", expected ")
            .append(Arrays.toString(e.getValue().shape()));
      }
    }
    if (problems.length() > 0) {
      throw new IllegalArgumentException(
          "ReduceLROnPlateau.loadStateDict: " + problems.substring(2));
    }
    mode = dict.get("mode").item() == 0 ? Mode.MIN : Mode.MAX;
    thresholdMode = dict.get("threshold_mode").item() == 0 ? ThresholdMode.REL : ThresholdMode.ABS;
    factor = dict.get("factor").item();
    patience = (int) dict.get("patience").item();
    threshold = dict.get("threshold").item();
    cooldown = (int) dict.get("cooldown").item();
    minLrs = dict.get("min_lrs").toDoubleArray();
    eps = dict.get("eps").item();
    best = dict.get("best").item();
    numBadEpochs = (int) dict.get("num_bad_epochs").item();
    cooldownCounter = (int) dict.get("cooldown_counter").item();
    lastEpoch = (int) dict.get("last_epoch").item();
    lastLr = dict.get("_last_lr").toDoubleArray();
  }

  private static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException("ReduceLROnPlateau: " + what + " is null");
    }
    return value;
  }

  private static Tensor scalar(double v) {
    return Tensor.scalar(v, DType.FLOAT64);
  }
}

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
 * A learning-rate schedule that sets the {@code lr} of every parameter group of an optimizer, like
 * PyTorch's {@code torch.optim.lr_scheduler.LRScheduler}. Each group's base lr is its {@code
 * initial_lr} (recorded in the group, from its lr, by the first scheduler made for it, as in
 * PyTorch). Making a scheduler sets the lr for epoch 0; each {@link #step()} advances one epoch (or
 * one iteration, for schedules counted in iterations) and sets the lr for it:
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1, 0.9);
 * var schedule = new CosineAnnealingLR(opt, epochs);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *   trainOneEpoch(opt);      // opt.step() per batch
 *   schedule.step();         // after the optimizer, as in PyTorch
 * }
 * }</pre>
 *
 * <p>Every schedule here is computed in closed form from the base lr and the epoch, {@link #lrAt}:
 * the values agree with PyTorch's up to rounding (PyTorch's {@code step()} updates most of them
 * recursively, multiplying the current lr), and a schedule ignores an lr changed by hand between
 * steps. Compose schedules with {@link SequentialLR} or {@link LinearWarmup}.
 *
 * <p>{@link #stateDict()} holds the epoch counter, the base lrs and the schedule's settings; with
 * the optimizer's state dict it makes resumed training continue exactly.
 */
public abstract class LRScheduler {
  private final Optimizer optimizer;
  private double[] baseLrs;
  private double[] lastLr;
  private int lastEpoch = -1;

  /** A schedule for {@code optimizer}; subclasses call {@link #initialStep()} when set up. */
  protected LRScheduler(Optimizer optimizer) {
    if (optimizer == null) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": the optimizer is null");
    }
    this.optimizer = optimizer;
    List<ParamGroup> groups = optimizer.paramGroups();
    baseLrs = new double[groups.size()];
    lastLr = new double[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup g = groups.get(i);
      if (!g.has("initial_lr")) {
        g.set("initial_lr", g.lr());
      }
      baseLrs[i] = g.get("initial_lr");
      lastLr[i] = g.lr();
    }
  }

  /**
   * The lr at {@code epoch} (0 for the first) of a group whose base lr is {@code baseLr}: the
   * schedule's closed form.
   */
  protected abstract double lrAt(int epoch, double baseLr);

  /** PyTorch's initial step: sets the lr for epoch 0. Subclass constructors end with it. */
  protected final void initialStep() {
    lastEpoch = -1;
    step();
  }

  /** Advances one epoch and sets every group's lr for it. */
  public void step() {
    lastEpoch++;
    List<ParamGroup> groups = optimizer.paramGroups();
    if (groups.size() != baseLrs.length) {
      throw new IllegalStateException(
          getClass().getSimpleName()
              + ": the optimizer has "
              + groups.size()
              + " parameter groups but the schedule was made for "
              + baseLrs.length);
    }
    for (int i = 0; i < groups.size(); i++) {
      double lr = lrAt(lastEpoch, baseLrs[i]);
      groups.get(i).setLr(lr);
      lastLr[i] = lr;
    }
  }

  /** The optimizer whose lrs this schedule sets. */
  public final Optimizer optimizer() {
    return optimizer;
  }

  /** The number of steps taken (0 right after construction). */
  public final int lastEpoch() {
    return lastEpoch;
  }

  /** The lr of each group as last set by this schedule (PyTorch's {@code get_last_lr()}). */
  public final double[] lastLr() {
    return lastLr.clone();
  }

  /** The base lr of each group. */
  public final double[] baseLrs() {
    return baseLrs.clone();
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * The schedule's state: {@code last_epoch}, {@code base_lrs}, {@code _last_lr} and its settings
   * (PyTorch's names, e.g. {@code gamma}, {@code T_max}), as float64 tensors.
   */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("last_epoch", scalar(lastEpoch));
    out.put("base_lrs", Tensor.of(baseLrs.clone(), baseLrs.length));
    out.put("_last_lr", Tensor.of(lastLr.clone(), lastLr.length));
    saveSettings("", out);
    return out;
  }

  /**
   * Restores a {@link #stateDict()} (counters, base lrs and settings). Like PyTorch it does not
   * change the optimizer's lrs: restore the optimizer's own state dict for those.
   *
   * @throws IllegalArgumentException if keys are missing or unexpected, or a value has the wrong
   *     shape; nothing changes then
   */
  public final void loadStateDict(Map<String, Tensor> dict) {
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
          getClass().getSimpleName() + ".loadStateDict: " + problems.substring(2));
    }
    lastEpoch = (int) dict.get("last_epoch").item();
    baseLrs = dict.get("base_lrs").toDoubleArray();
    lastLr = dict.get("_last_lr").toDoubleArray();
    loadSettings("", dict);
  }

  /** Writes the schedule's settings under {@code prefix}; for subclasses with settings. */
  protected void saveSettings(String prefix, Map<String, Tensor> out) {}

  /** Reads back what {@link #saveSettings} wrote. */
  protected void loadSettings(String prefix, Map<String, Tensor> dict) {}

  /** A float64 scalar. */
  protected static Tensor scalar(double value) {
    return Tensor.scalar(value, DType.FLOAT64);
  }

  /** The value of a one-element entry. */
  protected static double value(Map<String, Tensor> dict, String key) {
    return dict.get(key).item();
  }

  static void checkSameOptimizer(String who, LRScheduler outer, LRScheduler inner) {
    if (inner.optimizer != outer.optimizer) {
      throw new IllegalArgumentException(
          who + ": every schedule must belong to the same optimizer");
    }
  }
}

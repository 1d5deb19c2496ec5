package dev.grad4j.optim;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adagrad, exactly {@code torch.optim.Adagrad} (dense gradients). For each parameter θ with
 * gradient g, learning rate γ, learning-rate decay η, weight decay λ, eps ε and step count t (from
 * 1):
 *
 * <pre>
 * g ← g + λ·θ                          if λ ≠ 0
 * γ_t ← γ / (1 + (t − 1)·η)
 * s ← s + g²
 * θ ← θ − γ_t·g / (sqrt(s) + ε)
 * </pre>
 *
 * <p>s starts at {@code initial_accumulator_value}. As in PyTorch the state is created when a group
 * is added (step 0, s filled), so it is in the state dict before the first step. Hyper-parameters:
 * {@code lr} (default 0.01), {@code lr_decay} (0), {@code weight_decay} (0), {@code
 * initial_accumulator_value} (0), {@code eps} (1e-10). State: {@code step}, {@code sum} (s).
 */
public final class Adagrad extends Optimizer {

  /** Adagrad's hyper-parameters, starting from the defaults. */
  public static final class Options {
    private final Map<String, Double> values = new LinkedHashMap<>();

    private Options() {
      values.put("lr", 1e-2);
      values.put("lr_decay", 0.0);
      values.put("weight_decay", 0.0);
      values.put("initial_accumulator_value", 0.0);
      values.put("eps", 1e-10);
    }

    /** The learning rate γ. */
    public Options lr(double lr) {
      values.put("lr", lr);
      return this;
    }

    /** The learning-rate decay η. */
    public Options lrDecay(double lrDecay) {
      values.put("lr_decay", lrDecay);
      return this;
    }

    /** The L2 penalty λ (added to the gradient). */
    public Options weightDecay(double weightDecay) {
      values.put("weight_decay", weightDecay);
      return this;
    }

    /** The starting value of the sum of squared gradients. */
    public Options initialAccumulatorValue(double value) {
      values.put("initial_accumulator_value", value);
      return this;
    }

    /** The term ε added to the denominator. */
    public Options eps(double eps) {
      values.put("eps", eps);
      return this;
    }
  }

  /** The defaults: lr 0.01, eps 1e-10, no decay, accumulator starting at 0. */
  public static Options options() {
    return new Options();
  }

  /** Adagrad with learning rate {@code lr}. */
  public Adagrad(List<Tensor> params, double lr) {
    this(params, options().lr(lr));
  }

  /** Adagrad over one group of parameters. */
  public Adagrad(List<Tensor> params, Options options) {
    super("Adagrad", options.values, single(params));
  }

  /** Adagrad over several groups; what a group does not set comes from {@code defaults}. */
  public Adagrad(Options defaults, ParamGroup... groups) {
    super("Adagrad", defaults.values, List.of(groups));
  }

  @Override
  protected void validate(ParamGroup group) {
    requireAtLeast(group, "lr", 0);
    requireAtLeast(group, "lr_decay", 0);
    requireAtLeast(group, "weight_decay", 0);
    requireAtLeast(group, "initial_accumulator_value", 0);
    requireAtLeast(group, "eps", 0);
  }

  @Override
  protected void initGroup(ParamGroup group) {
    double initial = group.get("initial_accumulator_value");
    for (Tensor p : group.params()) {
      Map<String, Tensor> state = mutableState(p);
      state.put(STEP, Tensor.scalar(0, DType.FLOAT64));
      state.put("sum", Tensor.fullLike(p, initial));
    }
  }

  @Override
  protected void update(Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state) {
    double lr = group.lr();
    double lrDecay = group.get("lr_decay");
    double weightDecay = group.get("weight_decay");
    double eps = group.get("eps");
    double step = incrementStep(state);
    Tensor sum = state.get("sum");
    if (sum == null) { // state dropped by loading a dict saved before this group existed
      sum = Tensor.fullLike(param, group.get("initial_accumulator_value"));
      state.put("sum", sum);
    }
    Tensor g = grad;
    if (weightDecay != 0) {
      g = g.add(param.mul(weightDecay));
    }
    double clr = lr / (1 + (step - 1) * lrDecay);
    sum.addInPlace(g.mul(g));
    Tensor std = sum.sqrt().add(eps);
    param.subInPlace(g.mul(clr).div(std));
  }
}

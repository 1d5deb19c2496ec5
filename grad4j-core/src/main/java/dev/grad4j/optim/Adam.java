package dev.grad4j.optim;

import dev.grad4j.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, exactly {@code torch.optim.Adam} (weight decay coupled into the gradient, as an L2 penalty;
 * {@link AdamW} decouples it). For each parameter θ with gradient g, learning rate γ, betas β1 and
 * β2, eps ε, weight decay λ and step count t (from 1):
 *
 * <pre>
 * g ← g + λ·θ                              if λ ≠ 0
 * m ← lerp(m, g, 1 − β1)                   = β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v̂ ← max(v̂, v)                            if amsgrad (v̂ is then used for v below)
 * denom ← sqrt(v) / sqrt(1 − β2^t) + ε      (ε outside the square root, after bias correction)
 * θ ← θ − (γ / (1 − β1^t))·m / denom
 * </pre>
 *
 * <p>m, v and v̂ start at zero. {@code lerp(a, b, w)} is PyTorch's: {@code a + w·(b − a)} for |w|
 * &lt; 0.5, else {@code b − (b − a)·(1 − w)}.
 *
 * <p>Hyper-parameters: {@code lr} (default 0.001), {@code beta1} (0.9) and {@code beta2} (0.999)
 * (PyTorch's {@code betas} pair), {@code eps} (1e-8), {@code weight_decay} (0), {@code amsgrad} (0
 * or 1). State: {@code step} (float64 scalar), {@code exp_avg} (m), {@code exp_avg_sq} (v), and
 * {@code max_exp_avg_sq} (v̂) with amsgrad.
 */
public final class Adam extends Optimizer {

  /** Adam's (and AdamW's) hyper-parameters, starting from the defaults. */
  public static final class Options {
    final Map<String, Double> values = new LinkedHashMap<>();

    Options(double weightDecay) {
      values.put("lr", 1e-3);
      values.put("beta1", 0.9);
      values.put("beta2", 0.999);
      values.put("eps", 1e-8);
      values.put("weight_decay", weightDecay);
      values.put("amsgrad", 0.0);
    }

    /** The learning rate γ. */
    public Options lr(double lr) {
      values.put("lr", lr);
      return this;
    }

    /** The decay rates of the first and second moment estimates. */
    public Options betas(double beta1, double beta2) {
      values.put("beta1", beta1);
      values.put("beta2", beta2);
      return this;
    }

    /** The term ε added to the denominator. */
    public Options eps(double eps) {
      values.put("eps", eps);
      return this;
    }

    /** The weight decay λ (coupled for Adam, decoupled for AdamW). */
    public Options weightDecay(double weightDecay) {
      values.put("weight_decay", weightDecay);
      return this;
    }

    /** The AMSGrad variant (the maximum of past second moments). */
    public Options amsgrad(boolean amsgrad) {
      values.put("amsgrad", amsgrad ? 1.0 : 0.0);
      return this;
    }
  }

  /** Adam's defaults: lr 0.001, betas (0.9, 0.999), eps 1e-8, no weight decay. */
  public static Options options() {
    return new Options(0);
  }

  /** Adam with the default hyper-parameters. */
  public Adam(List<Tensor> params) {
    this(params, options());
  }

  /** Adam with learning rate {@code lr}. */
  public Adam(List<Tensor> params, double lr) {
    this(params, options().lr(lr));
  }

  /** Adam over one group of parameters. */
  public Adam(List<Tensor> params, Options options) {
    super("Adam", options.values, single(params));
  }

  /** Adam over several groups; what a group does not set comes from {@code defaults}. */
  public Adam(Options defaults, ParamGroup... groups) {
    super("Adam", defaults.values, List.of(groups));
  }

  @Override
  protected void validate(ParamGroup group) {
    validateAdam(this, group);
  }

  static void validateAdam(Optimizer opt, ParamGroup group) {
    opt.requireAtLeast(group, "lr", 0);
    opt.requireAtLeast(group, "eps", 0);
    opt.requireFraction(group, "beta1");
    opt.requireFraction(group, "beta2");
    opt.requireAtLeast(group, "weight_decay", 0);
    opt.requireFlag(group, "amsgrad");
  }

  // The update reads the gradient into its own moment buffers and temporaries and keeps nothing
  // of it.
  @Override
  protected boolean keepsNoGradient() {
    return true;
  }

  @Override
  protected void update(Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state) {
    adamUpdate(param, grad, group, state, false);
  }

  /** One Adam step; {@code decoupled} selects AdamW's weight decay. */
  static void adamUpdate(
      Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state, boolean decoupled) {
    double lr = group.lr();
    double beta1 = group.get("beta1");
    double beta2 = group.get("beta2");
    double eps = group.get("eps");
    double weightDecay = group.get("weight_decay");
    boolean amsgrad = flag(group, "amsgrad");
    double step = incrementStep(state);
    Tensor expAvg = buffer(state, "exp_avg", param);
    Tensor expAvgSq = buffer(state, "exp_avg_sq", param);
    Tensor maxExpAvgSq = amsgrad ? buffer(state, "max_exp_avg_sq", param) : null;
    Tensor g = grad;
    if (weightDecay != 0) {
      if (decoupled) {
        param.mulInPlace(1 - lr * weightDecay);
      } else {
        g = g.add(param.mul(weightDecay));
      }
    }
    lerpInPlace(expAvg, g, 1 - beta1);
    expAvgSq.mulInPlace(beta2).addInPlace(g.mul(1 - beta2).mul(g));
    double biasCorrection1 = 1 - Math.pow(beta1, step);
    double biasCorrection2 = 1 - Math.pow(beta2, step);
    double stepSize = lr / biasCorrection1;
    double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    Tensor second = expAvgSq;
    if (amsgrad) {
      maxExpAvgSq.copyFrom(maxExpAvgSq.maximum(expAvgSq));
      second = maxExpAvgSq;
    }
    Tensor denom = second.sqrt().div(biasCorrection2Sqrt).add(eps);
    param.subInPlace(expAvg.mul(stepSize).div(denom));
  }

  /** PyTorch's {@code self.lerp_(end, weight)}, in place. */
  static void lerpInPlace(Tensor self, Tensor end, double weight) {
    if (Math.abs(weight) < 0.5) {
      self.addInPlace(end.sub(self).mul(weight));
    } else {
      self.copyFrom(end.sub(end.sub(self).mul(1 - weight)));
    }
  }
}

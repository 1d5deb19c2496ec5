package dev.grad4j.optim;

import dev.grad4j.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop, exactly {@code torch.optim.RMSprop}. For each parameter θ with gradient g, learning rate
 * γ, smoothing constant α, eps ε, weight decay λ and momentum μ:
 *
 * <pre>
 * g ← g + λ·θ                          if λ ≠ 0
 * v ← α·v + (1 − α)·g²
 * if centered:
 *   a ← lerp(a, g, 1 − α)              = α·a + (1 − α)·g
 *   s ← sqrt(v − a²) + ε
 * else:
 *   s ← sqrt(v) + ε                    (ε outside the square root)
 * if μ &gt; 0:  b ← μ·b + g / s;  θ ← θ − γ·b
 * else:      θ ← θ − γ·g / s
 * </pre>
 *
 * <p>v, a and b start at zero; there is no bias correction. Hyper-parameters: {@code lr} (default
 * 0.01), {@code alpha} (0.99), {@code eps} (1e-8), {@code weight_decay} (0), {@code momentum} (0),
 * {@code centered} (0 or 1). State: {@code step}, {@code square_avg} (v), {@code momentum_buffer}
 * (b) when μ &gt; 0, {@code grad_avg} (a) when centered.
 */
public final class RMSprop extends Optimizer {

  /** RMSprop's hyper-parameters, starting from the defaults. */
  public static final class Options {
    private final Map<String, Double> values = new LinkedHashMap<>();

    private Options() {
      values.put("lr", 1e-2);
      values.put("alpha", 0.99);
      values.put("eps", 1e-8);
      values.put("weight_decay", 0.0);
      values.put("momentum", 0.0);
      values.put("centered", 0.0);
    }

    /** The learning rate γ. */
    public Options lr(double lr) {
      values.put("lr", lr);
      return this;
    }

    /** The smoothing constant α of the squared-gradient average. */
    public Options alpha(double alpha) {
      values.put("alpha", alpha);
      return this;
    }

    /** The term ε added to the denominator. */
    public Options eps(double eps) {
      values.put("eps", eps);
      return this;
    }

    /** The L2 penalty λ (added to the gradient). */
    public Options weightDecay(double weightDecay) {
      values.put("weight_decay", weightDecay);
      return this;
    }

    /** The momentum factor μ. */
    public Options momentum(double momentum) {
      values.put("momentum", momentum);
      return this;
    }

    /** Normalises by the estimated variance of the gradient instead of its second moment. */
    public Options centered(boolean centered) {
      values.put("centered", centered ? 1.0 : 0.0);
      return this;
    }
  }

  /** The defaults: lr 0.01, alpha 0.99, eps 1e-8, no weight decay or momentum, not centered. */
  public static Options options() {
    return new Options();
  }

  /** RMSprop with learning rate {@code lr}. */
  public RMSprop(List<Tensor> params, double lr) {
    this(params, options().lr(lr));
  }

  /** RMSprop over one group of parameters. */
  public RMSprop(List<Tensor> params, Options options) {
    super("RMSprop", options.values, single(params));
  }

  /** RMSprop over several groups; what a group does not set comes from {@code defaults}. */
  public RMSprop(Options defaults, ParamGroup... groups) {
    super("RMSprop", defaults.values, List.of(groups));
  }

  @Override
  protected void validate(ParamGroup group) {
    requireAtLeast(group, "lr", 0);
    requireAtLeast(group, "eps", 0);
    requireAtLeast(group, "alpha", 0);
    requireAtLeast(group, "momentum", 0);
    requireAtLeast(group, "weight_decay", 0);
    requireFlag(group, "centered");
  }

  @Override
  protected void update(Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state) {
    double lr = group.lr();
    double alpha = group.get("alpha");
    double eps = group.get("eps");
    double weightDecay = group.get("weight_decay");
    double momentum = group.get("momentum");
    boolean centered = flag(group, "centered");
    incrementStep(state);
    Tensor squareAvg = buffer(state, "square_avg", param);
    Tensor buf = momentum > 0 ? buffer(state, "momentum_buffer", param) : null;
    Tensor gradAvg = centered ? buffer(state, "grad_avg", param) : null;
    Tensor g = grad;
    if (weightDecay != 0) {
      g = g.add(param.mul(weightDecay));
    }
    squareAvg.mulInPlace(alpha).addInPlace(g.mul(1 - alpha).mul(g));
    Tensor avg;
    if (centered) {
      Adam.lerpInPlace(gradAvg, g, 1 - alpha);
      avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else {
      avg = squareAvg.sqrt();
    }
    avg = avg.add(eps);
    if (momentum > 0) {
      buf.mulInPlace(momentum).addInPlace(g.div(avg));
      param.subInPlace(buf.mul(lr));
    } else {
      param.subInPlace(g.mul(lr).div(avg));
    }
  }
}

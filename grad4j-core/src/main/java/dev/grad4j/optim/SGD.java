package dev.grad4j.optim;

import dev.grad4j.FusedUpdates;
import dev.grad4j.Tensor;
import dev.grad4j.backend.SgdStep;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, exactly {@code torch.optim.SGD}. For each
 * parameter θ with gradient g, learning rate γ, momentum μ, dampening τ and weight decay λ:
 *
 * <pre>
 * g ← g + λ·θ                          if λ ≠ 0
 * if μ ≠ 0:
 *   b ← g                              on the parameter's first step (no dampening applied)
 *   b ← μ·b + (1 − τ)·g                on later steps
 *   g ← g + μ·b  if nesterov, else g ← b
 * θ ← θ − γ·g
 * </pre>
 *
 * <p>Hyper-parameters ({@link ParamGroup} names): {@code lr} (default 0.001, as PyTorch 2.x),
 * {@code momentum} (0), {@code dampening} (0), {@code weight_decay} (0), {@code nesterov} (0 or 1;
 * needs a momentum and zero dampening). State: {@code momentum_buffer} (b), only when momentum is
 * used.
 *
 * <p>Contiguous float32 parameters and gradients are updated in one fused kernel pass ({@link
 * FusedUpdates#sgd}) that gives the same bits as the update above done op by op, which is what
 * other operands get.
 */
public final class SGD extends Optimizer {

  /** SGD's hyper-parameters, starting from the defaults. */
  public static final class Options {
    private final Map<String, Double> values = new LinkedHashMap<>();

    private Options() {
      values.put("lr", 1e-3);
      values.put("momentum", 0.0);
      values.put("dampening", 0.0);
      values.put("weight_decay", 0.0);
      values.put("nesterov", 0.0);
    }

    /** The learning rate γ. */
    public Options lr(double lr) {
      values.put("lr", lr);
      return this;
    }

    /** The momentum factor μ. */
    public Options momentum(double momentum) {
      values.put("momentum", momentum);
      return this;
    }

    /** The dampening τ of the gradient added to the momentum buffer. */
    public Options dampening(double dampening) {
      values.put("dampening", dampening);
      return this;
    }

    /** The L2 penalty λ (added to the gradient). */
    public Options weightDecay(double weightDecay) {
      values.put("weight_decay", weightDecay);
      return this;
    }

    /** Nesterov momentum. */
    public Options nesterov(boolean nesterov) {
      values.put("nesterov", nesterov ? 1.0 : 0.0);
      return this;
    }
  }

  /** The defaults: lr 0.001, no momentum, dampening or weight decay. */
  public static Options options() {
    return new Options();
  }

  /** Plain SGD with learning rate {@code lr}. */
  public SGD(List<Tensor> params, double lr) {
    this(params, options().lr(lr));
  }

  /** SGD with learning rate {@code lr} and momentum. */
  public SGD(List<Tensor> params, double lr, double momentum) {
    this(params, options().lr(lr).momentum(momentum));
  }

  /** SGD over one group of parameters. */
  public SGD(List<Tensor> params, Options options) {
    super("SGD", options.values, single(params));
  }

  /** SGD over several groups; what a group does not set comes from {@code defaults}. */
  public SGD(Options defaults, ParamGroup... groups) {
    super("SGD", defaults.values, List.of(groups));
  }

  @Override
  protected void validate(ParamGroup group) {
    requireAtLeast(group, "lr", 0);
    requireAtLeast(group, "momentum", 0);
    requireAtLeast(group, "weight_decay", 0);
    requireFlag(group, "nesterov");
    if (flag(group, "nesterov") && (group.get("momentum") <= 0 || group.get("dampening") != 0)) {
      throw new IllegalArgumentException(
          "SGD: Nesterov momentum needs a positive momentum and zero dampening, got momentum "
              + group.get("momentum")
              + " and dampening "
              + group.get("dampening"));
    }
  }

  // update reads the gradient (copying it into a new momentum buffer) and keeps nothing of it.
  @Override
  protected boolean keepsNoGradient() {
    return true;
  }

  @Override
  protected void update(Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state) {
    double lr = group.lr();
    double momentum = group.get("momentum");
    double dampening = group.get("dampening");
    double weightDecay = group.get("weight_decay");
    if (fused(param, grad, state, lr, momentum, dampening, weightDecay, flag(group, "nesterov"))) {
      return;
    }
    Tensor g = grad;
    if (weightDecay != 0) {
      g = g.add(param.mul(weightDecay));
    }
    if (momentum != 0) {
      Tensor buf = state.get("momentum_buffer");
      if (buf == null) {
        buf = g.clone();
        state.put("momentum_buffer", buf);
      } else {
        buf.mulInPlace(momentum).addInPlace(dampening == 0 ? g : g.mul(1 - dampening));
      }
      g = flag(group, "nesterov") ? g.add(buf.mul(momentum)) : buf;
    }
    param.subInPlace(g.mul(lr));
  }

  // The same update in one kernel pass, when the backend has one for these tensors.
  private static boolean fused(
      Tensor param,
      Tensor grad,
      Map<String, Tensor> state,
      double lr,
      double momentum,
      double dampening,
      double weightDecay,
      boolean nesterov) {
    Tensor buf = momentum == 0 ? null : state.get("momentum_buffer");
    boolean first = momentum != 0 && buf == null;
    if (first) {
      buf = Tensor.zerosLike(param);
    }
    SgdStep step = new SgdStep(lr, momentum, dampening, weightDecay, nesterov, first);
    if (!FusedUpdates.sgd(param, grad, buf, step)) {
      return false;
    }
    if (first) {
      state.put("momentum_buffer", buf);
    }
    return true;
  }
}

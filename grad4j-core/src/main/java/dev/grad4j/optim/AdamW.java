package dev.grad4j.optim;

import dev.grad4j.Tensor;
import java.util.List;
import java.util.Map;

/**
 * AdamW, exactly {@code torch.optim.AdamW}: {@link Adam} with decoupled weight decay. The parameter
 * is first shrunk, {@code θ ← θ·(1 − γ·λ)}, and then updated as by Adam without weight decay (the
 * gradient is not changed):
 *
 * <pre>
 * θ ← θ·(1 − γ·λ)
 * m ← lerp(m, g, 1 − β1);  v ← β2·v + (1 − β2)·g²;  v̂ ← max(v̂, v) if amsgrad
 * θ ← θ − (γ / (1 − β1^t))·m / (sqrt(v) / sqrt(1 − β2^t) + ε)
 * </pre>
 *
 * <p>Hyper-parameters and state are Adam's; the default {@code weight_decay} is 0.01, as in
 * PyTorch.
 */
public final class AdamW extends Optimizer {

  /** AdamW's defaults: lr 0.001, betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  public static Adam.Options options() {
    return new Adam.Options(1e-2);
  }

  /** AdamW with the default hyper-parameters. */
  public AdamW(List<Tensor> params) {
    this(params, options());
  }

  /** AdamW with learning rate {@code lr} (weight decay 0.01). */
  public AdamW(List<Tensor> params, double lr) {
    this(params, options().lr(lr));
  }

  /** AdamW over one group of parameters. */
  public AdamW(List<Tensor> params, Adam.Options options) {
    super("AdamW", options.values, single(params));
  }

  /** AdamW over several groups; what a group does not set comes from {@code defaults}. */
  public AdamW(Adam.Options defaults, ParamGroup... groups) {
    super("AdamW", defaults.values, List.of(groups));
  }

  @Override
  protected void validate(ParamGroup group) {
    Adam.validateAdam(this, group);
  }

  // The update reads the gradient into its own moment buffers and temporaries and keeps nothing
  // of it.
  @Override
  protected boolean keepsNoGradient() {
    return true;
  }

  @Override
  protected void update(Tensor param, Tensor grad, ParamGroup group, Map<String, Tensor> state) {
    Adam.adamUpdate(param, grad, group, state, true);
  }
}

package dev.grad4j.attack;

import dev.grad4j.Tensor;
import dev.grad4j.nn.Module;

/** An evasion attack on a classifier that maps inputs [B, ...] to logits [B, classes]. */
public interface Attack {
  /**
   * Adversarial inputs for {@code inputs}: a new tensor of the same shape and dtype, within the
   * attack's ε-ball around each input and within its valid range. The model's mode is restored and
   * no parameter's {@code grad} changes.
   *
   * @param labels [B] class indices: the true classes for an untargeted attack (it moves away from
   *     them), the target classes for a targeted one (it moves towards them)
   */
  Tensor perturb(Module model, Tensor inputs, Tensor labels);

  /** Whether {@code labels} are targets to reach rather than classes to leave. */
  boolean targeted();

  /** The radius of the ball. */
  double eps();
}

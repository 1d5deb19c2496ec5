package dev.grad4j;

import dev.grad4j.backend.SgdStep;
import dev.grad4j.backend.Strided;

/**
 * Fused in-place parameter updates for optimizers: one kernel pass over a parameter, its gradient
 * and its state, where the same update written with tensor ops would make a pass (and often a fresh
 * tensor) per op. Not differentiable; like the other in-place ops, they refuse to change a tensor
 * that requires grad while gradient recording is on.
 *
 * <p>A fused update gives the same bits as the composed one. Each method returns false, changing
 * nothing, when the backend has no kernel for the operands (another dtype, a strided view), and the
 * optimizer then composes the update itself.
 */
public final class FusedUpdates {
  private FusedUpdates() {}

  /**
   * One {@code torch.optim.SGD} update of {@code param} in place (see {@link
   * dev.grad4j.backend.Backend#sgdStep} for the formula).
   *
   * @param momentumBuffer the momentum buffer, updated in place; null when {@code step.momentum()}
   *     is 0
   * @return whether the fused kernel ran
   */
  public static boolean sgd(Tensor param, Tensor grad, Tensor momentumBuffer, SgdStep step) {
    if (momentumBuffer == null) {
      return param.writeInPlace(
          "sgd", p -> Tensor.backend().sgdStep(p, grad.strided(), null, step));
    }
    // Both tensors the kernel writes get their versions bumped, and only when it ran.
    return param.writeInPlace(
        "sgd",
        p -> {
          Strided g = grad.strided();
          return momentumBuffer.writeInPlace("sgd", b -> Tensor.backend().sgdStep(p, g, b, step));
        });
  }
}

package dev.grad4j.autograd;

import dev.grad4j.Tensor;

/**
 * An op's derivative rule: from the gradient of the op's output, the gradient for each input (a
 * vector-Jacobian product). Rules are written with differentiable tensor ops, so when backward runs
 * with {@code createGraph} the gradients they return can be differentiated again.
 *
 * <p>A rule may return a gradient of the output's shape for a broadcast input; the engine sums it
 * back to the input's shape. A {@code null} entry means no gradient flows to that input.
 */
@FunctionalInterface
public interface BackwardRule {
  Tensor[] apply(Tensor gradOutput);
}

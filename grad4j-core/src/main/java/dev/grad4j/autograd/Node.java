package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A vertex of the backward graph: either the op that produced a tensor ({@link FunctionNode}) or
 * the sink that accumulates a leaf's gradient ({@link AccumulateGrad}). Edges point from a node to
 * the nodes of its inputs, so the engine walks them from the loss towards the leaves.
 */
public abstract sealed class Node permits FunctionNode, AccumulateGrad {
  private List<UnaryOperator<Tensor>> hooks;

  /** The op's name ({@code "matmul"}, {@code "tanh"}, ...), or {@code "leaf"}. */
  public abstract String name();

  /** The nodes of the inputs, {@code null} where an input needs no gradient. */
  public abstract List<Node> inputs();

  /** Adds a hook that sees (and may replace) the gradient arriving at this node. */
  public void addHook(UnaryOperator<Tensor> hook) {
    if (hooks == null) {
      hooks = new ArrayList<>();
    }
    hooks.add(hook);
  }

  /** Whether hooks (user code that sees the gradient) are registered here. */
  boolean hasHooks() {
    return hooks != null && !hooks.isEmpty();
  }

  Tensor applyHooks(Tensor grad) {
    if (hooks != null) {
      for (UnaryOperator<Tensor> hook : hooks) {
        Tensor replaced = hook.apply(grad);
        if (replaced != null) {
          if (!java.util.Arrays.equals(replaced.shape(), grad.shape())) {
            throw new IllegalStateException(
                "a gradient hook on '"
                    + name()
                    + "' returned shape "
                    + java.util.Arrays.toString(replaced.shape())
                    + " for a gradient of shape "
                    + java.util.Arrays.toString(grad.shape()));
          }
          grad = replaced;
        }
      }
    }
    return grad;
  }

  @Override
  public String toString() {
    return name();
  }
}

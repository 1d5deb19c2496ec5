package dev.grad4j;

import dev.grad4j.autograd.BackwardRule;
import dev.grad4j.autograd.FunctionNode;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.autograd.Node;

/**
 * The one way an op attaches its derivative rule to its output: built-in ops and {@link
 * dev.grad4j.autograd.CustomFunction} both go through {@link #record}. A node is attached only when
 * recording is on and some input requires grad.
 */
public final class Recorder {
  private Recorder() {}

  /** Tensors a rule reads; listing them lets backward detect in-place changes. */
  public static Tensor[] saved(Tensor... tensors) {
    return tensors;
  }

  /**
   * Records {@code out = op(inputs)} with its derivative rule and returns {@code out}. Nothing is
   * recorded (and the rule is never built) when no input requires grad or grad mode is off.
   */
  public static Tensor record(
      String op, Tensor out, Tensor[] inputs, Tensor[] saved, BackwardRule rule) {
    if (!GradMode.isEnabled()) {
      return out;
    }
    Node[] nodes = new Node[inputs.length];
    boolean any = false;
    for (int i = 0; i < inputs.length; i++) {
      nodes[i] = inputs[i].gradNode();
      any |= nodes[i] != null;
    }
    if (any) {
      out.setGradFn(new FunctionNode(op, out, nodes, inputs, saved, rule));
    }
    return out;
  }

  /** Whether an op on these inputs would be recorded. */
  static boolean recording(Tensor... inputs) {
    if (!GradMode.isEnabled()) {
      return false;
    }
    for (Tensor t : inputs) {
      if (t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }
}

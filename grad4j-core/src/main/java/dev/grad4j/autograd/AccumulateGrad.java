package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import java.util.List;

/** The backward-graph node of a leaf tensor: gradients arriving here are added to its grad. */
public final class AccumulateGrad extends Node {
  private final Tensor leaf;

  /** Used by {@link Tensor}; each leaf that requires grad has exactly one. */
  public AccumulateGrad(Tensor leaf) {
    this.leaf = leaf;
  }

  /** The leaf tensor. */
  public Tensor leaf() {
    return leaf;
  }

  @Override
  public String name() {
    return "leaf";
  }

  @Override
  public List<Node> inputs() {
    return List.of();
  }

  void accumulate(Tensor grad, boolean createGraph) {
    Tensor current = leaf.grad();
    if (current == null) {
      // Copy so that no two leaves (or a leaf and the caller) share a gradient buffer.
      leaf.setGrad(createGraph ? grad : grad.detach().clone());
    } else {
      leaf.setGrad(createGraph ? current.add(grad) : current.detach().add(grad.detach()));
    }
  }
}

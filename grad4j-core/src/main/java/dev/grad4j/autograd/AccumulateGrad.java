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

  /**
   * Adds {@code grad} to the leaf's gradient.
   *
   * @param owned whether the engine vouches that nothing else holds {@code grad}'s storage, so that
   *     it can become the leaf's gradient without a copy
   */
  void accumulate(Tensor grad, boolean createGraph, boolean owned) {
    Tensor current = leaf.peekGrad();
    if (createGraph) {
      // The gradient is part of a graph that others may hold: never reused.
      leaf.setGrad(current == null ? grad : current.add(grad));
    } else if (current == null) {
      // Copy, unless owned, so that no two leaves (or a leaf and the caller) share a gradient
      // buffer: an in-place change of one gradient (clipping, say) must not change another.
      leaf.setFreshGrad(owned ? grad.detach() : grad.detach().clone());
    } else {
      leaf.setFreshGrad(current.detach().add(grad.detach()));
    }
  }
}

package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Entry points to the backward pass; {@link Tensor#backward()} is the everyday one. */
public final class Autograd {
  private Autograd() {}

  /**
   * Accumulates d(sum of outputs[i] * grads[i]) / d(leaf) into every leaf's {@code grad}.
   *
   * @param retainGraph keep saved tensors so that backward can run through this graph again
   * @param createGraph record the backward pass, so that the gradients can be differentiated
   */
  public static void backward(
      List<Tensor> outputs, List<Tensor> grads, boolean retainGraph, boolean createGraph) {
    checkSameLength(outputs, grads);
    Engine.run(outputs, grads, retainGraph || createGraph, createGraph, null);
  }

  /**
   * Returns d(sum of outputs[i] * grads[i]) / d(inputs[j]) for each input, without touching any
   * {@code grad} field. An input that the outputs do not depend on gets a zero gradient (PyTorch's
   * {@code allow_unused=True, materialize_grads=True}).
   */
  public static Tensor[] grad(
      List<Tensor> outputs,
      List<Tensor> grads,
      List<Tensor> inputs,
      boolean retainGraph,
      boolean createGraph) {
    checkSameLength(outputs, grads);
    List<Node> nodes = new ArrayList<>();
    for (Tensor input : inputs) {
      if (!input.requiresGrad()) {
        throw new IllegalArgumentException(
            "grad: an input of shape "
                + java.util.Arrays.toString(input.shape())
                + " does not require grad, so nothing can flow to it;"
                + " call requiresGrad(true) on it (or tape.watch it) before the forward pass");
      }
      nodes.add(input.gradNode());
    }
    return gradAt(outputs, grads, inputs, nodes, retainGraph || createGraph, createGraph);
  }

  /** Gradients arriving at the given nodes (one per input tensor, used for zero fill-ins). */
  static Tensor[] gradAt(
      List<Tensor> outputs,
      List<Tensor> grads,
      List<Tensor> inputs,
      List<Node> nodes,
      boolean retainGraph,
      boolean createGraph) {
    Set<Node> capture = Collections.newSetFromMap(new IdentityHashMap<>());
    capture.addAll(nodes);
    Map<Node, Tensor> captured = Engine.run(outputs, grads, retainGraph, createGraph, capture);
    Tensor[] result = new Tensor[inputs.size()];
    for (int i = 0; i < result.length; i++) {
      Tensor g = captured.get(nodes.get(i));
      result[i] = g != null ? g : Tensor.zerosLike(inputs.get(i));
    }
    return result;
  }

  private static void checkSameLength(List<Tensor> outputs, List<Tensor> grads) {
    if (outputs.size() != grads.size()) {
      throw new IllegalArgumentException(
          "backward: " + outputs.size() + " outputs but " + grads.size() + " output gradients");
    }
  }
}

package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import dev.grad4j.backend.Storage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backward pass. It orders the graph topologically with an explicit stack (no recursion, so
 * graphs of any depth work), then visits nodes from the outputs towards the leaves, summing the
 * gradients that reach a node from all its consumers before running its rule once.
 */
final class Engine {
  private Engine() {}

  /**
   * Backpropagates {@code grads} from {@code roots}.
   *
   * @param capture when non-null, the nodes whose incoming gradient is wanted: they are returned
   *     and no leaf's {@code grad} is touched; when null, gradients accumulate into leaves
   */
  static Map<Node, Tensor> run(
      List<Tensor> roots,
      List<Tensor> rootGrads,
      boolean retainGraph,
      boolean createGraph,
      Set<Node> capture) {
    // Storages allocated from here on were made by this backward pass.
    long before = Storage.lastSerial();
    Map<Node, Tensor> pending = new IdentityHashMap<>();
    List<Node> starts = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      Tensor root = roots.get(i);
      Node node = root.gradNode();
      if (node == null) {
        throw new IllegalArgumentException(
            "output "
                + i
                + " does not require grad and has no grad function: nothing to differentiate"
                + " (did you forget requiresGrad(true), or compute it under GradMode.disabled()?)");
      }
      Tensor g = rootGrads.get(i);
      if (!Arrays.equals(g.shape(), root.shape())) {
        throw new IllegalArgumentException(
            "backward: gradient shape "
                + Arrays.toString(g.shape())
                + " does not match output shape "
                + Arrays.toString(root.shape()));
      }
      pending.merge(node, g.to(root.dtype()), Tensor::add);
      starts.add(node);
    }
    List<Node> order = topologicalOrder(starts);
    Set<Node> needed = capture == null ? null : nodesLeadingTo(order, capture);
    Map<Node, Tensor> captured = new IdentityHashMap<>();
    Set<Long> kept = mayKeepGradients(order, createGraph, capture) ? new HashSet<>() : null;
    try (GradMode.Scope mode = GradMode.set(createGraph)) {
      for (Node node : order) {
        Tensor grad = pending.remove(node);
        if (grad == null || (needed != null && !needed.contains(node))) {
          continue;
        }
        grad = node.applyHooks(grad);
        if (capture != null && capture.contains(node)) {
          captured.put(node, grad);
        }
        switch (node) {
          case AccumulateGrad leaf -> {
            if (capture == null) {
              leaf.accumulate(grad, createGraph, kept != null && owned(grad, before, kept));
            }
          }
          case FunctionNode fn -> {
            propagate(fn, grad, pending, retainGraph);
            if (kept != null && spent(grad, before, kept, pending)) {
              grad.recycleSpentGradient();
            }
          }
        }
      }
    }
    return captured;
  }

  // A leaf may keep the gradient it receives without copying (the copy of a large weight gradient
  // costs about as much as the product that made it) only when no user code could hold it: no
  // hooks, no custom backward, no gradient graph (createGraph) and no captured gradients.
  private static boolean mayKeepGradients(
      List<Node> order, boolean createGraph, Set<Node> capture) {
    if (createGraph || capture != null) {
      return false;
    }
    for (Node node : order) {
      if (node.hasHooks() || (node instanceof FunctionNode fn && fn.runsUserCode())) {
        return false;
      }
    }
    return true;
  }

  // Whether grad covers a whole storage that this pass allocated (so neither the caller nor a saved
  // tensor holds it) and that no other leaf has kept (rules may hand one tensor to several inputs).
  private static boolean owned(Tensor grad, long before, Set<Long> kept) {
    long serial = grad.wholeStorageSerial();
    return serial > before && kept.add(serial);
  }

  // Whether a gradient that a rule has just consumed may go for reuse (given no user code in the
  // graph, see mayKeepGradients): a whole storage that this pass allocated (not the caller's, not
  // a saved tensor), that no leaf has kept and that no pending gradient shares (a rule may hand
  // one tensor, or views of it, to several inputs).
  private static boolean spent(
      Tensor grad, long before, Set<Long> kept, Map<Node, Tensor> pending) {
    long serial = grad.wholeStorageSerial();
    if (serial <= before || kept.contains(serial)) {
      return false;
    }
    for (Tensor g : pending.values()) {
      if (g.sharesStorageWith(grad)) {
        return false;
      }
    }
    return true;
  }

  private static void propagate(
      FunctionNode fn, Tensor grad, Map<Node, Tensor> pending, boolean retainGraph) {
    Tensor[] inputGrads = fn.backward(grad);
    for (int i = 0; i < inputGrads.length; i++) {
      Node target = fn.input(i);
      Tensor g = inputGrads[i];
      if (target == null || g == null) {
        continue;
      }
      g = g.sumToShape(fn.inputShape(i)).to(fn.inputDtype(i));
      if (AnomalyMode.isEnabled()) {
        checkFinite(fn, i, g);
      }
      pending.merge(target, g, Tensor::add);
    }
    if (!retainGraph) {
      fn.release();
    }
  }

  private static void checkFinite(FunctionNode fn, int input, Tensor g) {
    if (!g.isFinite().all()) {
      ArithmeticException e =
          new ArithmeticException(
              "anomaly: backward of '"
                  + fn.name()
                  + "' produced NaN or infinity in the gradient of its input "
                  + input
                  + " (shape "
                  + Arrays.toString(g.shape())
                  + ")");
      e.initCause(fn.creation());
      throw e;
    }
  }

  /** Frees the saved tensors of every node reachable from {@code root}. */
  static void release(Node root) {
    for (Node node : topologicalOrder(List.of(root))) {
      if (node instanceof FunctionNode fn) {
        fn.release();
      }
    }
  }

  /** Nodes ordered so that every node comes before the nodes of its inputs. */
  static List<Node> topologicalOrder(List<Node> starts) {
    Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Node> postOrder = new ArrayList<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    ArrayDeque<Integer> nextChild = new ArrayDeque<>();
    for (Node start : starts) {
      if (!visited.add(start)) {
        continue;
      }
      stack.push(start);
      nextChild.push(0);
      while (!stack.isEmpty()) {
        Node node = stack.peek();
        int child = nextChild.pop();
        List<Node> inputs = node.inputs();
        while (child < inputs.size()
            && (inputs.get(child) == null || visited.contains(inputs.get(child)))) {
          child++;
        }
        if (child < inputs.size()) {
          Node next = inputs.get(child);
          visited.add(next);
          nextChild.push(child + 1);
          stack.push(next);
          nextChild.push(0);
        } else {
          stack.pop();
          postOrder.add(node);
        }
      }
    }
    Collections.reverse(postOrder);
    return postOrder;
  }

  // The nodes from which some captured node can be reached (captured nodes included).
  private static Set<Node> nodesLeadingTo(List<Node> order, Set<Node> capture) {
    Set<Node> needed = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = order.size() - 1; i >= 0; i--) {
      Node node = order.get(i);
      boolean need = capture.contains(node);
      for (Node input : node.inputs()) {
        need |= input != null && needed.contains(input);
      }
      if (need) {
        needed.add(node);
      }
    }
    return needed;
  }
}

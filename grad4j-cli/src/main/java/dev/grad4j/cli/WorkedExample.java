package dev.grad4j.cli;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.List;

/**
 * The lecture's worked backpropagation example, computed by the grad4j engine (nothing here is a
 * hard-coded answer): a two-layer network {@code x1 = W0·x0, x2 = tanh(x1), x3 = W1·x2} with the
 * loss {@code L = ½(x3 − y)²}, one backward pass and one gradient-descent step.
 *
 * <p>{@link #run()} returns every node's forward value, its local derivative and the gradient of
 * the loss with respect to it, so that the {@code explain} command can print them and tests can
 * check them.
 */
public final class WorkedExample {
  /** The first layer's weights, [2, 2]. */
  static final double[] W0 = {1, -3, 0.2, 1};

  /** The second layer's weights, [1, 2]. */
  static final double[] W1 = {1, -1};

  /** The input, a column vector [2, 1]. */
  static final double[] X0 = {1.0, 0.1};

  /** The target. */
  public static final double Y = 0.5;

  /** The gradient-descent step size. */
  public static final double LEARNING_RATE = 0.2;

  private WorkedExample() {}

  /**
   * One node of the computation graph.
   *
   * @param name the node's name, e.g. {@code x2}
   * @param definition how the node is computed, e.g. {@code tanh(x1)}; empty for the input
   * @param value the forward value
   * @param localFormula the node's derivative with respect to the node before it, as a formula
   *     (e.g. {@code 1 − tanh²(x1)}); null for the input
   * @param local the value of that local derivative; null for the input
   * @param grad dL/dnode as computed by {@code loss.backward()}; null for the input, which does not
   *     require a gradient
   * @param backpropFormula how backprop obtained {@code grad}; null for the input
   * @param backpropNote one line saying what backprop does at this node
   */
  public record Node(
      String name,
      String definition,
      Tensor value,
      String localFormula,
      Tensor local,
      Tensor grad,
      String backpropFormula,
      String backpropNote) {

    /** The node's label in a table, e.g. {@code x2 = tanh(x1)}. */
    public String label() {
      return definition.isEmpty() ? name : name + " = " + definition;
    }
  }

  /**
   * Everything the example computes.
   *
   * @param nodes the graph's nodes in forward order: x0, x1, x2, x3, L
   * @param w0 the first layer's weights before the step
   * @param w1 the second layer's weights before the step
   * @param gradW0 dL/dW0
   * @param gradW1 dL/dW1
   * @param w0After W0 after one step {@code W0 − lr·dL/dW0}
   * @param w1After W1 after one step
   * @param lossAfter the loss recomputed with the updated weights
   */
  public record Result(
      List<Node> nodes,
      Tensor w0,
      Tensor w1,
      Tensor gradW0,
      Tensor gradW1,
      Tensor w0After,
      Tensor w1After,
      double lossAfter) {

    /**
     * The node with the given name ({@code x0}, {@code x1}, {@code x2}, {@code x3} or {@code L}).
     */
    public Node node(String name) {
      return nodes.stream()
          .filter(n -> n.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no node named " + name));
    }

    /** The loss before the step. */
    public double loss() {
      return node("L").value().item();
    }
  }

  /** Runs the forward pass, the backward pass and one gradient-descent step, all in float64. */
  @SuppressWarnings("try") // the GradMode scopes are used for their effect, not referenced
  public static Result run() {
    Tensor w0 = Tensor.of(W0.clone(), 2, 2).requiresGrad(true);
    Tensor w1 = Tensor.of(W1.clone(), 1, 2).requiresGrad(true);
    Tensor x0 = Tensor.of(X0.clone(), 2, 1);
    Tensor w0Before = snapshot(w0);
    Tensor w1Before = snapshot(w1);

    // Forward: each call records a node of the graph that backward will walk in reverse.
    Tensor x1 = w0.matmul(x0).retainGrad();
    Tensor x2 = x1.tanh().retainGrad();
    Tensor x3 = w1.matmul(x2).retainGrad();
    Tensor loss = x3.sub(Y).square().mul(0.5).sum().retainGrad();

    // Backward: fills in dL/dW0 and dL/dW1, and (thanks to retainGrad) dL/dx1, dL/dx2, dL/dx3.
    loss.backward();

    List<Node> nodes;
    Tensor gradW0 = snapshot(w0.grad());
    Tensor gradW1 = snapshot(w1.grad());
    try (var g = GradMode.disabled()) {
      // Local derivatives, each computed from the forward values with tensor ops.
      Tensor dTanh = x2.square().rsub(1); // d tanh(x1)/dx1 = 1 − tanh²(x1) = 1 − x2²
      Tensor dLoss = x3.sub(Y); // d ½(x3 − y)²/dx3 = x3 − y
      nodes =
          List.of(
              new Node(
                  "x0",
                  "",
                  snapshot(x0),
                  null,
                  null,
                  null,
                  null,
                  "x0 is the input, not a weight: nothing needs its gradient, so backprop stops."),
              new Node(
                  "x1",
                  "W0·x0",
                  snapshot(x1),
                  "∂x1/∂x0 = W0",
                  snapshot(w0),
                  snapshot(x1.grad()),
                  "(1 − tanh²(x1)) ⊙ dL/dx2",
                  "tanh scales each element by its own slope (⊙ multiplies element by element)."),
              new Node(
                  "x2",
                  "tanh(x1)",
                  snapshot(x2),
                  "1 − tanh²(x1)",
                  snapshot(dTanh),
                  snapshot(x2.grad()),
                  "W1ᵀ·dL/dx3",
                  "a matrix product sends the gradient back through its transposed weights."),
              new Node(
                  "x3",
                  "W1·x2",
                  snapshot(x3),
                  "∂x3/∂x2 = W1",
                  snapshot(w1),
                  snapshot(x3.grad()),
                  "(x3 − y)·dL/dL",
                  "the loss's local derivative times the seed: how far off the output is."),
              new Node(
                  "L",
                  "½(x3 − y)²",
                  snapshot(loss),
                  "∂L/∂x3 = x3 − y",
                  snapshot(dLoss),
                  snapshot(loss.grad()),
                  "1",
                  "backward() starts at the loss with the seed gradient 1."));

      // One step of gradient descent, in place, with recording off: W ← W − lr·dL/dW.
      w0.subInPlace(w0.grad().mul(LEARNING_RATE));
      w1.subInPlace(w1.grad().mul(LEARNING_RATE));
    }

    double lossAfter;
    try (var g = GradMode.disabled()) {
      Tensor out = w1.matmul(w0.matmul(x0).tanh());
      lossAfter = out.sub(Y).square().mul(0.5).sum().item();
    }
    return new Result(
        nodes, w0Before, w1Before, gradW0, gradW1, snapshot(w0), snapshot(w1), lossAfter);
  }

  /** A copy of the values, detached from the graph and from later in-place updates. */
  @SuppressWarnings("try")
  private static Tensor snapshot(Tensor t) {
    if (t == null) {
      throw new IllegalStateException("backward did not produce an expected gradient");
    }
    try (var g = GradMode.disabled()) {
      return t.detach().clone();
    }
  }
}

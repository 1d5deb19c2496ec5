package dev.grad4j.autograd;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.List;

/**
 * The backward-graph node of one op application: its inputs' nodes, their shapes, the tensors the
 * rule saved, and the rule itself. Backward releases the rule and the saved tensors unless asked to
 * retain the graph.
 */
public final class FunctionNode extends Node {
  private final String name;
  private final Node[] inputs;
  private final int[][] inputShapes;
  private final DType[] inputDtypes;
  private Tensor[] saved;
  private final int[] savedVersions;
  private BackwardRule rule;
  private final Throwable creation;
  private final int[] outputShape;
  // Weak, so that a node never keeps its output alive: graph pictures show values while they exist.
  private final WeakReference<Tensor> output;

  /**
   * Creates a node. {@code saved} lists every tensor the rule reads, so that in-place writes to
   * them between forward and backward are detected.
   */
  public FunctionNode(
      String name,
      Tensor output,
      Node[] inputs,
      Tensor[] inputTensors,
      Tensor[] saved,
      BackwardRule rule) {
    this.name = name;
    this.outputShape = output.shape();
    this.output = new WeakReference<>(output);
    this.inputs = inputs;
    this.inputShapes = new int[inputTensors.length][];
    this.inputDtypes = new DType[inputTensors.length];
    for (int i = 0; i < inputTensors.length; i++) {
      inputShapes[i] = inputTensors[i].shape();
      inputDtypes[i] = inputTensors[i].dtype();
    }
    this.saved = saved;
    this.savedVersions = new int[saved.length];
    for (int i = 0; i < saved.length; i++) {
      savedVersions[i] = saved[i].version();
    }
    this.rule = rule;
    this.creation =
        AnomalyMode.isEnabled() ? new Throwable("'" + name + "' was created here") : null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Node> inputs() {
    return Arrays.asList(inputs);
  }

  /** The shape of the tensor this op produced. */
  public int[] outputShape() {
    return outputShape.clone();
  }

  /** The tensor this op produced, or null once it is no longer referenced anywhere else. */
  public Tensor output() {
    return output.get();
  }

  /** The shape of input i as the op saw it. */
  public int[] inputShape(int i) {
    return inputShapes[i];
  }

  DType inputDtype(int i) {
    return inputDtypes[i];
  }

  /** The node of input i, or null when that input needs no gradient. */
  public Node input(int i) {
    return inputs[i];
  }

  /** The number of inputs. */
  public int inputCount() {
    return inputs.length;
  }

  /** Where the op was created, when anomaly mode was on at the time; else null. */
  Throwable creation() {
    return creation;
  }

  /** Whether backward has released this node's saved state. */
  public boolean isReleased() {
    return rule == null;
  }

  /** Whether the rule is user code (a custom function's backward). */
  boolean runsUserCode() {
    return rule instanceof UserBackward;
  }

  Tensor[] backward(Tensor gradOutput) {
    if (rule == null) {
      throw new IllegalStateException(
          "cannot backward through '"
              + name
              + "' a second time: its saved tensors were freed by the first backward."
              + " Pass retainGraph=true to the first backward if you need to run it again.");
    }
    for (int i = 0; i < saved.length; i++) {
      int now = saved[i].version();
      if (now != savedVersions[i]) {
        throw new IllegalStateException(
            "a tensor of shape "
                + Arrays.toString(saved[i].shape())
                + " saved by '"
                + name
                + "' for backward was modified in place (version "
                + savedVersions[i]
                + " -> "
                + now
                + ") before backward ran; clone it before changing it, or change it after"
                + " backward");
      }
    }
    Tensor[] grads = rule.apply(gradOutput);
    if (grads.length != inputs.length) {
      throw new IllegalStateException(
          "backward rule of '"
              + name
              + "' returned "
              + grads.length
              + " gradients for "
              + inputs.length
              + " inputs");
    }
    return grads;
  }

  void release() {
    rule = null;
    saved = new Tensor[0];
  }
}

package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow-style gradient recording, as in the lecture on {@code tf.GradientTape}. Opening a tape
 * turns recording on (even inside a no-grad scope); {@link #watch} makes a tensor that does not
 * require grad a source, for the life of the tape; {@link #gradient} differentiates a target with
 * respect to sources, during or after the recording scope.
 *
 * <pre>{@code
 * GradientTape tape = GradientTape.record();
 * try (tape) {
 *   tape.watch(image);
 *   loss = lossOf(model.forward(image), label);
 * }
 * Tensor g = tape.gradient(loss, image);   // FGSM: image + eps * sign(g)
 * }</pre>
 *
 * <p>A tape computes one set of gradients unless it is persistent. A source the target does not
 * depend on gets a zero gradient. Gradients never accumulate into {@link Tensor#grad()}.
 */
public final class GradientTape implements AutoCloseable {
  private final boolean persistent;
  private final GradMode.Scope recording;
  private final Map<Tensor, Node> watched = new IdentityHashMap<>();
  private final List<Tensor> madeWatchable = new ArrayList<>();
  private boolean recordingOpen = true;
  private boolean used;

  private GradientTape(boolean persistent) {
    this.persistent = persistent;
    this.recording = GradMode.enabled();
  }

  /** Opens a tape that can compute one set of gradients. */
  public static GradientTape record() {
    return new GradientTape(false);
  }

  /** Opens a tape; a persistent one can compute gradients any number of times. */
  public static GradientTape record(boolean persistent) {
    return new GradientTape(persistent);
  }

  /**
   * Makes {@code tensor} a source: operations on it are recorded from now on. Tensors that already
   * require grad need no watching. Returns the tensor.
   */
  public Tensor watch(Tensor tensor) {
    if (!recordingOpen) {
      throw new IllegalStateException("watch: this tape has stopped recording");
    }
    if (!tensor.requiresGrad()) {
      tensor.requiresGrad(true);
      madeWatchable.add(tensor);
    }
    watched.put(tensor, tensor.gradNode());
    return tensor;
  }

  /** d target / d source (target must have one element). */
  public Tensor gradient(Tensor target, Tensor source) {
    return gradients(target, source)[0];
  }

  /** d target / d source for each source (target must have one element). */
  public Tensor[] gradients(Tensor target, Tensor... sources) {
    if (target.numel() != 1) {
      throw new IllegalArgumentException(
          "gradient: the target has shape "
              + Arrays.toString(target.shape())
              + "; pass outputGradients for a non-scalar target");
    }
    return gradients(target, Tensor.onesLike(target), List.of(sources));
  }

  /** The vector-Jacobian product: d(sum(target * outputGradient)) / d source for each source. */
  public Tensor[] gradients(Tensor target, Tensor outputGradient, List<Tensor> sources) {
    List<Node> nodes = claim(sources);
    return vjp(target, outputGradient, sources, nodes, persistent);
  }

  /** The Jacobian of target with respect to source: shape target.shape ++ source.shape. */
  public Tensor jacobian(Tensor target, Tensor source) {
    List<Node> nodes = claim(List.of(source));
    int[][] shapes = {source.shape()};
    Tensor[] j =
        Jacobians.reverse(target, shapes, seed -> vjp(target, seed, List.of(source), nodes, true));
    releaseUnlessPersistent(target);
    return j[0];
  }

  /**
   * Per-example Jacobians (TensorFlow's {@code batch_jacobian}): target [B, m...] computed row-wise
   * from source [B, n...], result [B, m..., n...]. Example b's outputs must depend only on example
   * b's inputs.
   */
  public Tensor batchJacobian(Tensor target, Tensor source) {
    List<Node> nodes = claim(List.of(source));
    Tensor j =
        Jacobians.batch(
            target, source.shape(), seed -> vjp(target, seed, List.of(source), nodes, true)[0]);
    releaseUnlessPersistent(target);
    return j;
  }

  // Checks that the tape may compute gradients, marks it used, and finds each source's node.
  private List<Node> claim(List<Tensor> sources) {
    if (used && !persistent) {
      throw new IllegalStateException(
          "gradient: a non-persistent GradientTape computes one set of gradients;"
              + " open it with GradientTape.record(true) to call gradient again");
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Tensor source = sources.get(i);
      Node node = watched.containsKey(source) ? watched.get(source) : source.gradNode();
      if (node == null) {
        throw new IllegalArgumentException(
            "gradient: source "
                + i
                + " (shape "
                + Arrays.toString(source.shape())
                + ") was not watched by this tape and does not require grad");
      }
      nodes.add(node);
    }
    used = true;
    return nodes;
  }

  private static Tensor[] vjp(
      Tensor target, Tensor seed, List<Tensor> sources, List<Node> nodes, boolean retain) {
    if (target.gradNode() == null) {
      // The target does not depend on anything recorded: every gradient is zero.
      Tensor[] zeros = new Tensor[sources.size()];
      for (int i = 0; i < zeros.length; i++) {
        zeros[i] = Tensor.zerosLike(sources.get(i));
      }
      return zeros;
    }
    return Autograd.gradAt(List.of(target), List.of(seed), sources, nodes, retain, false);
  }

  // Jacobians run many backward passes with the graph retained; free it afterwards unless the
  // tape is persistent, as a single gradient call would.
  private void releaseUnlessPersistent(Tensor target) {
    if (!persistent && target.gradNode() != null) {
      Engine.release(target.gradNode());
    }
  }

  /** Stops recording: restores the grad mode and un-watches tensors this tape made sources. */
  @Override
  public void close() {
    if (recordingOpen) {
      recordingOpen = false;
      recording.close();
      for (Tensor t : madeWatchable) {
        t.requiresGrad(false);
      }
    }
  }
}

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
    if (target.gradNode() == null) {
      // The target does not depend on anything recorded: every gradient is zero.
      Tensor[] zeros = new Tensor[sources.size()];
      for (int i = 0; i < zeros.length; i++) {
        zeros[i] = Tensor.zerosLike(sources.get(i));
      }
      return zeros;
    }
    return Autograd.gradAt(
        List.of(target), List.of(outputGradient), sources, nodes, persistent, false);
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

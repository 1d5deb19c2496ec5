package dev.grad4j.explain;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shapes behind backprop through a {@link Sequential} network, layer by layer, as in the
 * lecture (seed 004): the parameters W[l], the activations a[l] = f_l(a[l−1]), and the Jacobians
 * ∂a[l]/∂a[l−1] and ∂a[l]/∂W[l], per example and for a whole batch.
 *
 * <p>A Jacobian's shape is the output's shape followed by the input's: for Linear(784, 512),
 * ∂a/∂a_prev is [512, 784] per example and ∂a/∂W is [512, 512, 784]. For a batch of N the Jacobians
 * gain both batch dims ([N, 512, N, 784]) although only the N diagonal blocks are non-zero:
 * examples do not influence each other. Backprop never builds either: it multiplies the incoming
 * gradient by the Jacobian's transpose implicitly (a vector-Jacobian product, e.g. dW = gᵀ·a_prev
 * for a linear layer), at the cost of the forward op.
 */
public final class JacobianShapes {
  private JacobianShapes() {}

  /**
   * One layer: its index and description, its parameters' shapes (by local name), the shapes of its
   * input and output activations (batch dim included), and the name of the parameter the ∂a/∂W
   * column refers to (the "weight" when it has one, else null).
   */
  public record Layer(
      int index,
      String module,
      Map<String, int[]> parameters,
      int[] input,
      int[] output,
      String weightName) {

    /** ∂a[l]/∂a[l−1] for one example: output shape then input shape, batch dims dropped. */
    public int[] jacobianInput() {
      return concat(drop(output), drop(input));
    }

    /** ∂a[l]/∂a[l−1] for the batch: [N, out..., N, in...]. */
    public int[] jacobianInputBatch() {
      return concat(output, input);
    }

    /** ∂a[l]/∂W[l] for one example, or null for a layer without a weight. */
    public int[] jacobianWeight() {
      return weightName == null ? null : concat(drop(output), parameters.get(weightName));
    }

    /** ∂a[l]/∂W[l] for the batch ([N, out..., W...]), or null for a layer without a weight. */
    public int[] jacobianWeightBatch() {
      return weightName == null ? null : concat(output, parameters.get(weightName));
    }
  }

  /**
   * Runs {@code input} (a batch, e.g. [64, 1, 28, 28]) through the network without recording and
   * lists each layer's shapes.
   */
  public static List<Layer> of(Sequential net, Tensor input) {
    List<Layer> layers = new ArrayList<>();
    Tensor a = input;
    try (var g = GradMode.disabled()) {
      for (int i = 0; i < net.size(); i++) {
        Module m = net.get(i);
        Tensor next = m.forward(a);
        Map<String, int[]> params = new LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> params.put(k, v.shape()));
        String weight = params.containsKey("weight") ? "weight" : null;
        if (weight == null && !params.isEmpty()) {
          weight = params.keySet().iterator().next();
        }
        layers.add(new Layer(i, describe(m), params, a.shape(), next.shape(), weight));
        a = next;
      }
    }
    return layers;
  }

  /** The number of elements of a shape, as a long (Jacobians overflow int). */
  public static long elements(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  private static String describe(Module m) {
    String s = m.toString().strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static int[] drop(int[] shape) {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package dev.grad4j.autograd;

import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Assembles Jacobians from vector-Jacobian products, for {@link GradientTape} and {@code
 * dev.grad4j.func.Autodiff}: the caller supplies "seed to gradients" over an already recorded
 * graph.
 */
public final class Jacobians {
  private Jacobians() {}

  /**
   * Reverse mode: row k of each Jacobian is the vjp with the k-th basis vector of y's shape.
   * Results have shape y.shape ++ inputShapes[i].
   */
  public static Tensor[] reverse(Tensor y, int[][] inputShapes, Function<Tensor, Tensor[]> vjp) {
    int m = y.numel();
    List<List<Tensor>> rows = new ArrayList<>();
    for (int i = 0; i < inputShapes.length; i++) {
      rows.add(new ArrayList<>());
    }
    for (int k = 0; k < m; k++) {
      Tensor[] g = vjp.apply(basis(y, k));
      for (int i = 0; i < inputShapes.length; i++) {
        rows.get(i).add(g[i].reshape(-1));
      }
    }
    Tensor[] out = new Tensor[inputShapes.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = stackRows(rows.get(i), y, inputShapes[i]).reshape(concat(y.shape(), inputShapes[i]));
    }
    return out;
  }

  /**
   * Per-example Jacobians of a batch output y [B, m...] with respect to x [B, n...]: result [B,
   * m..., n...]. Valid when example b's outputs depend only on example b's inputs; then the vjp of
   * the k-th output of every example at once yields all B blocks for that k.
   */
  public static Tensor batch(Tensor y, int[] inputShape, UnaryOperator<Tensor> vjp) {
    int batch = inputShape[0];
    if (y.dim() == 0 || y.size(0) != batch) {
      throw new IllegalArgumentException(
          "batchJacobian: output shape "
              + Arrays.toString(y.shape())
              + " does not keep the batch dim of input shape "
              + Arrays.toString(inputShape));
    }
    int m = batch == 0 ? 0 : y.numel() / batch;
    int n = batch == 0 ? 0 : Arrays.stream(inputShape).skip(1).reduce(1, (a, b) -> a * b);
    List<Tensor> rows = new ArrayList<>();
    for (int k = 0; k < m; k++) {
      Tensor seed = Tensor.zerosLike(y);
      try (var g = GradMode.disabled()) {
        seed.reshape(batch, m).narrow(1, k, 1).fill(1);
      }
      rows.add(vjp.apply(seed).reshape(batch, 1, n));
    }
    Tensor j =
        m == 0 ? Tensor.zeros(y.dtype(), batch, 0, n) : Tensor.cat(1, rows.toArray(new Tensor[0]));
    return j.reshape(concat(y.shape(), Arrays.copyOfRange(inputShape, 1, inputShape.length)));
  }

  /** A tensor shaped like {@code like} with a 1 at flat position k and 0 elsewhere. */
  public static Tensor basis(Tensor like, int k) {
    Tensor e = Tensor.zerosLike(like);
    try (var g = GradMode.disabled()) {
      e.reshape(-1).narrow(0, k, 1).fill(1);
    }
    return e;
  }

  private static Tensor stackRows(List<Tensor> rows, Tensor y, int[] inputShape) {
    if (rows.isEmpty()) {
      return Tensor.zeros(y.dtype(), 0, Arrays.stream(inputShape).reduce(1, (a, b) -> a * b));
    }
    return Tensor.stack(0, rows.toArray(new Tensor[0]));
  }

  /** a ++ b. */
  public static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

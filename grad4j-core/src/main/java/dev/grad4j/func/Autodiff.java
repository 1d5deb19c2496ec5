package dev.grad4j.func;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.Autograd;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.autograd.Jacobians;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Function transforms in the style of JAX and {@code torch.func}: {@link #grad}, {@link #vjp},
 * {@link #jvp}, {@link #jacobian}, {@link #hessian} and {@link #batchJacobian}, all built on the
 * reverse-mode engine.
 *
 * <p>Every transform composes: when its input is itself being differentiated (it requires grad),
 * the result keeps its graph, so {@code grad(grad(f))} gives second derivatives and so on.
 *
 * <p>Forward mode ({@link #jvp}) uses the double-vjp identity: for {@code g(u) = J^T u}, which is
 * linear in u, the vjp of g with v is {@code J v}. It costs one forward pass and two backward
 * passes and never builds the Jacobian.
 *
 * <p>A function that does not depend on its input has zero derivatives (not an error), as with
 * PyTorch's {@code materialize_grads=True}.
 */
public final class Autodiff {
  private Autodiff() {}

  /** How {@link #jacobian(UnaryOperator, Tensor, Mode)} builds the matrix. */
  public enum Mode {
    /** One vjp per output element: cheap when there are fewer outputs than inputs. */
    REVERSE,
    /** One jvp per input element: cheap when there are fewer inputs than outputs. */
    FORWARD,
    /** Reverse when outputs &lt;= inputs, else forward. */
    AUTO
  }

  /** A function's value and its gradient. */
  public record ValueAndGrad(Tensor value, Tensor grad) {}

  /** A function's value and a Jacobian-vector product J v. */
  public record Jvp(Tensor value, Tensor tangent) {}

  /** A function's value and a vector-Jacobian product v^T J. */
  public record Vjp(Tensor value, Tensor cotangent) {}

  // The input as a leaf that records, and whether the caller is differentiating through us.
  private record Traced(Tensor x, boolean nested) {
    static Traced of(Tensor x) {
      return x.requiresGrad() && GradMode.isEnabled()
          ? new Traced(x, true)
          : new Traced(x.detach().requiresGrad(true), false);
    }

    Tensor result(Tensor t) {
      return nested ? t : t.detach();
    }
  }

  /** The gradient function of a scalar-valued f: {@code x -> df/dx}. */
  public static UnaryOperator<Tensor> grad(UnaryOperator<Tensor> f) {
    return x -> valueAndGrad(f, x).grad();
  }

  /** f(x) and df/dx for a scalar-valued f. */
  public static ValueAndGrad valueAndGrad(UnaryOperator<Tensor> f, Tensor x) {
    try (var mode = GradMode.enabled()) {
      Traced t = Traced.of(x);
      Tensor y = f.apply(t.x());
      if (y.numel() != 1) {
        throw new IllegalArgumentException(
            "grad: f must return a single element, but returned shape "
                + Arrays.toString(y.shape())
                + "; use jacobian, vjp or jvp for vector-valued functions");
      }
      Tensor g = gradient(y, Tensor.onesLike(y), t.x(), t.nested());
      return new ValueAndGrad(t.result(y), t.result(g));
    }
  }

  /** f(x) and v^T J at the cost of one forward and one backward pass. */
  public static Vjp vjp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
    try (var mode = GradMode.enabled()) {
      Traced t = Traced.of(x);
      Tensor y = f.apply(t.x());
      checkShape("vjp", "cotangent", v, "output", y);
      Tensor g = gradient(y, v.to(y.dtype()), t.x(), t.nested());
      return new Vjp(t.result(y), t.result(g));
    }
  }

  /** f(x) and J v, without building J (one forward and two backward passes). */
  public static Jvp jvp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
    checkShape("jvp", "tangent", v, "input", x);
    try (var mode = GradMode.enabled()) {
      Traced t = Traced.of(x);
      Tensor y = f.apply(t.x());
      Tensor u = Tensor.zerosLike(y).requiresGrad(true);
      // g(u) = J^T u, recorded so that it can be differentiated with respect to u.
      Tensor g = gradients(y, u, new Tensor[] {t.x()}, true)[0];
      Tensor jv =
          g.requiresGrad()
              ? Autograd.grad(List.of(g), List.of(v.to(g.dtype())), List.of(u), false, t.nested())[
                  0]
              : Tensor.zerosLike(y);
      return new Jvp(t.result(y), t.result(jv));
    }
  }

  /** The Jacobian of f at x, shape = f(x).shape ++ x.shape; the mode is picked by size. */
  public static Tensor jacobian(UnaryOperator<Tensor> f, Tensor x) {
    return jacobian(f, x, Mode.AUTO);
  }

  /** The Jacobian of f at x, shape = f(x).shape ++ x.shape. */
  public static Tensor jacobian(UnaryOperator<Tensor> f, Tensor x, Mode mode) {
    return jacobians(in -> f.apply(in[0]), mode, x)[0];
  }

  /** One Jacobian per input of a function of several inputs (mode picked by size). */
  public static Tensor[] jacobians(Function<Tensor[], Tensor> f, Tensor... xs) {
    return jacobians(f, Mode.AUTO, xs);
  }

  /** One Jacobian per input, each of shape f(xs).shape ++ xs[i].shape. */
  public static Tensor[] jacobians(Function<Tensor[], Tensor> f, Mode mode, Tensor... xs) {
    try (var scope = GradMode.enabled()) {
      Traced[] traced = new Traced[xs.length];
      Tensor[] leaves = new Tensor[xs.length];
      boolean nested = false;
      int inputs = 0;
      for (int i = 0; i < xs.length; i++) {
        traced[i] = Traced.of(xs[i]);
        leaves[i] = traced[i].x();
        nested |= traced[i].nested();
        inputs += xs[i].numel();
      }
      Tensor y = f.apply(leaves);
      Mode chosen = mode != Mode.AUTO ? mode : y.numel() <= inputs ? Mode.REVERSE : Mode.FORWARD;
      Tensor[] result =
          chosen == Mode.REVERSE
              ? reverseJacobians(y, leaves, nested)
              : forwardJacobians(y, leaves, nested);
      for (int i = 0; i < result.length; i++) {
        result[i] = traced[i].result(result[i]);
      }
      return result;
    }
  }

  // One graph serves every row: each row is a vjp with a basis vector.
  private static Tensor[] reverseJacobians(Tensor y, Tensor[] xs, boolean nested) {
    int[][] shapes = new int[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      shapes[i] = xs[i].shape();
    }
    return Jacobians.reverse(y, shapes, seed -> gradients(y, seed, xs, nested));
  }

  // Column j is the jvp with the j-th basis vector. g(u) = J^T u is recorded once and
  // differentiated with respect to u once per column.
  private static Tensor[] forwardJacobians(Tensor y, Tensor[] xs, boolean nested) {
    Tensor u = Tensor.zerosLike(y).requiresGrad(true);
    Tensor[] g = gradients(y, u, xs, true);
    Tensor[] out = new Tensor[xs.length];
    for (int i = 0; i < xs.length; i++) {
      int n = xs[i].numel();
      Tensor gi = g[i];
      // J^T is the reverse Jacobian of g(u) = J^T u with respect to u; transpose it back.
      Tensor jt =
          Jacobians.reverse(
              gi,
              new int[][] {y.shape()},
              seed ->
                  new Tensor[] {
                    gi.requiresGrad()
                        ? Autograd.grad(List.of(gi), List.of(seed), List.of(u), true, nested)[0]
                        : Tensor.zerosLike(y)
                  })[0];
      out[i] = jt.reshape(n, y.numel()).t().reshape(Jacobians.concat(y.shape(), xs[i].shape()));
    }
    return out;
  }

  /** The Hessian of a scalar-valued f at x (reverse over reverse), shape x.shape ++ x.shape. */
  public static Tensor hessian(UnaryOperator<Tensor> f, Tensor x) {
    return jacobian(grad(f), x, Mode.REVERSE);
  }

  /**
   * The per-example Jacobians of f applied row-wise to a batch (TensorFlow's {@code
   * batch_jacobian}): x [B, n...], f(x) [B, m...], result [B, m..., n...]. Example b's outputs must
   * depend only on example b's inputs; then one vjp per output element of one example gives all B
   * blocks at once, instead of B times as many.
   */
  public static Tensor batchJacobian(UnaryOperator<Tensor> f, Tensor x) {
    if (x.dim() == 0) {
      throw new IllegalArgumentException("batchJacobian: input needs a batch dim, got a scalar");
    }
    try (var scope = GradMode.enabled()) {
      Traced t = Traced.of(x);
      Tensor y = f.apply(t.x());
      Tensor j = Jacobians.batch(y, x.shape(), seed -> gradient(y, seed, t.x(), t.nested()));
      return t.result(j);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Tensor gradient(Tensor y, Tensor seed, Tensor x, boolean nested) {
    return gradients(y, seed, new Tensor[] {x}, nested)[0];
  }

  private static Tensor[] gradients(Tensor y, Tensor seed, Tensor[] xs, boolean nested) {
    if (!y.requiresGrad()) {
      Tensor[] zeros = new Tensor[xs.length];
      for (int i = 0; i < xs.length; i++) {
        zeros[i] = Tensor.zerosLike(xs[i]);
      }
      return zeros;
    }
    return Autograd.grad(List.of(y), List.of(seed), List.of(xs), true, nested);
  }

  private static void checkShape(String op, String what, Tensor v, String against, Tensor t) {
    if (!Arrays.equals(v.shape(), t.shape())) {
      throw new IllegalArgumentException(
          op
              + ": "
              + what
              + " shape "
              + Arrays.toString(v.shape())
              + " does not match "
              + against
              + " shape "
              + Arrays.toString(t.shape()));
    }
  }
}

package dev.grad4j.func;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.Autograd;
import dev.grad4j.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks analytic gradients against central finite differences in float64, element by element, and
 * reports the worst disagreement. A tool for testing ops and user-written custom functions.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(in -> in[0].tanh().mul(in[1]), x, y);
 * if (!r.passed()) System.out.println(r);
 * }</pre>
 *
 * <p>Inputs are copied to float64 leaves that require grad; the function may return any shape. The
 * full Jacobian is compared, so keep inputs small (tens of elements).
 */
public final class GradCheck {
  /** Finite-difference step. */
  public static final double DEFAULT_EPS = 1e-6;

  /** Absolute tolerance. */
  public static final double DEFAULT_ATOL = 1e-5;

  /** Relative tolerance. */
  public static final double DEFAULT_RTOL = 1e-3;

  private GradCheck() {}

  /**
   * The worst element of a check: which input and element, the analytic and numeric derivative, and
   * whether every element was within tolerance.
   */
  public record Result(
      boolean passed,
      int input,
      int element,
      int outputElement,
      double analytic,
      double numeric,
      double absError,
      double relError,
      int checked) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%s: worst at input %d, element %d, output element %d: analytic %.10g, numeric %.10g,"
              + " abs error %.3g, rel error %.3g (%d derivatives checked)",
          passed ? "gradcheck passed" : "gradcheck FAILED",
          input,
          element,
          outputElement,
          analytic,
          numeric,
          absError,
          relError,
          checked);
    }
  }

  /** Checks first derivatives with the default step and tolerances. */
  public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return check(f, DEFAULT_EPS, DEFAULT_ATOL, DEFAULT_RTOL, inputs);
  }

  /** Throws an {@link AssertionError} with the report when the check fails. */
  public static void assertPasses(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Result r = check(f, inputs);
    if (!r.passed()) {
      throw new AssertionError(r.toString());
    }
  }

  /** Checks first derivatives. */
  public static Result check(
      Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
    Tensor[] x = leaves(inputs);
    Tensor y = f.apply(x);
    int outputs = y.numel();
    // analytic[i][j][k]: d output[k] / d input i element j, one backward per output element.
    double[][][] analytic = new double[x.length][][];
    for (int i = 0; i < x.length; i++) {
      analytic[i] = new double[x[i].numel()][outputs];
    }
    for (int k = 0; k < outputs; k++) {
      double[] basis = new double[outputs];
      basis[k] = 1;
      Tensor seed = Tensor.of(basis, y.shape()).to(y.dtype());
      if (!y.requiresGrad()) {
        break; // constant output: every analytic derivative is 0
      }
      Tensor[] grads = Autograd.grad(List.of(y), List.of(seed), List.of(x), true, false);
      for (int i = 0; i < x.length; i++) {
        double[] g = grads[i].toDoubleArray();
        for (int j = 0; j < g.length; j++) {
          analytic[i][j][k] = g[j];
        }
      }
    }
    Worst worst = new Worst();
    for (int i = 0; i < x.length; i++) {
      double[] base = x[i].toDoubleArray();
      for (int j = 0; j < base.length; j++) {
        double[] plus = evaluate(f, x, i, base, j, base[j] + eps);
        double[] minus = evaluate(f, x, i, base, j, base[j] - eps);
        for (int k = 0; k < outputs; k++) {
          double numeric = (plus[k] - minus[k]) / (2 * eps);
          worst.offer(i, j, k, analytic[i][j][k], numeric, atol, rtol);
        }
      }
    }
    return worst.result();
  }

  /**
   * Checks second derivatives: the gradient of {@code sum(f(x) * v)} for a fixed random v, built
   * with {@code createGraph}, must itself pass {@link #check}.
   */
  public static Result checkSecondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Tensor[] x = leaves(inputs);
    Tensor probe;
    try (var g = GradMode.disabled()) {
      probe = f.apply(x);
    }
    Tensor v = Tensor.normal(new Generator(17), 0, 1, DType.FLOAT64, probe.shape());
    Function<Tensor[], Tensor> gradient =
        in -> {
          // Finite differences call this under no-grad with plain tensors: the inner gradient
          // still needs a graph, so record here and make the inputs leaves if they are not.
          try (var g = GradMode.enabled()) {
            Tensor[] xs = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
              xs[i] = in[i].requiresGrad() ? in[i] : in[i].detach().requiresGrad(true);
            }
            Tensor y = f.apply(xs);
            Tensor[] grads = Autograd.grad(List.of(y), List.of(v), List.of(xs), true, true);
            List<Tensor> flat = new ArrayList<>();
            for (Tensor grad : grads) {
              flat.add(grad.reshape(-1));
            }
            return Tensor.cat(0, flat.toArray(new Tensor[0]));
          }
        };
    return check(gradient, DEFAULT_EPS, DEFAULT_ATOL, DEFAULT_RTOL, x);
  }

  /** Throws an {@link AssertionError} with the report when the second-order check fails. */
  public static void assertSecondOrderPasses(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Result r = checkSecondOrder(f, inputs);
    if (!r.passed()) {
      throw new AssertionError("second order: " + r);
    }
  }

  private static Tensor[] leaves(Tensor[] inputs) {
    Tensor[] x = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      x[i] = Tensor.of(inputs[i].toDoubleArray(), inputs[i].shape()).requiresGrad(true);
    }
    return x;
  }

  private static double[] evaluate(
      Function<Tensor[], Tensor> f, Tensor[] x, int which, double[] base, int j, double value) {
    Tensor[] shifted = x.clone();
    double[] data = base.clone();
    data[j] = value;
    shifted[which] = Tensor.of(data, x[which].shape());
    try (var g = GradMode.disabled()) {
      return f.apply(shifted).toDoubleArray();
    }
  }

  private static final class Worst {
    private Result result = new Result(true, -1, -1, -1, 0, 0, 0, 0, 0);
    private double worstExcess = Double.NEGATIVE_INFINITY;
    private boolean passed = true;
    private int checked;

    void offer(int i, int j, int k, double analytic, double numeric, double atol, double rtol) {
      checked++;
      double abs = Math.abs(analytic - numeric);
      double rel = abs / Math.max(Math.abs(numeric), 1e-300);
      double allowed = atol + rtol * Math.abs(numeric);
      boolean ok = abs <= allowed;
      if (Double.isNaN(analytic) != Double.isNaN(numeric)) {
        ok = false;
      }
      passed &= ok;
      double excess = Double.isNaN(abs) ? Double.POSITIVE_INFINITY : abs - allowed;
      if (excess > worstExcess) {
        worstExcess = excess;
        result = new Result(ok, i, j, k, analytic, numeric, abs, rel, 0);
      }
    }

    Result result() {
      return new Result(
          passed,
          result.input(),
          result.element(),
          result.outputElement(),
          result.analytic(),
          result.numeric(),
          result.absError(),
          result.relError(),
          checked);
    }
  }
}

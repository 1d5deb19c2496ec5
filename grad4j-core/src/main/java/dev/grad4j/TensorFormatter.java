package dev.grad4j;

import java.util.Locale;

/** Renders tensors for {@link Tensor#toString()}: header line, then nested rows of values. */
final class TensorFormatter {
  private static final int SUMMARIZE_ABOVE = 1000;
  private static final int EDGE = 3;

  private TensorFormatter() {}

  static String format(Tensor t) {
    StringBuilder sb = new StringBuilder("tensor(");
    double[] values = t.detach().toDoubleArray();
    boolean summarize = values.length > SUMMARIZE_ABOVE;
    appendValues(sb, values, t.shapeRef(), 0, 0, summarize, 7);
    sb.append(", shape=").append(Shapes.format(t.shapeRef()));
    sb.append(", dtype=").append(t.dtype());
    if (t.gradFn() != null) {
      sb.append(", gradFn=").append(t.gradFn().name());
    } else if (t.requiresGrad()) {
      sb.append(", requiresGrad=true");
    }
    return sb.append(')').toString();
  }

  private static void appendValues(
      StringBuilder sb, double[] v, int[] shape, int dim, int base, boolean summarize, int indent) {
    if (shape.length == 0) {
      sb.append(number(v[0]));
      return;
    }
    int n = shape[dim];
    int stride = 1;
    for (int d = dim + 1; d < shape.length; d++) {
      stride *= shape[d];
    }
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (summarize && n > 2 * EDGE && i == EDGE) {
        sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
        i = n - EDGE;
      }
      if (dim == shape.length - 1) {
        sb.append(number(v[base + i]));
      } else {
        appendValues(sb, v, shape, dim + 1, base + i * stride, summarize, indent);
      }
      if (i < n - 1) {
        sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
      }
    }
    sb.append(']');
  }

  private static String number(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e9) {
      return String.format(Locale.ROOT, "%.0f.", x);
    }
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return Double.toString(x);
    }
    double a = Math.abs(x);
    return a >= 1e-4 && a < 1e6
        ? String.format(Locale.ROOT, "%.4f", x)
        : String.format(Locale.ROOT, "%.4e", x);
  }
}

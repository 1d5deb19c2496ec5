package dev.grad4j.cli;

import dev.grad4j.Tensor;
import dev.grad4j.explain.JacobianShapes;
import dev.grad4j.explain.JacobianShapes.Layer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code grad4j explain --jacobians}: the shapes backprop works with, layer by layer. */
final class JacobianReport {
  private JacobianReport() {}

  /** The report for a network fed [batch, 1, 28, 28] images. */
  static String render(ModelSource source, int batch) {
    List<Layer> layers = JacobianShapes.of(source.net(), Tensor.zeros(batch, 1, 28, 28));
    var text = new StringBuilder();
    text.append("Shapes behind backprop through ")
        .append(source.name())
        .append(", batch N = ")
        .append(batch)
        .append(" (a[0] is the input; a[l] = f_l(a[l−1]); layer l is module l−1, so layer 2's")
        .append(" weight is 1.weight)\n\n");

    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"l", "layer", "parameters", "a[l−1] → a[l]"});
    for (Layer l : layers) {
      var params = new StringBuilder();
      for (Map.Entry<String, int[]> p : l.parameters().entrySet()) {
        params.append(params.isEmpty() ? "" : ", ").append(l.index()).append('.');
        params.append(p.getKey()).append(' ');
        params.append(shape(p.getValue()));
      }
      rows.add(
          new String[] {
            Integer.toString(l.index() + 1),
            l.module(),
            params.isEmpty() ? "-" : params.toString(),
            shape(l.input()) + " → " + shape(l.output())
          });
    }
    text.append(table(rows));

    text.append("\nJacobians (output dims first, then input dims). Per example: one input;")
        .append(" per batch: all N at once.\n\n");
    rows = new ArrayList<>();
    rows.add(
        new String[] {
          "l",
          "∂a[l]/∂a[l−1] example",
          "∂a[l]/∂a[l−1] batch",
          "∂a[l]/∂W[l] example",
          "∂a[l]/∂W[l] batch",
          "batch ∂a/∂W in float32"
        });
    Layer biggest = null;
    for (Layer l : layers) {
      boolean w = l.jacobianWeight() != null;
      rows.add(
          new String[] {
            Integer.toString(l.index() + 1),
            shape(l.jacobianInput()),
            shape(l.jacobianInputBatch()),
            w ? shape(l.jacobianWeight()) : "-",
            w ? shape(l.jacobianWeightBatch()) : "-",
            w ? bytes(4 * JacobianShapes.elements(l.jacobianWeightBatch())) : "-"
          });
      if (w
          && (biggest == null
              || JacobianShapes.elements(l.jacobianWeightBatch())
                  > JacobianShapes.elements(biggest.jacobianWeightBatch()))) {
        biggest = l;
      }
    }
    text.append(table(rows));

    text.append("\nWhy backprop never builds these matrices:\n");
    if (biggest != null) {
      text.append("  ∂a[l]/∂W[l] is huge: for layer ")
          .append(biggest.index() + 1)
          .append(" it has ")
          .append(String.format(Locale.ROOT, "%,d", elements(biggest.jacobianWeightBatch())))
          .append(" entries (")
          .append(bytes(4 * JacobianShapes.elements(biggest.jacobianWeightBatch())))
          .append(") for ")
          .append(String.format(Locale.ROOT, "%,d", elements(biggest.parameters().get("weight"))))
          .append(" weights.\n");
    }
    text.append("  It is also block-sparse: example n's activations depend only on example n's")
        .append(" input (off-diagonal batch blocks are 0),\n")
        .append("  and in a linear layer output unit i depends only on row i of W, so")
        .append(" ∂a[i]/∂W[j, k] = 0 unless i = j.\n")
        .append("  Backprop needs only the vector-Jacobian product g·J with the gradient g =")
        .append(" ∂L/∂a[l] arriving from above:\n")
        .append("  for a linear layer ∂L/∂W = gᵀ·a[l−1] ([out, N]·[N, in]) and ∂L/∂a[l−1] =")
        .append(" g·W, each as cheap as the forward matmul;\n")
        .append("  for ReLU ∂L/∂a[l−1] = g ⊙ 1[a[l−1] > 0], a mask, not a diagonal matrix.\n");
    return text.toString();
  }

  private static long elements(int[] shape) {
    return JacobianShapes.elements(shape);
  }

  static String shape(int[] s) {
    return Arrays.toString(s);
  }

  static String bytes(long n) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    double v = n;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String table(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] row : rows) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    var sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      var line = new StringBuilder("  ");
      for (int c = 0; c < cols; c++) {
        String cell = rows.get(r)[c];
        line.append(cell).append(" ".repeat(width[c] - cell.length() + 2));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (r == 0) {
        var rule = new StringBuilder("  ");
        for (int c = 0; c < cols; c++) {
          rule.append("-".repeat(width[c])).append("  ");
        }
        sb.append(rule.toString().stripTrailing()).append('\n');
      }
    }
    return sb.toString();
  }
}

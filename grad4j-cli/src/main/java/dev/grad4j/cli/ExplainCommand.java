package dev.grad4j.cli;

import dev.grad4j.Tensor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code grad4j explain}: backpropagation on the lecture's worked example, node by node. */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Backpropagation, node by node, on the lecture's worked example.",
      "",
      "Runs the example with the grad4j engine in float64:",
      "  x1 = W0*x0, x2 = tanh(x1), x3 = W1*x2, L = 1/2 (x3 - y)^2",
      "  W0 = [[1, -3], [0.2, 1]], W1 = [[1, -1]], x0 = [1, 0.1]^T, y = 0.5",
      "and prints each node's forward value, local derivative and gradient dL/dnode,"
          + " what backprop did at each step, the weight gradients, and one"
          + " gradient-descent step with learning rate 0.2.",
      ""
    })
final class ExplainCommand implements Callable<Integer> {
  /** Symbols used in the output and their plain-ASCII stand-ins. */
  private static final String[][] ASCII = {
    {"·", "*"},
    {"−", "-"},
    {"²", "^2"},
    {"½", "1/2"},
    {"ᵀ", "^T"},
    {"∂", "d"},
    {"⊙", "(*)"},
    {"←", "<-"},
    {"→", "->"},
    {"—", "-"},
    {"×", "x"}
  };

  @Spec CommandSpec spec;

  @ParentCommand Grad4j parent;

  @Option(
      names = "--ascii",
      description =
          "Plain ASCII instead of math symbols (automatic when the terminal cannot show them).")
  boolean ascii;

  @Option(
      names = "--digits",
      paramLabel = "N",
      defaultValue = "4",
      description = "Decimal places to show, 1 to 12 (default: ${DEFAULT-VALUE}).")
  int digits;

  @Option(
      names = "--jacobians",
      description =
          "Instead: per layer of --model, the shapes of parameters, activations and the"
              + " Jacobians da[l]/da[l-1] and da[l]/dW[l], and why backprop never builds them.")
  boolean jacobians;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      defaultValue = "mlp",
      description =
          "For --jacobians: mlp, cnn, or a model file saved by 'grad4j train';"
              + " default: ${DEFAULT-VALUE}.")
  String model;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "For --jacobians: the batch size N; default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--optimizers",
      description =
          "Instead: draw SGD, momentum, Nesterov and Adam on an ill-conditioned 2-D quadratic"
              + " as a PNG (--out).")
  boolean optimizers;

  @Option(
      names = "--out",
      paramLabel = "FILE.png",
      defaultValue = "optimizers.png",
      description = "For --optimizers: the PNG to write; default: ${DEFAULT-VALUE}.")
  java.nio.file.Path out;

  @Override
  public Integer call() throws java.io.IOException {
    if (jacobians || optimizers) {
      return callVisual();
    }
    if (digits < 1 || digits > 12) {
      throw new ParameterException(
          spec.commandLine(), "--digits must be between 1 and 12, got " + digits);
    }
    boolean plain = ascii || !canShowSymbols();
    PrintWriter out = spec.commandLine().getOut();
    out.print(render(WorkedExample.run(), plain, digits));
    out.flush();
    return 0;
  }

  private int callVisual() throws java.io.IOException {
    if (jacobians && optimizers) {
      throw new ParameterException(spec.commandLine(), "choose one of --jacobians, --optimizers");
    }
    if (batchSize < 1) {
      throw new ParameterException(
          spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
    }
    String text;
    if (jacobians) {
      ModelSource source;
      try {
        source = ModelSource.load(model);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      text = JacobianReport.render(source, batchSize);
    } else {
      text = OptimizerPlot.render(out);
    }
    PrintWriter w = spec.commandLine().getOut();
    w.print(ascii || !canShowSymbols() ? toAscii(text) : text);
    w.flush();
    return 0;
  }

  private boolean canShowSymbols() {
    StringBuilder all = new StringBuilder();
    for (String[] pair : ASCII) {
      all.append(pair[0]);
    }
    return parent == null || parent.outputCharset().newEncoder().canEncode(all);
  }

  /** The whole explanation as text, with {@code digits} decimal places. */
  static String render(WorkedExample.Result r, boolean ascii, int digits) {
    var f = new Fmt(digits);
    var text = new StringBuilder();
    List<WorkedExample.Node> nodes = r.nodes();
    WorkedExample.Node input = r.node("x0");

    text.append("Backpropagation, step by step: the lecture's worked example, computed by grad4j")
        .append(" (float64)\n\n");
    text.append("  network:  x1 = W0·x0,  x2 = tanh(x1),  x3 = W1·x2,  loss L = ½(x3 − y)²\n");
    text.append("  given:    x0 = ")
        .append(f.tensor(input.value()))
        .append(",  y = ")
        .append(f.number(WorkedExample.Y))
        .append(",  W0 = ")
        .append(f.tensor(r.w0()))
        .append(",  W1 = ")
        .append(f.tensor(r.w1()))
        .append("\n\n");

    text.append("Forward pass, top to bottom: each node is computed from the one before it.\n");
    text.append("Backward pass, bottom to top, by the chain rule:\n");
    text.append("  dL/dnode = (local derivative of the next node) × (dL/d next node)\n\n");

    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"node", "forward value", "local derivative", "dL/dnode (gradient)"});
    for (WorkedExample.Node n : nodes) {
      rows.add(
          new String[] {
            n.label(),
            f.tensor(n.value()),
            n.local() == null ? "(input)" : n.localFormula() + " = " + f.tensor(n.local()),
            n.grad() == null ? "(not needed)" : f.tensor(n.grad())
          });
    }
    text.append(table(rows, ascii));
    text.append("\n  local derivative: how the node changes when the node before it changes.\n");
    text.append("  dL/dnode: how the loss changes when the node changes (from loss.backward()).\n");

    text.append("\nBackward pass: loss.backward() walks the graph from L back to the input.\n");
    int width = 0;
    for (WorkedExample.Node n : nodes) {
      width = Math.max(width, n.name().length());
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      WorkedExample.Node n = nodes.get(i);
      String at = "  at " + pad(n.name() + ":", width + 1) + "  ";
      if (n.grad() == null) {
        text.append(at).append(n.backpropNote()).append('\n');
        continue;
      }
      text.append(at)
          .append(pad("dL/d" + n.name(), width + 4))
          .append(" = ")
          .append(n.backpropFormula());
      String value = f.tensor(n.grad());
      if (!value.equals(n.backpropFormula())) {
        text.append(" = ").append(value);
      }
      text.append('\n').append(" ".repeat(at.length())).append(n.backpropNote()).append('\n');
    }

    text.append("\nWeight gradients: (gradient at the layer's output) · (the layer's input)ᵀ.\n");
    text.append("  dL/dW1 = dL/dx3·x2ᵀ = ").append(f.tensor(r.gradW1())).append('\n');
    text.append("  dL/dW0 = dL/dx1·x0ᵀ = ").append(f.tensor(r.gradW0())).append('\n');

    text.append("\nOne gradient-descent step, W ← W − ")
        .append(f.number(WorkedExample.LEARNING_RATE))
        .append("·dL/dW (in place, with gradient recording off):\n");
    String w0Before = f.tensor(r.w0());
    String w1Before = f.tensor(r.w1());
    int w = Math.max(w0Before.length(), w1Before.length());
    text.append("  W0: ").append(pad(w0Before, w)).append("  →  ");
    text.append(f.tensor(r.w0After())).append('\n');
    text.append("  W1: ").append(pad(w1Before, w)).append("  →  ");
    text.append(f.tensor(r.w1After())).append('\n');
    boolean lower = r.lossAfter() < r.loss();
    text.append("  L:  ")
        .append(f.number(r.loss()))
        .append(" → ")
        .append(f.number(r.lossAfter()))
        .append(
            lower
                ? " with the new weights: the step went downhill.\n"
                : " with the new weights: not lower, the step was too big.\n");

    return ascii ? toAscii(text.toString()) : text.toString();
  }

  /** Left-aligned columns separated by two spaces, with a rule under the header row. */
  private static String table(List<String[]> rows, boolean ascii) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] row : rows) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], display(row[c], ascii).length());
      }
    }
    var sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      var line = new StringBuilder("  ");
      for (int c = 0; c < cols; c++) {
        String cell = display(rows.get(r)[c], ascii);
        line.append(c == cols - 1 ? cell : pad(cell, width[c] + 2));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (r == 0) {
        var rule = new StringBuilder("  ");
        for (int c = 0; c < cols; c++) {
          rule.append("-".repeat(width[c])).append(c == cols - 1 ? "" : "  ");
        }
        sb.append(rule).append('\n');
      }
    }
    return sb.toString();
  }

  private static String display(String s, boolean ascii) {
    return ascii ? toAscii(s) : s;
  }

  static String toAscii(String s) {
    for (String[] pair : ASCII) {
      s = s.replace(pair[0], pair[1]);
    }
    return s;
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  /** Numbers with at most {@code digits} decimals, trailing zeros dropped; tensors nested. */
  private record Fmt(int digits) {
    String number(double x) {
      if (!Double.isFinite(x)) {
        return Double.toString(x);
      }
      String s = String.format(Locale.ROOT, "%." + digits + "f", x);
      if (s.indexOf('.') >= 0) {
        s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
      return s.equals("-0") ? "0" : s;
    }

    /** A scalar as a number, a column vector as {@code [a, b]ᵀ}, a matrix as nested rows. */
    String tensor(Tensor t) {
      double[] v = t.toDoubleArray();
      int[] shape = t.shape();
      if (v.length == 1) {
        return number(v[0]);
      }
      if (shape.length == 2 && shape[1] == 1) {
        return list(v, 0, v.length) + "ᵀ";
      }
      if (shape.length == 1) {
        return list(v, 0, v.length);
      }
      if (shape.length == 2) {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape[0]; i++) {
          sb.append(i == 0 ? "" : ", ").append(list(v, i * shape[1], shape[1]));
        }
        return sb.append(']').toString();
      }
      return t.toString();
    }

    private String list(double[] v, int from, int count) {
      var sb = new StringBuilder("[");
      for (int i = 0; i < count; i++) {
        sb.append(i == 0 ? "" : ", ").append(number(v[from + i]));
      }
      return sb.append(']').toString();
    }
  }
}

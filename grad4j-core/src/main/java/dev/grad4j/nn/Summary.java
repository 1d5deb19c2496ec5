package dev.grad4j.nn;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the table behind {@link Module#summary}. */
final class Summary {
  private Summary() {}

  private record Row(String layer, String output, long params) {}

  static String of(Module model, int[] inputShape) {
    List<Row> rows = new ArrayList<>();
    Tensor x = Tensor.zeros(inputShape);
    boolean wasTraining = model.isTraining();
    model.eval();
    try (var g = GradMode.disabled()) {
      if (model instanceof Sequential seq) {
        for (Map.Entry<String, Module> e : seq.namedChildren().entrySet()) {
          x = e.getValue().forward(x);
          rows.add(row(e.getKey(), e.getValue(), Arrays.toString(x.shape())));
        }
      } else {
        for (Map.Entry<String, Module> e : model.namedChildren().entrySet()) {
          rows.add(row(e.getKey(), e.getValue(), "-"));
        }
        x = model.forward(x);
        long own = model.parameterCount();
        for (Row r : rows) {
          own -= r.params();
        }
        if (own > 0 || rows.isEmpty()) {
          rows.add(new Row("(own)", Arrays.toString(x.shape()), own));
        }
      }
    } finally {
      model.train(wasTraining);
    }
    return render(rows, model, Arrays.toString(x.shape()));
  }

  private static Row row(String name, Module m, String output) {
    return new Row(name + " " + m.getClass().getSimpleName(), output, m.parameterCount());
  }

  private static String render(List<Row> rows, Module model, String output) {
    int w1 = "Layer".length();
    int w2 = "Output shape".length();
    for (Row r : rows) {
      w1 = Math.max(w1, r.layer().length());
      w2 = Math.max(w2, r.output().length());
    }
    String format = "%-" + w1 + "s  %-" + w2 + "s  %,12d%n";
    StringBuilder sb = new StringBuilder();
    String header =
        String.format(
            Locale.ROOT, "%-" + w1 + "s  %-" + w2 + "s  %12s%n", "Layer", "Output shape", "Params");
    sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, format, r.layer(), r.output(), r.params()));
    }
    sb.append("-".repeat(header.length() - 1)).append('\n');
    sb.append(String.format(Locale.ROOT, "Output: %s%n", output));
    sb.append(String.format(Locale.ROOT, "Total params: %,d%n", model.parameterCount()));
    return sb.toString();
  }
}

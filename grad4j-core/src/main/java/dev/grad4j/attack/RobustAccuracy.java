package dev.grad4j.attack;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.data.Batch;
import dev.grad4j.data.Dataset;
import dev.grad4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Accuracy under attack over a sweep of ε: for each ε, the clean accuracy, the accuracy on the
 * adversarial inputs, and the attack's success rate.
 *
 * <ul>
 *   <li>Untargeted: success rate = the share of correctly classified examples that the attack makes
 *       misclassified (examples already wrong are not counted).
 *   <li>Targeted at class K: every example is attacked towards K; success rate = the share of
 *       examples whose true class is not K that end up classified as K.
 * </ul>
 */
public final class RobustAccuracy {
  private RobustAccuracy() {}

  /** One row of the table. {@code attacked} is the number of examples the success rate counts. */
  public record Row(
      double eps,
      double cleanAccuracy,
      double robustAccuracy,
      double successRate,
      int count,
      int attacked) {}

  /**
   * The table for the first {@code limit} examples of {@code data} (all when limit &lt;= 0).
   *
   * @param attackFor builds the attack for one ε
   * @param target the target class of a targeted attack, or -1 for untargeted
   */
  public static List<Row> sweep(
      Module model,
      Dataset data,
      double[] eps,
      DoubleFunction<Attack> attackFor,
      int target,
      int batchSize,
      int limit) {
    int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
    if (n == 0) {
      throw new IllegalArgumentException("robust accuracy: the dataset is empty");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("robust accuracy: batch size must be positive");
    }
    List<Row> rows = new ArrayList<>();
    for (double e : eps) {
      Attack attack = attackFor.apply(e);
      if (attack.targeted() != (target >= 0)) {
        throw new IllegalArgumentException(
            "robust accuracy: a targeted attack needs a target class >= 0 and an untargeted one -1");
      }
      int clean = 0;
      int robust = 0;
      int succeeded = 0;
      int attacked = 0;
      for (int from = 0; from < n; from += batchSize) {
        int[] idx = new int[Math.min(batchSize, n - from)];
        for (int i = 0; i < idx.length; i++) {
          idx[i] = from + i;
        }
        Batch b = data.batch(idx);
        double[] y = b.labels().toDoubleArray();
        int[] before = predict(model, b.inputs());
        Tensor attackLabels = b.labels();
        if (target >= 0) {
          attackLabels = Tensor.full(b.labels().dtype(), target, idx.length);
        }
        Tensor adv = attack.perturb(model, b.inputs(), attackLabels);
        int[] after = predict(model, adv);
        for (int i = 0; i < idx.length; i++) {
          int label = (int) y[i];
          clean += before[i] == label ? 1 : 0;
          robust += after[i] == label ? 1 : 0;
          if (target >= 0) {
            if (label != target) {
              attacked++;
              succeeded += after[i] == target ? 1 : 0;
            }
          } else if (before[i] == label) {
            attacked++;
            succeeded += after[i] != label ? 1 : 0;
          }
        }
      }
      rows.add(
          new Row(
              e,
              clean / (double) n,
              robust / (double) n,
              attacked == 0 ? Double.NaN : succeeded / (double) attacked,
              n,
              attacked));
    }
    return rows;
  }

  /** The model's predicted class for each example (eval mode, no grad; the mode is restored). */
  public static int[] predict(Module model, Tensor inputs) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try (var g = GradMode.disabled()) {
      Tensor logits = model.forward(inputs);
      double[] a = logits.argmax(1, false).toDoubleArray();
      int[] p = new int[a.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = (int) a[i];
      }
      return p;
    } finally {
      model.train(wasTraining);
    }
  }

  /** The table as text: ε, clean accuracy, robust accuracy, success rate (percentages). */
  public static String format(List<Row> rows, boolean targeted) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%8s  %9s  %10s  %s%n",
            "eps",
            "clean acc",
            "robust acc",
            targeted ? "target reached" : "attack success"));
    for (Row r : rows) {
      s.append(
          String.format(
              Locale.ROOT,
              "%8.4f  %8.2f%%  %9.2f%%  %13s%n",
              r.eps(),
              100 * r.cleanAccuracy(),
              100 * r.robustAccuracy(),
              Double.isNaN(r.successRate())
                  ? "-"
                  : String.format(
                      Locale.ROOT, "%.2f%% of %d", 100 * r.successRate(), r.attacked())));
    }
    return s.toString();
  }
}

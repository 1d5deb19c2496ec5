package dev.grad4j.backend;

/** Reductions over a set of dimensions. Sums accumulate in float64 whatever the dtype. */
public enum ReduceOp {
  SUM,
  MAX,
  MIN;

  /** The value a reduction over nothing gives. */
  public double identity() {
    return switch (this) {
      case SUM -> 0.0;
      case MAX -> Double.NEGATIVE_INFINITY;
      case MIN -> Double.POSITIVE_INFINITY;
    };
  }

  /** Folds {@code n} values into {@code acc}; MAX and MIN propagate NaN. */
  public double fold(double acc, double[] values, int n) {
    switch (this) {
      case SUM -> {
        for (int i = 0; i < n; i++) acc += values[i];
      }
      case MAX -> {
        for (int i = 0; i < n; i++) acc = Math.max(acc, values[i]);
      }
      case MIN -> {
        for (int i = 0; i < n; i++) acc = Math.min(acc, values[i]);
      }
    }
    return acc;
  }
}

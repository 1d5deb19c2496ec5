package dev.grad4j.backend;

/** Elementwise functions of two operands. Comparisons produce 1 for true and 0 for false. */
public enum BinaryOp {
  ADD,
  SUB,
  MUL,
  DIV,
  POW,
  MAXIMUM,
  MINIMUM,
  EQ,
  NE,
  LT,
  LE,
  GT,
  GE,
  /**
   * {@code a · (b > 0 ? 1 : 0)}: relu's backward, the output gradient {@code a} kept where relu's
   * output {@code b} is positive. Written as the product with the 0/1 mask (not a select) so that
   * its bits, signed zeros and NaNs included, are those of {@code a.mul(b.gt(0))}.
   */
  RELU_BACKWARD;

  /** Applies the op to {@code n} pairs, writing {@code out} (may alias {@code a}). */
  public void apply(double[] a, double[] b, double[] out, int n) {
    switch (this) {
      case ADD -> {
        for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
      }
      case SUB -> {
        for (int i = 0; i < n; i++) out[i] = a[i] - b[i];
      }
      case MUL -> {
        for (int i = 0; i < n; i++) out[i] = a[i] * b[i];
      }
      case DIV -> {
        for (int i = 0; i < n; i++) out[i] = a[i] / b[i];
      }
      case POW -> {
        for (int i = 0; i < n; i++) out[i] = UnaryOp.pow(a[i], b[i]);
      }
      case MAXIMUM -> {
        // Math.max propagates NaN, as torch.maximum does.
        for (int i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]);
      }
      case MINIMUM -> {
        for (int i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]);
      }
      case EQ -> {
        for (int i = 0; i < n; i++) out[i] = a[i] == b[i] ? 1 : 0;
      }
      case NE -> {
        for (int i = 0; i < n; i++) out[i] = a[i] != b[i] ? 1 : 0;
      }
      case LT -> {
        for (int i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0;
      }
      case LE -> {
        for (int i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0;
      }
      case GT -> {
        for (int i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0;
      }
      case GE -> {
        for (int i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0;
      }
      case RELU_BACKWARD -> {
        for (int i = 0; i < n; i++) out[i] = a[i] * (b[i] > 0 ? 1 : 0);
      }
    }
  }
}

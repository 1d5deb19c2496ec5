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
  GE;

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
    }
  }
}

package dev.grad4j.backend;

/**
 * Elementwise functions of one operand. Two optional scalar parameters ({@code p}, {@code q}) serve
 * the ops that need them ({@link #POW_SCALAR} uses {@code p}, {@link #CLAMP} uses both).
 */
public enum UnaryOp {
  IDENTITY,
  NEG,
  EXP,
  LOG,
  SQRT,
  ABS,
  SIGN,
  TANH,
  SIGMOID,
  RELU,
  SIN,
  COS,
  POW_SCALAR,
  CLAMP,
  /** The error function ({@link Erf#erf}). */
  ERF;

  /** Applies the op to {@code n} values of {@code in}, writing {@code out} (may alias). */
  public void apply(double[] in, double[] out, int n, double p, double q) {
    switch (this) {
      case IDENTITY -> System.arraycopy(in, 0, out, 0, n);
      case NEG -> {
        for (int i = 0; i < n; i++) out[i] = -in[i];
      }
      case EXP -> {
        for (int i = 0; i < n; i++) out[i] = Math.exp(in[i]);
      }
      case LOG -> {
        for (int i = 0; i < n; i++) out[i] = Math.log(in[i]);
      }
      case SQRT -> {
        for (int i = 0; i < n; i++) out[i] = Math.sqrt(in[i]);
      }
      case ABS -> {
        for (int i = 0; i < n; i++) out[i] = Math.abs(in[i]);
      }
      case SIGN -> {
        for (int i = 0; i < n; i++) out[i] = Math.signum(in[i]);
      }
      case TANH -> {
        for (int i = 0; i < n; i++) out[i] = Math.tanh(in[i]);
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) out[i] = sigmoid(in[i]);
      }
      case RELU -> {
        // NaN stays NaN, as in PyTorch.
        for (int i = 0; i < n; i++) out[i] = in[i] > 0 || Double.isNaN(in[i]) ? in[i] : 0.0;
      }
      case SIN -> {
        for (int i = 0; i < n; i++) out[i] = Math.sin(in[i]);
      }
      case COS -> {
        for (int i = 0; i < n; i++) out[i] = Math.cos(in[i]);
      }
      case POW_SCALAR -> {
        for (int i = 0; i < n; i++) out[i] = pow(in[i], p);
      }
      case CLAMP -> {
        for (int i = 0; i < n; i++) {
          double v = in[i];
          out[i] = Double.isNaN(v) ? v : Math.min(Math.max(v, p), q);
        }
      }
      case ERF -> {
        for (int i = 0; i < n; i++) out[i] = Erf.erf(in[i]);
      }
    }
  }

  /** Sigmoid that does not overflow for large negative inputs. */
  static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  /** Power with the common small exponents computed exactly rather than through log/exp. */
  static double pow(double x, double p) {
    if (p == 2.0) {
      return x * x;
    } else if (p == 1.0) {
      return x;
    } else if (p == 3.0) {
      return x * x * x;
    } else if (p == 0.5) {
      return Math.sqrt(x);
    }
    return Math.pow(x, p);
  }
}

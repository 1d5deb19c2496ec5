package dev.grad4j;

/**
 * Reads the (height, width) arguments of 2-D window ops: kernel size, stride, padding, dilation.
 */
public final class Sizes2d {
  private Sizes2d() {}

  /**
   * A (height, width) pair from one value (used for both) or two, each at least {@code min}; errors
   * name the op and the argument.
   */
  public static int[] pair(String op, String what, int[] values, int min) {
    if (values == null || values.length < 1 || values.length > 2) {
      throw new IllegalArgumentException(
          op
              + ": "
              + what
              + " must be 1 or 2 values, got "
              + (values == null ? "null" : Shapes.format(values)));
    }
    int[] p = values.length == 1 ? new int[] {values[0], values[0]} : values.clone();
    if (p[0] < min || p[1] < min) {
      throw new IllegalArgumentException(
          op
              + ": "
              + what
              + " must be "
              + (min == 0 ? "non-negative" : "positive")
              + ", got "
              + Shapes.format(values));
    }
    return p;
  }
}

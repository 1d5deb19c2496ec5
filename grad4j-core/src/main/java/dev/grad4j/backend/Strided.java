package dev.grad4j.backend;

/**
 * How a kernel sees an operand: a storage plus shape, strides (in elements) and offset. A stride of
 * 0 repeats an element along that dimension (broadcasting).
 */
public record Strided(Storage storage, int[] shape, int[] strides, int offset) {

  /** A contiguous row-major view of a whole storage. */
  public static Strided contiguous(Storage storage, int[] shape) {
    return new Strided(storage, shape, rowMajorStrides(shape), 0);
  }

  /** Row-major strides for a shape. */
  public static int[] rowMajorStrides(int[] shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    return strides;
  }

  /** Number of elements. */
  public int numel() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}

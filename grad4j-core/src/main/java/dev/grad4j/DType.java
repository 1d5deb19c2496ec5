package dev.grad4j;

/** Element type of a tensor. float32 is the default; float64 is for gradient checks and science. */
public enum DType {
  FLOAT32("float32", 4, "F32"),
  FLOAT64("float64", 8, "F64");

  private final String displayName;
  private final int byteSize;
  private final String safetensorsName;

  DType(String displayName, int byteSize, String safetensorsName) {
    this.displayName = displayName;
    this.byteSize = byteSize;
    this.safetensorsName = safetensorsName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The dtype name used by the safetensors format ({@code F32}, {@code F64}). */
  public String safetensorsName() {
    return safetensorsName;
  }

  /** The wider of two dtypes: mixing float32 and float64 gives float64, as in PyTorch. */
  public static DType promote(DType a, DType b) {
    return a == FLOAT64 || b == FLOAT64 ? FLOAT64 : FLOAT32;
  }

  @Override
  public String toString() {
    return displayName;
  }
}

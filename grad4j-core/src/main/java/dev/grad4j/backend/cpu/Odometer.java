package dev.grad4j.backend.cpu;

/**
 * Walks every position of a shape for several operands at once, handing out one row at a time.
 *
 * <p>Dimensions of size 1 are dropped and neighbouring dimensions that are contiguous for every
 * operand are merged first, so a contiguous tensor of any rank is walked as one long row. Long rows
 * are cut into chunks of at most {@link #CHUNK} elements, so callers can keep small buffers.
 */
final class Odometer {
  static final int CHUNK = 2048;

  /** Receives one row: the first element's offset in each operand, and the row's length. */
  interface RowVisitor {
    void row(int[] offsets, int length);
  }

  private final int[] shape;
  private final int[][] strides; // [operand][dim]
  private final int operands;
  private final int innerLength;
  private final int[] innerStrides;
  private final long rows;

  /** {@code strides[o]} are operand o's strides for {@code shape}. */
  Odometer(int[] shape, int[]... strides) {
    this.operands = strides.length;
    int rank = 0;
    int[] dims = new int[shape.length];
    int[][] st = new int[operands][shape.length];
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == 1) {
        continue;
      }
      if (rank > 0 && mergeable(st, rank - 1, dims[rank - 1], strides, d, shape[d])) {
        dims[rank - 1] *= shape[d];
        for (int o = 0; o < operands; o++) {
          st[o][rank - 1] = strides[o][d];
        }
        continue;
      }
      dims[rank] = shape[d];
      for (int o = 0; o < operands; o++) {
        st[o][rank] = strides[o][d];
      }
      rank++;
    }
    boolean empty = false;
    for (int d : shape) {
      empty |= d == 0;
    }
    if (rank == 0) {
      this.shape = new int[0];
      this.strides = new int[operands][0];
      this.innerLength = empty ? 0 : 1;
      this.innerStrides = new int[operands];
      this.rows = empty ? 0 : 1;
      return;
    }
    this.shape = java.util.Arrays.copyOf(dims, rank - 1);
    this.strides = new int[operands][];
    this.innerStrides = new int[operands];
    for (int o = 0; o < operands; o++) {
      this.strides[o] = java.util.Arrays.copyOf(st[o], rank - 1);
      this.innerStrides[o] = st[o][rank - 1];
    }
    this.innerLength = empty ? 0 : dims[rank - 1];
    long r = empty ? 0 : 1;
    for (int i = 0; i < rank - 1; i++) {
      r *= dims[i];
    }
    this.rows = r;
  }

  // Dim d (size n) can merge into the previous dim p if, for every operand, stepping over p equals
  // stepping n times over d.
  private static boolean mergeable(
      int[][] merged, int p, int pSize, int[][] strides, int d, int n) {
    for (int o = 0; o < strides.length; o++) {
      if ((long) merged[o][p] != (long) strides[o][d] * n) {
        return false;
      }
    }
    return pSize > 0;
  }

  /** Stride of operand {@code o} along rows. */
  int innerStride(int o) {
    return innerStrides[o];
  }

  /** Visits every row, starting from the given base offsets. */
  void forEachRow(int[] base, RowVisitor visitor) {
    if (rows == 0 || innerLength == 0) {
      return;
    }
    int outer = shape.length;
    int[] index = new int[outer];
    int[] offsets = base.clone();
    int[] chunkOffsets = new int[operands];
    for (long r = 0; r < rows; r++) {
      for (int start = 0; start < innerLength; start += CHUNK) {
        int len = Math.min(CHUNK, innerLength - start);
        for (int o = 0; o < operands; o++) {
          chunkOffsets[o] = offsets[o] + start * innerStrides[o];
        }
        visitor.row(chunkOffsets, len);
      }
      // Advance the outer index like an odometer.
      for (int d = outer - 1; d >= 0; d--) {
        index[d]++;
        for (int o = 0; o < operands; o++) {
          offsets[o] += strides[o][d];
        }
        if (index[d] < shape[d]) {
          break;
        }
        for (int o = 0; o < operands; o++) {
          offsets[o] -= strides[o][d] * shape[d];
        }
        index[d] = 0;
      }
    }
  }
}

package dev.grad4j;

import java.util.Arrays;

/** Shape arithmetic and the checks that produce grad4j's shape error messages. */
final class Shapes {
  private Shapes() {}

  static String format(int[] shape) {
    return Arrays.toString(shape);
  }

  static int numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "shape " + format(shape) + " has " + n + " elements; grad4j tensors hold at most 2^31-1");
    }
    return (int) n;
  }

  static int[] checkShape(String op, int[] shape) {
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(op + ": negative dimension in shape " + format(shape));
      }
    }
    numel(shape);
    return shape.clone();
  }

  /** Turns a possibly negative dim into an index in {@code [0, rank)}, or throws. */
  static int dim(String op, int dim, int rank) {
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(
          op
              + ": dim "
              + dim
              + " is out of range for a tensor of rank "
              + rank
              + " (expected "
              + (rank == 0 ? "none: it is a scalar" : "-" + rank + " to " + (rank - 1))
              + ")");
    }
    return d;
  }

  /** Flags the given dims (negative allowed); no dims means all dims. Repeats are an error. */
  static boolean[] dimMask(String op, int[] dims, int rank) {
    boolean[] mask = new boolean[rank];
    if (dims.length == 0) {
      Arrays.fill(mask, true);
      return mask;
    }
    for (int dim : dims) {
      int d = dim(op, dim, rank);
      if (mask[d]) {
        throw new IllegalArgumentException(
            op + ": dim " + dim + " appears twice in " + format(dims) + " (rank " + rank + ")");
      }
      mask[d] = true;
    }
    return mask;
  }

  /** NumPy broadcasting: dims align from the right; each pair must be equal or contain a 1. */
  static int[] broadcast(String op, int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(
            op
                + ": cannot broadcast "
                + format(a)
                + " with "
                + format(b)
                + " (dim "
                + (i - rank)
                + ": "
                + da
                + " vs "
                + db
                + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Strides that show {@code shape}'s data as {@code target} (broadcast), or throws. */
  static int[] expandStrides(String op, int[] shape, int[] strides, int[] target) {
    if (target.length < shape.length) {
      throw new IllegalArgumentException(
          op + ": cannot expand " + format(shape) + " to fewer dims " + format(target));
    }
    int lead = target.length - shape.length;
    int[] out = new int[target.length];
    for (int i = 0; i < target.length; i++) {
      if (i < lead) {
        out[i] = 0;
        continue;
      }
      int d = shape[i - lead];
      if (d == target[i]) {
        out[i] = strides[i - lead];
      } else if (d == 1) {
        out[i] = 0;
      } else {
        throw new IllegalArgumentException(
            op
                + ": cannot expand "
                + format(shape)
                + " to "
                + format(target)
                + " (dim "
                + i
                + ": "
                + d
                + " vs "
                + target[i]
                + ")");
      }
    }
    return out;
  }

  /**
   * Strides that show data of (shape, strides) as newShape without copying, or null when the layout
   * does not allow it (the same test as PyTorch's {@code view}).
   */
  static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
    int[] out = new int[newShape.length];
    if (numel(shape) == 0) {
      return dev.grad4j.backend.Strided.rowMajorStrides(newShape);
    }
    int viewD = newShape.length - 1;
    int chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
    long tensorNumel = 1;
    long viewNumel = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      tensorNumel *= shape[d];
      if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
        while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
          out[viewD] = (int) (viewNumel * chunkBase);
          viewNumel *= newShape[viewD];
          viewD--;
        }
        if (viewNumel != tensorNumel) {
          return null;
        }
        if (d > 0) {
          chunkBase = strides[d - 1];
          tensorNumel = 1;
          viewNumel = 1;
        }
      }
    }
    if (viewD != -1) {
      // Only leading size-1 dims can remain.
      while (viewD >= 0) {
        if (newShape[viewD] != 1) {
          return null;
        }
        out[viewD] = 1;
        viewD--;
      }
    }
    return out;
  }

  /** Resolves one {@code -1} in a requested shape against a known element count. */
  static int[] inferShape(String op, int[] requested, int numel) {
    int[] out = requested.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException(
              op + ": only one dim can be -1 in " + format(requested));
        }
        infer = i;
      } else if (out[i] < 0) {
        throw new IllegalArgumentException(op + ": negative dim in " + format(requested));
      } else {
        known *= out[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || numel % known != 0) {
        throw new IllegalArgumentException(
            op + ": cannot reshape " + numel + " elements into " + format(requested));
      }
      out[infer] = (int) (numel / known);
    } else if (known != numel) {
      throw new IllegalArgumentException(
          op
              + ": cannot reshape "
              + numel
              + " elements into "
              + format(requested)
              + " ("
              + known
              + " elements)");
    }
    return out;
  }
}

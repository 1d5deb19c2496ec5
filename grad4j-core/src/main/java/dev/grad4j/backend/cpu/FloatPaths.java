package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.ReduceOp;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;

/**
 * The float32 fast paths of the CPU backend: elementwise ops, reductions and softmax on float32
 * operands run {@link FloatKernels}' vector loops row by row instead of the generic float64 row
 * buffers. Each method returns false when its operands do not fit, and the caller takes the generic
 * path.
 *
 * <p>Work of at least {@link #PARALLEL_MIN} elements is split over the leading dim across the
 * backend's threads; smaller ops stay on the calling thread, where threading would only cost. Every
 * output element is computed by the same operations whatever the split, and sums are folded in
 * fixed blocks in a fixed order, so results do not depend on the thread count.
 */
final class FloatPaths {
  private FloatPaths() {}

  /** Ops with fewer elements than this run single-threaded. */
  static final int PARALLEL_MIN = 1 << 18;

  /** Elements per block of a whole-tensor sum; the blocks' sums are added in order. */
  static final int SUM_BLOCK = 1 << 14;

  /** Transposed copies of fewer than TILE x TILE elements take the generic path. */
  private static final int TILE = 64;

  /**
   * Output rows and columns of the blocks a transposed operand of a binary op is read in: each
   * column of a block reads 2 KiB of the operand in one run, and the block's transposed copy (a
   * buffer row per output row, padded so that its rows do not share cache sets) stays in L2. 64 x
   * 64 tiles measured 35% slower at [4096, 4096]: runs of 256 bytes a 16 KiB stride apart keep the
   * memory system waiting.
   */
  private static final int BLOCK_ROWS = 512;

  private static final int BLOCK_COLS = 256;
  private static final int BLOCK_STRIDE = BLOCK_COLS + 16;

  private static final ThreadLocal<float[]> BLOCK =
      ThreadLocal.withInitial(() -> new float[BLOCK_ROWS * BLOCK_STRIDE]);

  /** Output rows per piece of a transposed copy: one 64-byte line of the source per column. */
  private static final int COPY_ROWS = 16;

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[Odometer.CHUNK]});

  private static boolean allFloat(Strided... ops) {
    for (Strided s : ops) {
      if (s.storage().dtype() != DType.FLOAT32) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- elementwise

  /** out = op(x) for float32 operands; false when the op or operands do not fit. */
  static boolean unary(UnaryOp op, double p, double q, Strided x, Strided out) {
    if (!allFloat(x, out) || !FloatKernels.supports(op, p) || !contiguous(out)) {
      return false;
    }
    float[] xa = x.storage().floats();
    float[] oa = out.storage().floats();
    forRows(
        out,
        new Strided[] {x},
        (off, n, st, scratch) -> {
          int xo = off[0];
          int sx = st[0];
          if (sx != 0 && sx != 1) {
            gather(xa, xo, sx, n, scratch[0]);
            FloatKernels.unary(op, p, q, scratch[0], 0, 1, oa, off[1], n);
          } else {
            FloatKernels.unary(op, p, q, xa, xo, sx, oa, off[1], n);
          }
        });
    return true;
  }

  /** out = op(a, b) for float32 operands; false when the op or operands do not fit. */
  static boolean binary(BinaryOp op, Strided a, Strided b, Strided out) {
    if (!allFloat(a, b, out) || !FloatKernels.supports(op) || !contiguous(out)) {
      return false;
    }
    if (transposedBinary(op, a, b, out)) {
      return true;
    }
    float[] aa = a.storage().floats();
    float[] ba = b.storage().floats();
    float[] oa = out.storage().floats();
    forRows(
        out,
        new Strided[] {a, b},
        (off, n, st, scratch) -> {
          int ao = off[0];
          int sa = st[0];
          int bo = off[1];
          int sb = st[1];
          float[] av = aa;
          float[] bv = ba;
          if (sa != 0 && sa != 1) {
            gather(aa, ao, sa, n, scratch[0]);
            av = scratch[0];
            ao = 0;
            sa = 1;
          }
          if (sb != 0 && sb != 1) {
            // Both strided: a is already in the scratch row; b goes into the output row.
            float[] into = av == scratch[0] ? oa : scratch[0];
            int at = av == scratch[0] ? off[2] : 0;
            gather(ba, bo, sb, n, into);
            bv = into;
            bo = at;
            sb = 1;
          }
          FloatKernels.binary(op, av, ao, sa, bv, bo, sb, oa, off[2], n);
        });
    return true;
  }

  private static void gather(float[] src, int from, int stride, int n, float[] dst) {
    for (int i = 0, p = from; i < n; i++, p += stride) {
      dst[i] = src[p];
    }
  }

  /** The body of a row walk: offsets and strides of the inputs, then the output's. */
  private interface RowBody {
    void row(int[] offsets, int n, int[] strides, float[][] scratch);
  }

  // Walks out (contiguous, so its rows have stride 1) and the inputs along with it, split over dim
  // 0 across threads when the op is large enough.
  private static void forRows(Strided out, Strided[] inputs, RowBody body) {
    int[] shape = out.shape();
    int numel = out.numel();
    if (numel == 0) {
      return;
    }
    int rank = shape.length;
    if (rank == 0 || numel < PARALLEL_MIN || shape[0] < 2 || Parallel.threads() < 2) {
      walk(out, inputs, 0, rank == 0 ? 1 : shape[0], body);
      return;
    }
    int perRow = numel / shape[0];
    Parallel.forRange(
        shape[0],
        Math.max(1, PARALLEL_MIN / 2 / Math.max(1, perRow)),
        (from, to) -> walk(out, inputs, from, to, body));
  }

  private static void walk(Strided out, Strided[] inputs, int from, int to, RowBody body) {
    int ops = inputs.length + 1;
    int[][] strides = new int[ops][];
    int[] base = new int[ops];
    int[] shape = out.shape().clone();
    for (int o = 0; o < ops; o++) {
      Strided s = o < inputs.length ? inputs[o] : out;
      strides[o] = s.strides();
      base[o] = s.offset() + (shape.length == 0 ? 0 : from * s.strides()[0]);
    }
    if (shape.length > 0) {
      shape[0] = to - from;
    }
    Odometer walk = new Odometer(shape, strides);
    int[] inner = new int[ops];
    for (int o = 0; o < ops; o++) {
      inner[o] = walk.innerStride(o);
    }
    float[][] scratch = SCRATCH.get();
    walk.forEachRow(base, (off, n) -> body.row(off, n, inner, scratch));
  }

  // [R, C] + a transposed operand ([C, R] stored, so strides (1, ld)): read it in blocks of
  // BLOCK_ROWS x BLOCK_COLS, each copied transposed into a buffer and then combined row by row.
  private static boolean transposedBinary(BinaryOp op, Strided a, Strided b, Strided out) {
    int[] shape = out.shape();
    if (shape.length != 2 || !rowMajor(out)) {
      return false;
    }
    boolean aT = transposed(a);
    boolean bT = transposed(b);
    if (aT == bT || !(aT ? plainOrRow(b) : plainOrRow(a))) {
      return false;
    }
    int rows = shape[0];
    int cols = shape[1];
    Strided t = aT ? a : b;
    Strided other = aT ? b : a;
    float[] ta = t.storage().floats();
    float[] oa = other.storage().floats();
    float[] out2 = out.storage().floats();
    int ld = t.strides()[1];
    int rowStrideOther = other.strides()[0];
    int colStrideOther = other.strides()[1];
    boolean parallel = (long) rows * cols >= PARALLEL_MIN && Parallel.threads() > 1;
    // Blocks no taller than a thread's share of the rows, so that every thread gets work.
    int height =
        parallel
            ? Math.min(
                BLOCK_ROWS, Math.max(16, (rows + Parallel.threads() - 1) / Parallel.threads()))
            : BLOCK_ROWS;
    int blocks = (rows + height - 1) / height;
    Parallel.Range body =
        (from, to) -> {
          float[] buf = BLOCK.get();
          for (int bi = from; bi < to; bi++) {
            int i0 = bi * height;
            int h = Math.min(height, rows - i0);
            for (int j0 = 0; j0 < cols; j0 += BLOCK_COLS) {
              int w = Math.min(BLOCK_COLS, cols - j0);
              Sgemm.transposeCopy(ta, t.offset() + i0 + j0 * ld, 1, ld, buf, 0, BLOCK_STRIDE, h, w);
              for (int i = 0; i < h; i++) {
                int oo = other.offset() + (i0 + i) * rowStrideOther + j0 * colStrideOther;
                int co = out.offset() + (i0 + i) * cols + j0;
                int bo = i * BLOCK_STRIDE;
                if (aT) {
                  FloatKernels.binary(op, buf, bo, 1, oa, oo, colStrideOther, out2, co, w);
                } else {
                  FloatKernels.binary(op, oa, oo, colStrideOther, buf, bo, 1, out2, co, w);
                }
              }
            }
          }
        };
    if (parallel) {
      Parallel.forRange(blocks, 1, body);
    } else {
      body.run(0, blocks);
    }
    return true;
  }

  /**
   * A row-major copy of a transposed float32 matrix (a gradient that arrives as a transposed view,
   * cloned into a parameter's grad): COPY_ROWS output rows at a time, reading one cache line of the
   * source per column, so both sides stay in L1 (with few enough rows that power-of-two row lengths
   * do not overflow a cache set). False for other layouts.
   */
  static boolean transposedCopy(Strided x, Strided out) {
    if (!allFloat(x, out)
        || x.shape().length != 2
        || !transposed(x)
        || !rowMajor(out)
        || (long) x.numel() < TILE * TILE) {
      return false;
    }
    int rows = x.shape()[0];
    int cols = x.shape()[1];
    int ld = x.strides()[1];
    float[] xa = x.storage().floats();
    float[] oa = out.storage().floats();
    Parallel.Range body =
        (from, to) -> {
          for (int ti = from; ti < to; ti++) {
            int i0 = ti * COPY_ROWS;
            int h = Math.min(COPY_ROWS, rows - i0);
            Sgemm.transposeCopy(
                xa, x.offset() + i0, 1, ld, oa, out.offset() + i0 * cols, cols, h, cols);
          }
        };
    int tiles = (rows + COPY_ROWS - 1) / COPY_ROWS;
    if (x.numel() < PARALLEL_MIN) {
      body.run(0, tiles);
    } else {
      Parallel.forRange(tiles, 1, body);
    }
    return true;
  }

  private static boolean rowMajor(Strided s) {
    int[] st = s.strides();
    int[] sh = s.shape();
    return (sh[1] == 1 || st[1] == 1) && (sh[0] == 1 || st[0] == sh[1]);
  }

  private static boolean transposed(Strided s) {
    int[] st = s.strides();
    int[] sh = s.shape();
    return sh[0] > 1 && sh[1] > 1 && st[0] == 1 && st[1] >= sh[0];
  }

  // Row-major, or one row / one value broadcast (strides 0 or 1 along the columns).
  private static boolean plainOrRow(Strided s) {
    int c = s.strides()[1];
    return (c == 0 || c == 1) && (rowMajor(s) || s.strides()[0] == 0);
  }

  // ---------------------------------------------------------------- reductions

  /**
   * Reduces a float32 tensor over a trailing block of dims (each output one contiguous run) or a
   * leading block (column reductions) when x is contiguous; false otherwise.
   */
  static boolean reduce(ReduceOp op, Strided x, boolean[] reduced, Strided out) {
    if (!allFloat(x, out) || x.numel() == 0 || !contiguous(x) || !contiguous(out)) {
      return false;
    }
    int[] shape = x.shape();
    int rank = shape.length;
    int split = 0; // reduced dims are [split, rank) (trailing) or [0, split) (leading)
    while (split < rank && (!reduced[split] || shape[split] == 1)) {
      split++;
    }
    if (allFrom(reduced, shape, split, true)) {
      int run = 1;
      for (int d = split; d < rank; d++) {
        run *= shape[d];
      }
      reduceRuns(op, x.storage().floats(), x.offset(), x.numel() / run, run, out);
      return true;
    }
    split = 0;
    while (split < rank && (reduced[split] || shape[split] == 1)) {
      split++;
    }
    if (op == ReduceOp.SUM && allFrom(reduced, shape, split, false)) {
      int width = 1;
      for (int d = split; d < rank; d++) {
        width *= shape[d];
      }
      sumColumns(x.storage().floats(), x.offset(), x.numel() / width, width, out);
      return true;
    }
    return false;
  }

  // Whether every dim from `from` on is reduced (want = true) or kept (false), size-1 dims aside.
  private static boolean allFrom(boolean[] reduced, int[] shape, int from, boolean want) {
    for (int d = from; d < shape.length; d++) {
      if (reduced[d] != want && shape[d] != 1) {
        return false;
      }
    }
    return true;
  }

  private static boolean contiguous(Strided s) {
    int[] sh = s.shape();
    int[] st = s.strides();
    int expect = 1;
    for (int d = sh.length - 1; d >= 0; d--) {
      if (sh[d] != 1 && st[d] != expect) {
        return false;
      }
      expect *= sh[d];
    }
    return true;
  }

  private static void reduceRuns(ReduceOp op, float[] x, int xo, int runs, int run, Strided out) {
    float[] o = out.storage().floats();
    int oo = out.offset();
    if (runs == 1 && run >= 2 * SUM_BLOCK) {
      o[oo] = (float) whole(op, x, xo, run);
      return;
    }
    Parallel.Range body =
        (from, to) -> {
          for (int r = from; r < to; r++) {
            o[oo + r] = (float) fold(op, x, xo + r * run, run);
          }
        };
    if ((long) runs * run < PARALLEL_MIN) {
      body.run(0, runs);
    } else {
      Parallel.forRange(runs, Math.max(1, PARALLEL_MIN / 2 / run), body);
    }
  }

  private static double fold(ReduceOp op, float[] x, int from, int n) {
    return switch (op) {
      case SUM -> FloatKernels.sum(x, from, n);
      case MAX -> FloatKernels.extremum(true, x, from, n);
      case MIN -> FloatKernels.extremum(false, x, from, n);
    };
  }

  // A whole-tensor reduction in blocks of SUM_BLOCK, each folded by one thread, then the blocks'
  // results folded in block order: the same value for every thread count.
  private static double whole(ReduceOp op, float[] x, int xo, int n) {
    int blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
    double[] partial = new double[blocks];
    Parallel.Range body =
        (from, to) -> {
          for (int blk = from; blk < to; blk++) {
            int start = blk * SUM_BLOCK;
            partial[blk] = fold(op, x, xo + start, Math.min(SUM_BLOCK, n - start));
          }
        };
    if (n < PARALLEL_MIN) {
      body.run(0, blocks);
    } else {
      Parallel.forRange(blocks, 1, body);
    }
    double acc = op.identity();
    for (double v : partial) {
      acc =
          switch (op) {
            case SUM -> acc + v;
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
          };
    }
    return acc;
  }

  // out[j] = sum over rows i of x[i, j] for x [rows, width], in float64, rows in order; threads
  // split the columns.
  private static void sumColumns(float[] x, int xo, int rows, int width, Strided out) {
    float[] o = out.storage().floats();
    int oo = out.offset();
    Parallel.Range body =
        (from, to) -> {
          double[] acc = new double[to - from];
          for (int i = 0; i < rows; i++) {
            int base = xo + i * width + from;
            for (int j = 0; j < acc.length; j++) {
              acc[j] += x[base + j];
            }
          }
          for (int j = 0; j < acc.length; j++) {
            o[oo + from + j] = (float) acc[j];
          }
        };
    if ((long) rows * width < PARALLEL_MIN) {
      body.run(0, width);
    } else {
      Parallel.forRange(width, 64, body);
    }
  }

  // ---------------------------------------------------------------- softmax

  /** Softmax or log-softmax along the last dim of contiguous float32 operands; else false. */
  static boolean softmax(boolean log, Strided x, int dim, Strided out) {
    int[] shape = x.shape();
    if (!allFloat(x, out)
        || dim != shape.length - 1
        || !contiguous(x)
        || !contiguous(out)
        || x.numel() == 0) {
      return false;
    }
    int len = shape[dim];
    int rows = x.numel() / len;
    float[] xa = x.storage().floats();
    float[] oa = out.storage().floats();
    Parallel.Range body =
        (from, to) ->
            FloatKernels.softmax(
                log, xa, x.offset() + from * len, oa, out.offset() + from * len, len, to - from);
    if (x.numel() < PARALLEL_MIN) {
      body.run(0, rows);
    } else {
      Parallel.forRange(rows, Math.max(1, PARALLEL_MIN / 4 / len), body);
    }
    return true;
  }
}

package dev.grad4j.backend;

/**
 * The seam between tensors and the loops that compute them. {@code Tensor} never touches elements
 * itself; it describes operands as {@link Strided} views and calls one of these kernels. Output
 * operands are written in place; every other operand is only read.
 *
 * <p>All shapes are checked by the caller: a backend may assume its operands agree.
 */
public interface Backend {

  /** {@code out = op(x)} elementwise; {@code x} and {@code out} have the same shape. */
  void unary(UnaryOp op, double p, double q, Strided x, Strided out);

  /** {@code out = op(a, b)} elementwise; all three have the same shape (broadcast by strides). */
  void binary(BinaryOp op, Strided a, Strided b, Strided out);

  /** {@code out = cond != 0 ? a : b} elementwise; all four have the same shape. */
  void where(Strided cond, Strided a, Strided b, Strided out);

  /** Sets every element of {@code out}. */
  void fill(Strided out, double value);

  /**
   * Reduces {@code x} over the dims flagged in {@code reduced}; {@code out} has x's shape with
   * those dims set to 1.
   */
  void reduce(ReduceOp op, Strided x, boolean[] reduced, Strided out);

  /**
   * Index of the first maximum (or minimum) along {@code dim}; {@code out} has x's shape with that
   * dim set to 1. NaN counts as the largest (and smallest) value, as in PyTorch.
   */
  void argReduce(boolean max, Strided x, int dim, Strided out);

  /** Batched matrix product: a [B, m, k], b [B, k, n], out [B, m, n]. */
  void matmul(Strided a, Strided b, Strided out);

  /** {@code out} = x with positions {@code index} taken along {@code dim}. */
  void indexSelect(Strided x, int dim, int[] index, Strided out);

  /** Adds {@code src}'s slice i into {@code out}'s slice {@code index[i]} along {@code dim}. */
  void indexAdd(Strided src, int dim, int[] index, Strided out);

  /** {@code out[..i..] = x[..index[..i..]..]} along {@code dim}; out and index share a shape. */
  void gather(Strided x, int dim, Strided index, Strided out);

  /** {@code out[..index[..i..]..] += src[..i..]} along {@code dim}; src and index share a shape. */
  void scatterAdd(Strided src, int dim, Strided index, Strided out);
}

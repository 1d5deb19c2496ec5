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
   * Softmax ({@code log} false) or log-softmax along {@code dim}: each row along dim is shifted by
   * its max (by 0 when the max is infinite), exponentiated and normalised to sum 1 (or has the log
   * of its sum subtracted). {@code x} and {@code out} have the same shape.
   */
  void softmax(boolean log, Strided x, int dim, Strided out);

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

  /**
   * im2col: copies every window of {@code x} [N, C, H, W] into a column of {@code out} [N, C·kh·kw,
   * L], where L = outH·outW counts window positions row-major and row {@code c·kh·kw + i·kw + j}
   * holds kernel offset (i, j) of channel c. Positions that fall in the padding read {@code
   * padValue}.
   */
  void unfold(Strided x, Window2d window, double padValue, Strided out);

  /**
   * col2im, the adjoint of {@link #unfold}: adds column entry (row, l) of {@code cols} [N, C·kh·kw,
   * L] into the input position it was read from in {@code out} [N, C, H, W], summing where windows
   * overlap and dropping entries that fall in the padding. {@code out} is added to, not cleared.
   */
  void fold(Strided cols, Window2d window, Strided out);

  /**
   * Max pooling of contiguous {@code x} [N, C, H, W] into contiguous {@code out} [N, C, oh, ow]:
   * each window's largest value, and in {@code index} (one entry per output, in out's order) its
   * position {@code ih·W + iw} in the plane. The first maximum in row-major window order is chosen,
   * a NaN counting as the largest; positions in the padding are never chosen.
   */
  void maxPool2d(Strided x, Window2d window, Strided out, int[] index);

  /**
   * The gradient of {@link #maxPool2d}: adds each entry of contiguous {@code g} [N, C, oh, ow] into
   * contiguous {@code out} [N, C, H, W] at the position {@code index} gives.
   */
  void maxPool2dScatter(Strided g, int[] index, Strided out);

  /**
   * The adjoint of {@link #maxPool2dScatter}: contiguous {@code out} [N, C, oh, ow] takes the
   * entries of contiguous {@code x} [N, C, H, W] at the positions {@code index} gives.
   */
  void maxPool2dGather(Strided x, int[] index, Strided out);

  /**
   * Convolution: {@code out} [N, out, oh, ow] = weight [out, C, kh, kw] applied to the windows of
   * {@code x} [N, C, H, W] (padding reads 0), plus {@code bias} [out] (or nothing when null) along
   * the output channels.
   *
   * @return false, changing nothing, when this backend has no kernel for these operands; the caller
   *     then composes the convolution from {@link #unfold} and {@link #matmul}
   */
  default boolean conv2d(Strided x, Strided weight, Strided bias, Window2d window, Strided out) {
    return false;
  }

  /**
   * The input gradient of {@link #conv2d}: adds weightᵀ applied to {@code gy} [N, out, oh, ow],
   * folded back onto the images, into {@code gx} [N, C, H, W].
   *
   * @return false, changing nothing, when this backend has no kernel for these operands
   */
  default boolean conv2dInputGrad(Strided gy, Strided weight, Window2d window, Strided gx) {
    return false;
  }

  /**
   * The weight gradient of {@link #conv2d}: {@code gw} [out, C, kh, kw] = the sum over images of
   * {@code gy} [N, out, oh, ow] times the windows of {@code x} [N, C, H, W], overwriting gw.
   *
   * @return false, changing nothing, when this backend has no kernel for these operands
   */
  default boolean conv2dWeightGrad(Strided x, Strided gy, Window2d window, Strided gw) {
    return false;
  }

  /**
   * One SGD update in place: with g = grad + λ·param, the momentum buffer becomes g (first step) or
   * μ·buf + (1 − τ)·g, and param −= γ·(nesterov ? g + μ·buf : buf), or γ·g without momentum. Each
   * operation is rounded in the operands' dtype, in this order, so the result equals the same
   * update composed from elementwise ops.
   *
   * @param buf the momentum buffer, written in place; null when {@code step.momentum()} is 0
   * @return false, changing nothing, when this backend has no fused kernel for these operands; the
   *     caller then composes the update from elementwise ops
   */
  default boolean sgdStep(Strided param, Strided grad, Strided buf, SgdStep step) {
    return false;
  }
}

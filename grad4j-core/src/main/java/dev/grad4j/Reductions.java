package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.ReduceOp;
import dev.grad4j.backend.Strided;

/** Reductions over dims: the primitives sum, max and min, and the composites built on them. */
final class Reductions {
  private Reductions() {}

  // The shape with reduced dims set to 1 (keepDim form) and the final shape.
  private static int[] keptShape(int[] shape, boolean[] reduced) {
    int[] out = shape.clone();
    for (int d = 0; d < shape.length; d++) {
      if (reduced[d]) {
        out[d] = 1;
      }
    }
    return out;
  }

  private static int[] droppedShape(int[] shape, boolean[] reduced) {
    int n = 0;
    for (boolean r : reduced) {
      n += r ? 0 : 1;
    }
    int[] out = new int[n];
    for (int d = 0, k = 0; d < shape.length; d++) {
      if (!reduced[d]) {
        out[k++] = shape[d];
      }
    }
    return out;
  }

  // Runs the kernel into a keepDim-shaped tensor; returns it reshaped as asked (a view).
  private static Tensor kernel(ReduceOp op, Tensor x, boolean[] reduced, boolean keepDim) {
    int[] kept = keptShape(x.shapeRef(), reduced);
    Tensor out = Tensor.empty(x.dtype(), kept);
    Tensor.backend().reduce(op, x.strided(), reduced, out.strided());
    if (keepDim) {
      return out;
    }
    int[] dropped = droppedShape(x.shapeRef(), reduced);
    return out.view(dropped, Strided.rowMajorStrides(dropped), 0);
  }

  static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
    boolean[] reduced = Shapes.dimMask("sum", dims, x.dim());
    int[] inputShape = x.shape();
    int[] kept = keptShape(inputShape, reduced);
    return record(
        "sum",
        kernel(ReduceOp.SUM, x, reduced, keepDim),
        new Tensor[] {x},
        saved(),
        g -> new Tensor[] {g.reshape(kept).expand(inputShape)});
  }

  static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
    boolean[] reduced = Shapes.dimMask("mean", dims, x.dim());
    long count = 1;
    for (int d = 0; d < reduced.length; d++) {
      count *= reduced[d] ? x.shapeRef()[d] : 1;
    }
    return sum(x, dims, keepDim).div(count);
  }

  static Tensor max(Tensor x, int[] dims, boolean keepDim) {
    return extremum("max", ReduceOp.MAX, x, dims, keepDim);
  }

  static Tensor min(Tensor x, int[] dims, boolean keepDim) {
    return extremum("min", ReduceOp.MIN, x, dims, keepDim);
  }

  // The gradient goes to the positions that hold the extreme value, split equally among ties.
  private static Tensor extremum(String name, ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
    boolean[] reduced = Shapes.dimMask(name, dims, x.dim());
    if (x.numel() == 0) {
      throw new IllegalArgumentException(name + ": cannot reduce an empty tensor");
    }
    int[] kept = keptShape(x.shapeRef(), reduced);
    Tensor out = kernel(op, x, reduced, keepDim);
    Tensor outKept = out.detach().reshape(kept);
    return record(
        name,
        out,
        new Tensor[] {x},
        saved(x),
        g -> {
          Tensor hits = x.detach().eq(outKept);
          Tensor share = hits.div(hits.sum(dims.length == 0 ? new int[0] : dims, true));
          return new Tensor[] {g.reshape(kept).mul(share)};
        });
  }

  static Tensor var(Tensor x, int[] dims, boolean keepDim, int correction) {
    boolean[] reduced = Shapes.dimMask("var", dims, x.dim());
    long count = 1;
    for (int d = 0; d < reduced.length; d++) {
      count *= reduced[d] ? x.shapeRef()[d] : 1;
    }
    if (correction < 0) {
      throw new IllegalArgumentException("var: correction must be >= 0, got " + correction);
    }
    Tensor centered = x.sub(x.mean(dims, true));
    return centered.square().sum(dims, keepDim).div(Math.max(0, count - correction));
  }

  static Tensor argReduce(boolean max, Tensor x, int dim, boolean keepDim) {
    String name = max ? "argmax" : "argmin";
    int d = Shapes.dim(name, dim, x.dim());
    if (x.shapeRef()[d] == 0) {
      throw new IllegalArgumentException(name + ": dim " + dim + " is empty");
    }
    int[] kept = x.shape();
    kept[d] = 1;
    Tensor out = Tensor.empty(DType.FLOAT64, kept);
    Tensor.backend().argReduce(max, x.strided(), d, out.strided());
    return keepDim ? out : out.squeeze(d);
  }

  // The max along dim (kept), as a constant, with infinite maxima replaced by 0. Subtracting it
  // keeps exp from overflowing; the results below do not depend on it, so it needs no gradient.
  private static Tensor shift(Tensor x, int d) {
    try (var g = GradMode.disabled()) {
      Tensor m = x.max(d, true);
      return Tensor.where(m.isFinite(), m, Tensor.zerosLike(m));
    }
  }

  static Tensor logsumexp(Tensor x, int dim, boolean keepDim) {
    int d = Shapes.dim("logsumexp", dim, x.dim());
    Tensor shift = shift(x, d);
    Tensor result = x.sub(shift).exp().sum(d, true).log().add(shift);
    return keepDim ? result : result.squeeze(d);
  }

  // One fused kernel per row: (x - m) - log(sum(exp(x - m))), the shift taken off before the log
  // is subtracted so that in float32 the result is not rounded at the magnitude of x. The
  // gradient, g - softmax(x)·sum(g), is built from tensor ops on the saved output, so it is
  // differentiable again.
  static Tensor logSoftmax(Tensor x, int dim) {
    int d = Shapes.dim("logSoftmax", dim, x.dim());
    Tensor y = softmaxKernel(true, x, d);
    return record(
        "logSoftmax",
        y,
        new Tensor[] {x},
        saved(y),
        g -> new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))});
  }

  // exp(x - m) / sum(exp(x - m)) in one kernel per row; the gradient is y·(g - sum(g·y)).
  static Tensor softmax(Tensor x, int dim) {
    int d = Shapes.dim("softmax", dim, x.dim());
    Tensor y = softmaxKernel(false, x, d);
    return record(
        "softmax",
        y,
        new Tensor[] {x},
        saved(y),
        g -> new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))});
  }

  /** Softmax (or log-softmax) along dim written into out (see {@link Tensor#writeResult}). */
  static Tensor softmaxInto(boolean log, Tensor x, int dim, Tensor out) {
    String name = log ? "logSoftmax" : "softmax";
    int d = Shapes.dim(name, dim, x.dim());
    return Tensor.writeResultLike(
        name,
        out,
        x,
        false,
        o -> Tensor.backend().softmax(log, x.strided(), d, o.strided()),
        () -> log ? logSoftmax(x, d) : softmax(x, d));
  }

  private static Tensor softmaxKernel(boolean log, Tensor x, int d) {
    // The kernel writes every element (there are none when numel is 0).
    Tensor out = Tensor.emptyToOverwrite(x.dtype(), x.shapeRef());
    if (x.numel() > 0) {
      Tensor.backend().softmax(log, x.strided(), d, out.strided());
    }
    return out;
  }

  static Tensor sumToShape(Tensor x, int[] target) {
    int[] shape = x.shapeRef();
    if (java.util.Arrays.equals(shape, target)) {
      return x;
    }
    try {
      Shapes.expandStrides("sumToShape", target, Strided.rowMajorStrides(target), shape);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "sumToShape: cannot sum "
              + Shapes.format(shape)
              + " down to "
              + Shapes.format(target)
              + ": the target must broadcast to the tensor's shape");
    }
    int lead = shape.length - target.length;
    int[] dims = new int[shape.length];
    int n = 0;
    for (int d = 0; d < shape.length; d++) {
      if (d < lead || (target[d - lead] == 1 && shape[d] != 1)) {
        dims[n++] = d;
      }
    }
    Tensor summed = n == 0 ? x : x.sum(java.util.Arrays.copyOf(dims, n), true);
    return summed.reshape(target);
  }
}

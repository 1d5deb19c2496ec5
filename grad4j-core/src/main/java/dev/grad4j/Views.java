package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;

/** Ops that change how data is seen (reshape, permute, narrow, expand) and plain copies. */
final class Views {
  private Views() {}

  static Tensor reshape(Tensor x, int[] requested, boolean viewOnly) {
    String name = viewOnly ? "view" : "reshape";
    int[] shape = Shapes.inferShape(name, requested, x.numel());
    int[] strides = Shapes.viewStrides(x.shapeRef(), x.stridesRef(), shape);
    Tensor out;
    if (strides != null) {
      out = x.view(shape, strides, x.offset());
    } else if (viewOnly) {
      throw new IllegalArgumentException(
          "view: cannot view a tensor of shape "
              + Shapes.format(x.shapeRef())
              + " and strides "
              + Shapes.format(x.stridesRef())
              + " as "
              + Shapes.format(shape)
              + " without copying; use reshape");
    } else {
      Tensor copy = Tensor.empty(x.dtype(), x.shapeRef());
      Tensor.backend().unary(UnaryOp.IDENTITY, 0, 0, x.strided(), copy.strided());
      out = copy.view(shape, Strided.rowMajorStrides(shape), 0);
    }
    int[] inputShape = x.shape();
    return record(name, out, new Tensor[] {x}, saved(), g -> new Tensor[] {g.reshape(inputShape)});
  }

  static Tensor flatten(Tensor x, int startDim, int endDim) {
    int rank = Math.max(1, x.dim());
    int s = Shapes.dim("flatten", startDim, rank);
    int e = Shapes.dim("flatten", endDim, rank);
    if (s > e) {
      throw new IllegalArgumentException(
          "flatten: start dim " + startDim + " comes after end dim " + endDim);
    }
    if (x.dim() == 0) {
      return x.reshape(1);
    }
    int[] shape = x.shapeRef();
    int[] out = new int[shape.length - (e - s)];
    for (int d = 0, k = 0; d < shape.length; d++) {
      if (d <= s || d > e) {
        out[k++] = shape[d];
      } else {
        out[k - 1] *= shape[d];
      }
    }
    return x.reshape(out);
  }

  static Tensor permute(Tensor x, int[] order) {
    int rank = x.dim();
    if (order.length != rank) {
      throw new IllegalArgumentException(
          "permute: order "
              + Shapes.format(order)
              + " has "
              + order.length
              + " dims for a tensor of shape "
              + Shapes.format(x.shapeRef()));
    }
    int[] dims = new int[rank];
    boolean[] seen = new boolean[rank];
    int[] shape = new int[rank];
    int[] strides = new int[rank];
    int[] inverse = new int[rank];
    for (int i = 0; i < rank; i++) {
      dims[i] = Shapes.dim("permute", order[i], rank);
      if (seen[dims[i]]) {
        throw new IllegalArgumentException(
            "permute: dim " + order[i] + " repeats in " + Shapes.format(order));
      }
      seen[dims[i]] = true;
      shape[i] = x.shapeRef()[dims[i]];
      strides[i] = x.stridesRef()[dims[i]];
      inverse[dims[i]] = i;
    }
    return record(
        "permute",
        x.view(shape, strides, x.offset()),
        new Tensor[] {x},
        saved(),
        g -> new Tensor[] {g.permute(inverse)});
  }

  static Tensor transpose(Tensor x, int dim0, int dim1) {
    int rank = x.dim();
    int a = Shapes.dim("transpose", dim0, rank);
    int b = Shapes.dim("transpose", dim1, rank);
    int[] order = new int[rank];
    for (int i = 0; i < rank; i++) {
      order[i] = i;
    }
    order[a] = b;
    order[b] = a;
    return permute(x, order);
  }

  static Tensor narrow(Tensor x, int dim, int start, int length) {
    int d = Shapes.dim("narrow", dim, x.dim());
    int size = x.shapeRef()[d];
    if (start < 0 || length < 0 || start + length > size) {
      throw new IllegalArgumentException(
          "narrow: start "
              + start
              + " and length "
              + length
              + " do not fit dim "
              + dim
              + " of size "
              + size
              + " (shape "
              + Shapes.format(x.shapeRef())
              + ")");
    }
    int[] shape = x.shape();
    shape[d] = length;
    int[] inputShape = x.shape();
    return record(
        "narrow",
        x.view(shape, x.strides(), x.offset() + start * x.stridesRef()[d]),
        new Tensor[] {x},
        saved(),
        g -> new Tensor[] {embed(g, d, start, inputShape)});
  }

  /** The adjoint of narrow: zeros of {@code shape} with {@code g} placed at start along dim. */
  static Tensor embed(Tensor g, int dim, int start, int[] shape) {
    Tensor out = Tensor.zeros(g.dtype(), shape);
    Tensor window = out.view(g.shapeRef(), out.stridesRef(), start * out.stridesRef()[dim]);
    Tensor.backend().unary(UnaryOp.IDENTITY, 0, 0, g.strided(), window.strided());
    int length = g.shapeRef()[dim];
    return record(
        "embed",
        out,
        new Tensor[] {g},
        saved(),
        gg -> new Tensor[] {gg.narrow(dim, start, length)});
  }

  static Tensor expand(Tensor x, int[] requested) {
    int[] target = requested.clone();
    int lead = target.length - x.dim();
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (i < lead) {
          throw new IllegalArgumentException(
              "expand: -1 is not allowed for the new leading dim "
                  + i
                  + " in "
                  + Shapes.format(requested));
        }
        target[i] = x.shapeRef()[i - lead];
      }
    }
    int[] strides = Shapes.expandStrides("expand", x.shapeRef(), x.stridesRef(), target);
    int[] inputShape = x.shape();
    return record(
        "expand",
        x.view(target, strides, x.offset()),
        new Tensor[] {x},
        saved(),
        g -> new Tensor[] {g.sumToShape(inputShape)});
  }

  static Tensor squeeze(Tensor x) {
    int n = 0;
    for (int d : x.shapeRef()) {
      n += d == 1 ? 0 : 1;
    }
    int[] shape = new int[n];
    for (int i = 0, k = 0; i < x.dim(); i++) {
      if (x.shapeRef()[i] != 1) {
        shape[k++] = x.shapeRef()[i];
      }
    }
    return x.reshape(shape);
  }

  static Tensor squeeze(Tensor x, int dim) {
    int d = Shapes.dim("squeeze", dim, x.dim());
    if (x.shapeRef()[d] != 1) {
      return x;
    }
    int[] shape = new int[x.dim() - 1];
    for (int i = 0, k = 0; i < x.dim(); i++) {
      if (i != d) {
        shape[k++] = x.shapeRef()[i];
      }
    }
    return x.reshape(shape);
  }

  static Tensor unsqueeze(Tensor x, int dim) {
    int d = Shapes.dim("unsqueeze", dim, x.dim() + 1);
    int[] shape = new int[x.dim() + 1];
    for (int i = 0, k = 0; i < shape.length; i++) {
      shape[i] = i == d ? 1 : x.shapeRef()[k++];
    }
    return x.reshape(shape);
  }

  static Tensor copy(String name, Tensor x) {
    Tensor out = Tensor.empty(x.dtype(), x.shapeRef());
    Tensor.backend().unary(UnaryOp.IDENTITY, 0, 0, x.strided(), out.strided());
    return record(name, out, new Tensor[] {x}, saved(), g -> new Tensor[] {g});
  }

  static Tensor convert(Tensor x, DType target) {
    Tensor out = Tensor.empty(target, x.shapeRef());
    Tensor.backend().unary(UnaryOp.IDENTITY, 0, 0, x.strided(), out.strided());
    DType source = x.dtype();
    return record("to", out, new Tensor[] {x}, saved(), g -> new Tensor[] {g.to(source)});
  }
}

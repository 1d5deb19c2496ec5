package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.backend.Strided;
import dev.grad4j.backend.UnaryOp;

/** Joining tensors and picking elements by integer index, with their adjoint pairs. */
final class Indexing {
  private Indexing() {}

  static Tensor cat(int dim, Tensor[] tensors) {
    if (tensors.length == 0) {
      throw new IllegalArgumentException("cat: needs at least one tensor");
    }
    Tensor first = tensors[0];
    int d = Shapes.dim("cat", dim, first.dim());
    int[] shape = first.shape();
    DType dtype = first.dtype();
    int total = 0;
    for (int i = 0; i < tensors.length; i++) {
      Tensor t = tensors[i];
      boolean match = t.dim() == first.dim();
      for (int k = 0; match && k < shape.length; k++) {
        match = k == d || t.shapeRef()[k] == shape[k];
      }
      if (!match) {
        throw new IllegalArgumentException(
            "cat: tensor "
                + i
                + " has shape "
                + Shapes.format(t.shapeRef())
                + " but tensor 0 has shape "
                + Shapes.format(first.shapeRef())
                + "; they may differ only in dim "
                + dim);
      }
      total += t.shapeRef()[d];
      dtype = DType.promote(dtype, t.dtype());
    }
    shape[d] = total;
    Tensor out = Tensor.empty(dtype, shape);
    int[] starts = new int[tensors.length];
    int[] lengths = new int[tensors.length];
    int at = 0;
    for (int i = 0; i < tensors.length; i++) {
      starts[i] = at;
      lengths[i] = tensors[i].shapeRef()[d];
      Tensor window = out.view(tensors[i].shapeRef(), out.stridesRef(), at * out.stridesRef()[d]);
      Tensor.backend().unary(UnaryOp.IDENTITY, 0, 0, tensors[i].strided(), window.strided());
      at += lengths[i];
    }
    return record(
        "cat",
        out,
        tensors.clone(),
        saved(),
        g -> {
          Tensor[] grads = new Tensor[starts.length];
          for (int i = 0; i < grads.length; i++) {
            grads[i] = g.narrow(d, starts[i], lengths[i]);
          }
          return grads;
        });
  }

  static Tensor stack(int dim, Tensor[] tensors) {
    if (tensors.length == 0) {
      throw new IllegalArgumentException("stack: needs at least one tensor");
    }
    int d = Shapes.dim("stack", dim, tensors[0].dim() + 1);
    Tensor[] expanded = new Tensor[tensors.length];
    for (int i = 0; i < tensors.length; i++) {
      if (!java.util.Arrays.equals(tensors[i].shapeRef(), tensors[0].shapeRef())) {
        throw new IllegalArgumentException(
            "stack: tensor "
                + i
                + " has shape "
                + Shapes.format(tensors[i].shapeRef())
                + " but tensor 0 has shape "
                + Shapes.format(tensors[0].shapeRef()));
      }
      expanded[i] = tensors[i].unsqueeze(d);
    }
    return cat(d, expanded);
  }

  /** Reads integer indices, checking each against the size of the indexed dim. */
  static int[] indices(String op, Tensor index, int size, int dim) {
    return indices(op, index, size, "index", "dim " + dim + " of size " + size);
  }

  /** Reads integer values in [0, size); the error names them {@code noun} within {@code range}. */
  static int[] indices(String op, Tensor index, int size, String noun, String range) {
    double[] values = index.toDoubleArray();
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      double v = values[i];
      if (v != Math.rint(v) || v < 0 || v >= size) {
        throw new IndexOutOfBoundsException(
            op
                + ": "
                + noun
                + " "
                + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v))
                + " is out of range for "
                + range
                + " (expected integers 0 to "
                + (size - 1)
                + ")");
      }
      out[i] = (int) v;
    }
    return out;
  }

  static Tensor indexSelect(Tensor x, int dim, Tensor index) {
    int d = Shapes.dim("indexSelect", dim, x.dim());
    if (index.dim() != 1) {
      throw new IllegalArgumentException(
          "indexSelect: index must be 1-D, got shape " + Shapes.format(index.shapeRef()));
    }
    int[] idx = indices("indexSelect", index, x.shapeRef()[d], d);
    int[] shape = x.shape();
    shape[d] = idx.length;
    Tensor out = Tensor.empty(x.dtype(), shape);
    Tensor.backend().indexSelect(x.strided(), d, idx, out.strided());
    int[] inputShape = x.shape();
    Tensor indexData = index.detach();
    return record(
        "indexSelect",
        out,
        new Tensor[] {x},
        saved(index),
        g -> new Tensor[] {indexAdd(inputShape, d, indexData, g)});
  }

  static Tensor indexAdd(int[] shape, int dim, Tensor index, Tensor src) {
    int d = Shapes.dim("indexAdd", dim, shape.length);
    boolean fits = index.dim() == 1 && src.dim() == shape.length;
    for (int k = 0; fits && k < shape.length; k++) {
      fits = src.shapeRef()[k] == (k == d ? index.numel() : shape[k]);
    }
    if (!fits) {
      throw new IllegalArgumentException(
          "indexAdd: src "
              + Shapes.format(src.shapeRef())
              + " and index "
              + Shapes.format(index.shapeRef())
              + " do not fit shape "
              + Shapes.format(shape)
              + " along dim "
              + dim);
    }
    int[] idx = indices("indexAdd", index, shape[d], d);
    Tensor out = Tensor.zeros(src.dtype(), shape);
    Tensor.backend().indexAdd(src.strided(), d, idx, out.strided());
    Tensor indexData = index.detach();
    return record(
        "indexAdd",
        out,
        new Tensor[] {src},
        saved(index),
        g -> new Tensor[] {g.indexSelect(d, indexData)});
  }

  private static void checkGatherShapes(String op, int[] data, int d, Tensor index) {
    boolean ok = index.dim() == data.length;
    for (int k = 0; ok && k < data.length; k++) {
      ok = k == d || index.shapeRef()[k] <= data[k];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          op
              + ": index of shape "
              + Shapes.format(index.shapeRef())
              + " does not fit a tensor of shape "
              + Shapes.format(data)
              + " along dim "
              + d
              + " (same rank, and no larger in the other dims)");
    }
  }

  static Tensor gather(Tensor x, int dim, Tensor index) {
    int d = Shapes.dim("gather", dim, x.dim());
    checkGatherShapes("gather", x.shapeRef(), d, index);
    indices("gather", index, x.shapeRef()[d], d);
    Tensor out = Tensor.empty(x.dtype(), index.shapeRef());
    Strided xs = x.strided();
    // Only the leading index-sized window of the other dims is read.
    Strided window =
        new Strided(
            xs.storage(), withDim(index.shapeRef(), d, x.shapeRef()[d]), xs.strides(), xs.offset());
    Tensor.backend().gather(window, d, index.strided(), out.strided());
    int[] inputShape = x.shape();
    Tensor indexData = index.detach();
    return record(
        "gather",
        out,
        new Tensor[] {x},
        saved(index),
        g -> new Tensor[] {scatterAdd(inputShape, d, indexData, g)});
  }

  private static int[] withDim(int[] shape, int d, int size) {
    int[] out = shape.clone();
    out[d] = size;
    return out;
  }

  static Tensor scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
    int d = Shapes.dim("scatterAdd", dim, shape.length);
    checkGatherShapes("scatterAdd", shape, d, index);
    if (!java.util.Arrays.equals(index.shapeRef(), src.shapeRef())) {
      throw new IllegalArgumentException(
          "scatterAdd: index shape "
              + Shapes.format(index.shapeRef())
              + " differs from src shape "
              + Shapes.format(src.shapeRef()));
    }
    indices("scatterAdd", index, shape[d], d);
    Tensor out = Tensor.zeros(src.dtype(), shape);
    Strided os = out.strided();
    Strided window =
        new Strided(os.storage(), withDim(index.shapeRef(), d, shape[d]), os.strides(), 0);
    Tensor.backend().scatterAdd(src.strided(), d, index.strided(), window);
    Tensor indexData = index.detach();
    return record(
        "scatterAdd",
        out,
        new Tensor[] {src},
        saved(index),
        g -> new Tensor[] {g.gather(d, indexData)});
  }

  static Tensor oneHot(Tensor labels, int numClasses) {
    if (numClasses <= 0) {
      throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
    }
    indices("oneHot", labels, numClasses, "label", numClasses + " classes");
    int[] shape = java.util.Arrays.copyOf(labels.shapeRef(), labels.dim() + 1);
    shape[labels.dim()] = numClasses;
    Tensor index = labels.detach().unsqueeze(labels.dim());
    Tensor ones = Tensor.ones(index.shapeRef());
    return scatterAdd(shape, labels.dim(), index, ones);
  }
}

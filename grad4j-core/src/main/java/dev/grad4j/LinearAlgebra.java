package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import java.util.Arrays;

/** Matrix products. */
final class LinearAlgebra {
  private LinearAlgebra() {}

  /** NumPy matmul: vectors are promoted to matrices and the added dim is removed afterwards. */
  static Tensor matmul(Tensor a, Tensor b) {
    checkOperands(a, b);
    if (a.dim() == 1 && b.dim() == 1) {
      return batched(a.unsqueeze(0), b.unsqueeze(1)).reshape();
    }
    if (a.dim() == 1) {
      return batched(a.unsqueeze(0), b).squeeze(-2);
    }
    if (b.dim() == 1) {
      return batched(a, b.unsqueeze(1)).squeeze(-1);
    }
    return batched(a, b);
  }

  /** matmul written into out (see {@link Tensor#writeResult}). */
  static Tensor matmulInto(Tensor a, Tensor b, Tensor out) {
    checkOperands(a, b);
    Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
    Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    int[] full = productShape(a2, b2);
    int r = full.length;
    // Without the dims that promoting a vector added.
    int[] shape =
        java.util.stream.IntStream.range(0, r)
            .filter(d -> !(d == r - 2 && a.dim() == 1) && !(d == r - 1 && b.dim() == 1))
            .map(d -> full[d])
            .toArray();
    return Tensor.writeResult(
        "matmul",
        out,
        DType.promote(a.dtype(), b.dtype()),
        shape,
        new Tensor[] {a, b},
        false,
        o -> product(a2, b2, o),
        () -> matmul(a, b));
  }

  // Both at least 1-D, inner dims equal, batch dims broadcastable.
  private static void checkOperands(Tensor a, Tensor b) {
    if (a.dim() == 0 || b.dim() == 0) {
      throw new IllegalArgumentException(
          "matmul: both operands need at least 1 dim, got "
              + Shapes.format(a.shapeRef())
              + " and "
              + Shapes.format(b.shapeRef()));
    }
    // Checked here, before vectors are promoted, so that the message shows the caller's shapes.
    checkInner(a, b, a.size(-1), b.size(b.dim() == 1 ? 0 : -2));
    if (a.dim() > 2 || b.dim() > 2) {
      int[] batchA = Arrays.copyOf(a.shapeRef(), Math.max(0, a.dim() - 2));
      int[] batchB = Arrays.copyOf(b.shapeRef(), Math.max(0, b.dim() - 2));
      try {
        Shapes.broadcast("matmul", batchA, batchB);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "matmul: cannot broadcast the batch dims of "
                + Shapes.format(a.shapeRef())
                + " and "
                + Shapes.format(b.shapeRef())
                + " ("
                + Shapes.format(batchA)
                + " vs "
                + Shapes.format(batchB)
                + ")");
      }
    }
  }

  private static void checkInner(Tensor a, Tensor b, int k1, int k2) {
    if (k1 != k2) {
      throw new IllegalArgumentException(
          "matmul: cannot multiply "
              + Shapes.format(a.shapeRef())
              + " by "
              + Shapes.format(b.shapeRef())
              + " ("
              + k1
              + " != "
              + k2
              + ")");
    }
  }

  // Both operands have rank >= 2: [..., m, k] @ [..., k, n] with broadcast batch dims.
  private static Tensor batched(Tensor a, Tensor b) {
    // The backend's matmul writes every element of out.
    Tensor out = Tensor.emptyToOverwrite(DType.promote(a.dtype(), b.dtype()), productShape(a, b));
    product(a, b, out);
    boolean needA = a.requiresGrad();
    boolean needB = b.requiresGrad();
    return record(
        "matmul",
        out,
        new Tensor[] {a, b},
        saved(a, b),
        g ->
            new Tensor[] {
              // Skip the product for an operand that needs no gradient (a constant input batch,
              // frozen weights): it is the most expensive part of backward.
              needA ? gradientOfA(a, b, g) : null, needB ? gradientOfB(a, b, g) : null
            });
  }

  // The batch dims of two operands of rank >= 2, broadcast.
  private static int[] batchShape(Tensor a, Tensor b) {
    return Shapes.broadcast(
        "matmul",
        Arrays.copyOf(a.shapeRef(), a.dim() - 2),
        Arrays.copyOf(b.shapeRef(), b.dim() - 2));
  }

  // batch ++ [m, n] for operands of rank >= 2.
  private static int[] productShape(Tensor a, Tensor b) {
    checkInner(a, b, a.size(-1), b.size(-2));
    int[] batch = batchShape(a, b);
    int[] shape = Arrays.copyOf(batch, batch.length + 2);
    shape[batch.length] = a.size(-2);
    shape[batch.length + 1] = b.size(-1);
    return shape;
  }

  // The backend's product of a and b (rank >= 2) into out, contiguous with the elements of
  // productShape(a, b), every one of which it writes.
  private static void product(Tensor a, Tensor b, Tensor out) {
    int m = a.size(-2);
    int k = a.size(-1);
    int n = b.size(-1);
    int[] batch = batchShape(a, b);
    int batchSize = Shapes.numel(batch);
    Tensor.backend()
        .matmul(
            asBatch(a.to(out.dtype()), batch, batchSize, m, k),
            asBatch(b.to(out.dtype()), batch, batchSize, k, n),
            out.view(new int[] {batchSize, m, n}, new int[] {m * n, n, 1}, out.offset()).strided());
  }

  // dA = g Bᵀ. When A is itself a transposed view (Linear's weight.t()), the product is formed as
  // (B gᵀ)ᵀ: the same sums, but written in the layout of A's base, so that transposing it back to
  // the base's gradient gives a contiguous tensor and no transposing copy.
  private static Tensor gradientOfA(Tensor a, Tensor b, Tensor g) {
    return storedTransposed(a)
        ? b.matmul(g.transpose(-1, -2)).transpose(-1, -2)
        : g.matmul(b.transpose(-1, -2));
  }

  // dB = Aᵀ g, formed as (gᵀ A)ᵀ when B is a transposed view, for the same reason.
  private static Tensor gradientOfB(Tensor a, Tensor b, Tensor g) {
    return storedTransposed(b)
        ? g.transpose(-1, -2).matmul(a).transpose(-1, -2)
        : a.transpose(-1, -2).matmul(g);
  }

  // Whether the last two dims are a transposed view of a dense matrix: strides (1, rows), rows > 1.
  private static boolean storedTransposed(Tensor t) {
    int r = t.dim();
    int rows = t.size(-2);
    return rows > 1 && t.stridesRef()[r - 2] == 1 && t.stridesRef()[r - 1] == rows;
  }

  // The operand broadcast to batch ++ [rows, cols] and seen as [batchSize, rows, cols].
  private static dev.grad4j.backend.Strided asBatch(
      Tensor t, int[] batch, int batchSize, int rows, int cols) {
    int[] full = Arrays.copyOf(batch, batch.length + 2);
    full[batch.length] = rows;
    full[batch.length + 1] = cols;
    int[] strides = Shapes.expandStrides("matmul", t.shapeRef(), t.stridesRef(), full);
    int[] three = {batchSize, rows, cols};
    int[] viewed = Shapes.viewStrides(full, strides, three);
    if (viewed != null) {
      return new dev.grad4j.backend.Strided(t.strided().storage(), three, viewed, t.offset());
    }
    Tensor dense = Tensor.empty(t.dtype(), full);
    Tensor.backend()
        .unary(
            dev.grad4j.backend.UnaryOp.IDENTITY,
            0,
            0,
            new dev.grad4j.backend.Strided(t.strided().storage(), full, strides, t.offset()),
            dense.strided());
    return dense.view(three, dev.grad4j.backend.Strided.rowMajorStrides(three), 0).strided();
  }
}

package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.autograd.GradMode;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The into-forms ({@code x.add(y, out)}, {@code x.exp(out)}, {@code x.softmax(dim, out)}, {@code
 * a.matmul(b, out)}, ...): the bits of the op that returns a new tensor, written into out whatever
 * its layout, and the checks that keep them from writing where they must not.
 */
class IntoFormsTest {

  private record Unary(
      String name, Function<Tensor, Tensor> fresh, BiFunction<Tensor, Tensor, Tensor> into) {}

  private record Binary(
      String name,
      BiFunction<Tensor, Tensor, Tensor> fresh,
      TriFunction<Tensor, Tensor, Tensor, Tensor> into) {}

  @FunctionalInterface
  private interface TriFunction<A, B, C, R> {
    R apply(A a, B b, C c);
  }

  private static final Unary[] UNARY = {
    new Unary("neg", Tensor::neg, Tensor::neg),
    new Unary("exp", Tensor::exp, Tensor::exp),
    new Unary("log", Tensor::log, Tensor::log),
    new Unary("sqrt", Tensor::sqrt, Tensor::sqrt),
    new Unary("abs", Tensor::abs, Tensor::abs),
    new Unary("tanh", Tensor::tanh, Tensor::tanh),
    new Unary("sigmoid", Tensor::sigmoid, Tensor::sigmoid),
    new Unary("relu", Tensor::relu, Tensor::relu),
    new Unary("softmax", x -> x.softmax(1), (x, out) -> x.softmax(1, out)),
    new Unary("softmax dim 0", x -> x.softmax(0), (x, out) -> x.softmax(0, out)),
    new Unary("logSoftmax", x -> x.logSoftmax(1), (x, out) -> x.logSoftmax(1, out)),
  };

  private static final Binary[] BINARY = {
    new Binary("add", Tensor::add, Tensor::add),
    new Binary("sub", Tensor::sub, Tensor::sub),
    new Binary("mul", Tensor::mul, Tensor::mul),
    new Binary("div", Tensor::div, Tensor::div),
  };

  // Outs of the given shape in four layouts: a new contiguous tensor, a contiguous block inside a
  // larger storage (the kernel writes at an offset), a transposed view and a strided slice (both
  // through a temporary). Each starts full of NaN, so that an element left unwritten shows.
  private static Tensor[] outs(DType dtype, int rows, int cols) {
    return new Tensor[] {
      Tensor.zeros(dtype, rows, cols).fill(Double.NaN),
      Tensor.zeros(dtype, rows + 2, cols).fill(Double.NaN).narrow(0, 1, rows),
      Tensor.zeros(dtype, cols, rows).fill(Double.NaN).t(),
      Tensor.zeros(dtype, rows, 2 * cols)
          .fill(Double.NaN)
          .narrow(1, 0, 2 * cols - 1)
          .narrow(1, 0, cols),
    };
  }

  @Test
  void elementwiseAndSoftmaxGiveTheBitsOfTheFreshOpInEveryLayoutOfOut() {
    Generator gen = new Generator(21);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      // Small, and large enough for the parallel float32 paths.
      for (int[] s : new int[][] {{5, 7}, {300, 260}}) {
        Tensor x = Tensor.randn(gen, s[0], s[1]).mul(3).to(dtype);
        Tensor positive = x.abs().add(0.5);
        Tensor row = Tensor.randn(gen, s[1]).add(4).to(dtype); // no zeros: div
        for (Unary op : UNARY) {
          Tensor in = op.name().equals("log") || op.name().equals("sqrt") ? positive : x;
          double[] want = op.fresh().apply(in).toDoubleArray();
          for (Tensor out : outs(dtype, s[0], s[1])) {
            int version = out.version();
            assertSame(out, op.into().apply(in, out), op.name());
            assertArrayEquals(want, out.toDoubleArray(), op.name() + " " + dtype);
            assertTrue(out.version() > version, op.name() + ": version bumped");
          }
        }
        for (Binary op : BINARY) {
          for (Tensor other : new Tensor[] {positive, row, positive.t().contiguous().t()}) {
            double[] want = op.fresh().apply(x, other).toDoubleArray();
            for (Tensor out : outs(dtype, s[0], s[1])) {
              assertSame(out, op.into().apply(x, other, out), op.name());
              assertArrayEquals(want, out.toDoubleArray(), op.name() + " " + dtype);
            }
          }
        }
      }
    }
  }

  @Test
  void scalarOperandsGiveTheBitsOfTheFreshOp() {
    Generator gen = new Generator(24);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Tensor x = Tensor.randn(gen, 300, 260).to(dtype);
      for (Tensor out : outs(dtype, 300, 260)) {
        assertArrayEquals(x.add(1.5).toDoubleArray(), x.add(1.5, out).toDoubleArray(), "add");
        assertArrayEquals(x.sub(1.5).toDoubleArray(), x.sub(1.5, out).toDoubleArray(), "sub");
        assertArrayEquals(x.mul(1.5).toDoubleArray(), x.mul(1.5, out).toDoubleArray(), "mul");
        assertArrayEquals(x.div(1.5).toDoubleArray(), x.div(1.5, out).toDoubleArray(), "div");
        assertArrayEquals(x.rsub(1.5).toDoubleArray(), x.rsub(1.5, out).toDoubleArray(), "rsub");
      }
    }
  }

  // Row-major strides before a dim of size 0 are 0, which must not read as an expand() view.
  @Test
  void zeroSizeOutsTakeTheirEmptyResults() {
    Tensor a = Tensor.randn(new Generator(25), 6, 7);
    Tensor b = Tensor.zeros(7, 0);
    Tensor product = Tensor.zeros(6, 0);
    assertSame(product, a.matmul(b, product));
    Tensor empty = Tensor.zeros(3, 0);
    int version = empty.version();
    assertSame(empty, empty.exp(empty));
    assertTrue(empty.version() > version, "version bumped");
    Tensor rows = Tensor.zeros(0, 4);
    assertSame(rows, rows.softmax(1, Tensor.zeros(0, 4)).add(rows, rows));
  }

  @Test
  void outMayBeAnInputOrOverlapOne() {
    Generator gen = new Generator(22);
    Tensor x = Tensor.randn(gen, 40, 30);
    double[] exp = x.exp().toDoubleArray();
    double[] softmax = x.softmax(1).toDoubleArray();
    double[] twice = x.add(x).toDoubleArray();

    Tensor a = x.clone();
    assertSame(a, a.exp(a));
    assertArrayEquals(exp, a.toDoubleArray(), "exp into its own input");
    Tensor b = x.clone();
    b.softmax(1, b);
    assertArrayEquals(softmax, b.toDoubleArray(), "softmax into its own input");
    Tensor c = x.clone();
    c.add(c, c);
    assertArrayEquals(twice, c.toDoubleArray(), "add into both of its inputs");

    // Shifted by a row: each element written would be read later as an input, by another position.
    Tensor d = x.clone();
    double[] shifted = d.narrow(0, 1, 39).exp().toDoubleArray();
    d.narrow(0, 1, 39).exp(d.narrow(0, 0, 39));
    assertArrayEquals(shifted, d.narrow(0, 0, 39).toDoubleArray(), "exp into a shifted overlap");
    Tensor e = x.clone();
    double[] sum = e.narrow(0, 0, 39).add(e.narrow(0, 1, 39)).toDoubleArray();
    e.narrow(0, 0, 39).add(e.narrow(0, 1, 39), e.narrow(0, 1, 39));
    assertArrayEquals(sum, e.narrow(0, 1, 39).toDoubleArray(), "add into a shifted overlap");

    // A product into one of its operands: every output element reads a whole row and column, so
    // the kernel must not see its partial writes.
    Tensor m = Tensor.randn(gen, 6, 6);
    Tensor n = Tensor.randn(gen, 6, 6);
    double[] product = m.matmul(n).toDoubleArray();
    m.matmul(n, m);
    assertArrayEquals(product, m.toDoubleArray(), "matmul into its left operand");
  }

  @Test
  void matmulIntoGivesTheBitsOfMatmulForVectorsMatricesAndBatches() {
    Generator gen = new Generator(23);
    int[][][] cases = {
      {{70, 50}, {50, 90}},
      {{50}, {50, 90}},
      {{70, 50}, {50}},
      {{50}, {50}},
      {{3, 70, 50}, {50, 90}},
      {{2, 1, 7, 5}, {3, 5, 4}},
    };
    for (int[][] c : cases) {
      Tensor a = Tensor.randn(gen, c[0]);
      Tensor b = Tensor.randn(gen, c[1]);
      Tensor want = a.matmul(b);
      Tensor out = Tensor.zeros(want.shape()).fill(Double.NaN);
      assertSame(out, a.matmul(b, out));
      assertArrayEquals(want.toDoubleArray(), out.toDoubleArray(), java.util.Arrays.toString(c[0]));
      if (want.dim() == 2) {
        Tensor block =
            Tensor.zeros(want.size(0) + 1, want.size(1))
                .fill(Double.NaN)
                .narrow(0, 1, want.size(0));
        a.matmul(b, block);
        assertArrayEquals(want.toDoubleArray(), block.toDoubleArray(), "at an offset");
        Tensor transposed = Tensor.zeros(want.size(1), want.size(0)).t();
        a.matmul(b, transposed);
        assertArrayEquals(want.toDoubleArray(), transposed.toDoubleArray(), "transposed out");
      }
    }
  }

  @Test
  void wrongShapesAndDtypesNameTheOpAndBothAndWriteNothing() {
    Tensor x = Tensor.ones(3, 3);
    Tensor out = Tensor.zeros(2, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.add(x, out));
    assertEquals("add: out has shape [2, 3] but the result has shape [3, 3]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> x.exp(Tensor.zeros(DType.FLOAT64, 3, 3)));
    assertEquals("exp: out is float64 but the result is float32", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.ones(2, 3).matmul(x, Tensor.zeros(3, 3)));
    assertEquals("matmul: out has shape [3, 3] but the result has shape [2, 3]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.ones(2, 4).matmul(x, Tensor.zeros(2, 3)));
    assertEquals("matmul: cannot multiply [2, 4] by [3, 3] (4 != 3)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.add(Tensor.ones(4), out));
    assertTrue(e.getMessage().startsWith("add: cannot broadcast [3, 3] with [4]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.softmax(2, Tensor.zeros(3, 3)));
    assertTrue(e.getMessage().startsWith("softmax: "), e.getMessage());
    // An expand() view writes each element through several positions.
    e = assertThrows(IllegalArgumentException.class, () -> x.relu(Tensor.zeros(3).expand(3, 3)));
    assertEquals(
        "relu: out of shape [3, 3] and strides [0, 1] reaches some elements through several"
            + " positions (an expand() view); give an out with distinct elements, such as a new"
            + " tensor",
        e.getMessage());
    NullPointerException npe = assertThrows(NullPointerException.class, () -> x.add(x, null));
    assertEquals("add: out is null", npe.getMessage());
    assertEquals(0, out.abs().sum().item(), "nothing was written");
  }

  @Test
  void refusedWhileRecordingWhenAnInputRequiresGradAndAllowedWithoutRecording() {
    Tensor w = Tensor.ones(2, 2).requiresGrad(true);
    Tensor out = Tensor.zeros(2, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.matmul(w, out));
    assertEquals(
        "matmul: the form writing into out records no gradient, and an input requires grad; call it"
            + " inside GradMode.disabled(), or use the form that returns a new tensor",
        e.getMessage());
    assertThrows(IllegalStateException.class, () -> Tensor.ones(2, 2).mul(w, out));
    assertThrows(IllegalStateException.class, () -> w.tanh(out));
    // Out itself a leaf that requires grad: the in-place rule.
    e = assertThrows(IllegalStateException.class, () -> Tensor.ones(2, 2).exp(w));
    assertTrue(e.getMessage().startsWith("exp: in-place change of a tensor that requires grad"));
    assertEquals(0, out.abs().sum().item(), "nothing was written");
    try (var g = GradMode.disabled()) {
      w.add(w, out);
    }
    assertArrayEquals(new float[] {2, 2, 2, 2}, out.toFloatArray());
    assertTrue(!out.requiresGrad() && out.gradFn() == null, "nothing recorded");
  }

  @Test
  void writingIntoATensorSavedForBackwardIsReportedWhenBackwardRuns() {
    Tensor w = Tensor.ones(3).requiresGrad(true);
    Tensor saved = Tensor.ones(3).mul(2);
    Tensor loss = w.mul(saved).sum(); // saves `saved` for w's gradient
    Tensor.ones(3).exp(saved);
    IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("modified in place"), e.getMessage());
  }
}

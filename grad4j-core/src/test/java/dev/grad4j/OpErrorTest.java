package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.autograd.GradMode;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every user mistake gets a clear exception that names the op and the shapes involved. */
class OpErrorTest {

  private static void message(Class<? extends Throwable> type, String expected, Executable call) {
    Throwable e = assertThrows(type, call);
    assertEquals(expected, e.getMessage());
  }

  private static void startsWith(
      Class<? extends Throwable> type, String expectedStart, Executable call) {
    Throwable e = assertThrows(type, call);
    assertTrue(
        e.getMessage().startsWith(expectedStart),
        "message '" + e.getMessage() + "' should start with '" + expectedStart + "'");
  }

  private static Tensor z(int... shape) {
    return Tensor.zeros(shape);
  }

  @Test
  void matmulShapeMismatch() {
    message(
        IllegalArgumentException.class,
        "matmul: cannot multiply [64, 784] by [512, 10] (784 != 512)",
        () -> z(64, 784).matmul(z(512, 10)));
    message(
        IllegalArgumentException.class,
        "matmul: cannot multiply [2, 5, 3] by [2, 4, 6] (3 != 4)",
        () -> z(2, 5, 3).matmul(z(2, 4, 6)));
    message(
        IllegalArgumentException.class,
        "matmul: both operands need at least 1 dim, got [] and [2, 3]",
        () -> Tensor.scalar(1).matmul(z(2, 3)));
  }

  @Test
  void matmulMessagesShowTheCallersShapesForVectors() {
    // Vectors are promoted to matrices inside; the message used to show [1, 3] and [4, 1].
    message(
        IllegalArgumentException.class,
        "matmul: cannot multiply [3] by [4, 2] (3 != 4)",
        () -> z(3).matmul(z(4, 2)));
    message(
        IllegalArgumentException.class,
        "matmul: cannot multiply [2, 3] by [4] (3 != 4)",
        () -> z(2, 3).matmul(z(4)));
    message(
        IllegalArgumentException.class,
        "matmul: cannot multiply [3] by [4] (3 != 4)",
        () -> z(3).matmul(z(4)));
  }

  @Test
  void matmulBatchBroadcastMessageNamesBothShapes() {
    message(
        IllegalArgumentException.class,
        "matmul: cannot broadcast the batch dims of [2, 3, 4] and [5, 4, 2] ([2] vs [5])",
        () -> z(2, 3, 4).matmul(z(5, 4, 2)));
  }

  @Test
  void broadcastErrorsNameTheOpAndBothShapes() {
    message(
        IllegalArgumentException.class,
        "add: cannot broadcast [2, 3] with [4] (dim -1: 3 vs 4)",
        () -> z(2, 3).add(z(4)));
    String[] names = {"sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt", "ge"};
    @SuppressWarnings("unchecked")
    BinaryOperator<Tensor>[] ops =
        new BinaryOperator[] {
          (BinaryOperator<Tensor>) Tensor::sub,
          (BinaryOperator<Tensor>) Tensor::mul,
          (BinaryOperator<Tensor>) Tensor::div,
          (BinaryOperator<Tensor>) Tensor::pow,
          (BinaryOperator<Tensor>) Tensor::maximum,
          (BinaryOperator<Tensor>) Tensor::minimum,
          (BinaryOperator<Tensor>) Tensor::eq,
          (BinaryOperator<Tensor>) Tensor::lt,
          (BinaryOperator<Tensor>) Tensor::ge
        };
    for (int i = 0; i < ops.length; i++) {
      BinaryOperator<Tensor> op = ops[i];
      message(
          IllegalArgumentException.class,
          names[i] + ": cannot broadcast [3, 2] with [2, 3] (dim -2: 3 vs 2)",
          () -> op.apply(z(3, 2), z(2, 3)));
    }
    message(
        IllegalArgumentException.class,
        "where: cannot broadcast [4] with [2, 3] (dim -1: 4 vs 3)",
        () -> Tensor.where(z(4), z(2, 3), z(2, 3)));
    message(
        IllegalArgumentException.class,
        "addInPlace: cannot broadcast [3] with [4] (dim -1: 3 vs 4)",
        () -> z(3).addInPlace(z(4)));
    message(
        IllegalArgumentException.class,
        "expand: cannot expand [2, 3] to [2, 4] (dim 1: 3 vs 4)",
        () -> z(2, 3).expand(2, 4));
    message(
        IllegalArgumentException.class,
        "expand: cannot expand [2, 3] to fewer dims [3]",
        () -> z(2, 3).expand(3));
  }

  @Test
  void badDims() {
    message(
        IllegalArgumentException.class,
        "sum: dim 2 is out of range for a tensor of rank 2 (expected -2 to 1)",
        () -> z(2, 3).sum(2));
    message(
        IllegalArgumentException.class,
        "squeeze: dim 0 is out of range for a tensor of rank 0 (expected none: it is a scalar)",
        () -> Tensor.scalar(1).squeeze(0));
    message(
        IllegalArgumentException.class,
        "var: dim -2 appears twice in [0, -2] (rank 2)",
        () -> z(2, 3).var(new int[] {0, -2}, false, 1));
    Tensor x = z(2, 3);
    Object[][] calls = {
      {"mean", (Function<Tensor, Object>) t -> t.mean(-3)},
      {"max", (Function<Tensor, Object>) t -> t.max(5, false)},
      {"min", (Function<Tensor, Object>) t -> t.min(new int[] {2}, true)},
      {"argmax", (Function<Tensor, Object>) t -> t.argmax(2, false)},
      {"logsumexp", (Function<Tensor, Object>) t -> t.logsumexp(2, false)},
      {"softmax", (Function<Tensor, Object>) t -> t.softmax(2)},
      {"logSoftmax", (Function<Tensor, Object>) t -> t.logSoftmax(-3)},
      {"transpose", (Function<Tensor, Object>) t -> t.transpose(0, 2)},
      {"permute", (Function<Tensor, Object>) t -> t.permute(0, 2)},
      {"narrow", (Function<Tensor, Object>) t -> t.narrow(2, 0, 1)},
      {"select", (Function<Tensor, Object>) t -> t.select(2, 0)},
      {"unsqueeze", (Function<Tensor, Object>) t -> t.unsqueeze(3)},
      {"flatten", (Function<Tensor, Object>) t -> t.flatten(0, 2)},
      {"cat", (Function<Tensor, Object>) t -> Tensor.cat(2, t, t)},
      {"stack", (Function<Tensor, Object>) t -> Tensor.stack(3, t, t)},
      {"indexSelect", (Function<Tensor, Object>) t -> t.indexSelect(2, Tensor.vector(0.0))},
      {"gather", (Function<Tensor, Object>) t -> t.gather(-3, Tensor.zeros(1, 1))},
      {"size", (Function<Tensor, Object>) t -> t.size(2)},
    };
    for (Object[] call : calls) {
      @SuppressWarnings("unchecked")
      Function<Tensor, Object> f = (Function<Tensor, Object>) call[1];
      startsWith(IllegalArgumentException.class, call[0] + ": dim ", () -> f.apply(x));
    }
    message(
        IllegalArgumentException.class, "permute: dim 0 repeats in [0, 0]", () -> x.permute(0, 0));
    message(
        IllegalArgumentException.class,
        "permute: order [0] has 1 dims for a tensor of shape [2, 3]",
        () -> x.permute(0));
    message(
        IllegalArgumentException.class,
        "t: expects a tensor of at most 2 dims, got [2, 3, 4]; use transpose",
        () -> z(2, 3, 4).t());
  }

  @Test
  void narrowAndSelectOutOfRange() {
    message(
        IllegalArgumentException.class,
        "narrow: start 2 and length 2 do not fit dim 1 of size 3 (shape [2, 3])",
        () -> z(2, 3).narrow(1, 2, 2));
    startsWith(IllegalArgumentException.class, "narrow: start -1", () -> z(2, 3).narrow(1, -1, 1));
    // select used to report this as narrow's IllegalArgumentException.
    message(
        IndexOutOfBoundsException.class,
        "select: index 3 is out of range for dim 1 of size 3 (shape [2, 3])",
        () -> z(2, 3).select(1, 3));
    message(
        IndexOutOfBoundsException.class,
        "select: index -3 is out of range for dim 0 of size 2 (shape [2, 3])",
        () -> z(2, 3).select(0, -3));
    message(
        IndexOutOfBoundsException.class,
        "get: index 2 is out of range for dim 0 of size 2",
        () -> z(2, 3).get(2, 0));
    message(
        IllegalArgumentException.class,
        "get: 1 indices for a tensor of rank 2",
        () -> z(2, 3).get(0));
  }

  @Test
  void reshapeElementCountMismatch() {
    message(
        IllegalArgumentException.class,
        "reshape: cannot reshape 6 elements into [4, 2] (8 elements)",
        () -> z(2, 3).reshape(4, 2));
    message(
        IllegalArgumentException.class,
        "view: cannot reshape 6 elements into [4, 2] (8 elements)",
        () -> z(2, 3).view(4, 2));
    message(
        IllegalArgumentException.class,
        "reshape: cannot reshape 6 elements into [4, -1]",
        () -> z(2, 3).reshape(4, -1));
    message(
        IllegalArgumentException.class,
        "reshape: only one dim can be -1 in [-1, -1]",
        () -> z(2, 3).reshape(-1, -1));
    message(
        IllegalArgumentException.class,
        "of: 2 values do not fill shape [3] (3 elements)",
        () -> Tensor.of(new double[] {1, 2}, 3));
    message(
        IllegalArgumentException.class,
        "zeros: negative dimension in shape [2, -1]",
        () -> Tensor.zeros(2, -1));
  }

  @Test
  void indicesOutOfRangeAreIndexOutOfBounds() {
    Tensor x = z(3, 2);
    message(
        IndexOutOfBoundsException.class,
        "indexSelect: index 3 is out of range for dim 0 of size 3 (expected integers 0 to 2)",
        () -> x.indexSelect(0, Tensor.of(new int[] {0, 3}, 2)));
    message(
        IndexOutOfBoundsException.class,
        "indexSelect: index -1 is out of range for dim 1 of size 2 (expected integers 0 to 1)",
        () -> x.indexSelect(1, Tensor.of(new int[] {-1}, 1)));
    message(
        IndexOutOfBoundsException.class,
        "indexSelect: index 0.5 is out of range for dim 0 of size 3 (expected integers 0 to 2)",
        () -> x.indexSelect(0, Tensor.vector(0.5)));
    message(
        IndexOutOfBoundsException.class,
        "gather: index 2 is out of range for dim 1 of size 2 (expected integers 0 to 1)",
        () -> x.gather(1, Tensor.of(new int[] {0, 2}, 1, 2)));
    message(
        IndexOutOfBoundsException.class,
        "scatterAdd: index 5 is out of range for dim 0 of size 2 (expected integers 0 to 1)",
        () -> Tensor.scatterAdd(new int[] {2}, 0, Tensor.of(new int[] {5}, 1), Tensor.ones(1)));
    message(
        IndexOutOfBoundsException.class,
        "indexAdd: index 3 is out of range for dim 0 of size 3 (expected integers 0 to 2)",
        () -> Tensor.indexAdd(new int[] {3}, 0, Tensor.of(new int[] {3}, 1), Tensor.ones(1)));
    message(
        IndexOutOfBoundsException.class,
        "oneHot: label 5 is out of range for 3 classes (expected integers 0 to 2)",
        () -> Tensor.vector(0.0, 5).oneHot(3));
  }

  @Test
  void indexShapesThatDoNotFit() {
    message(
        IllegalArgumentException.class,
        "indexSelect: index must be 1-D, got shape [1, 1]",
        () -> z(3, 2).indexSelect(0, Tensor.zeros(1, 1)));
    message(
        IllegalArgumentException.class,
        "gather: index of shape [1] does not fit a tensor of shape [2, 3] along dim 0 (same rank,"
            + " and no larger in the other dims)",
        () -> z(2, 3).gather(0, Tensor.zeros(1)));
    message(
        IllegalArgumentException.class,
        "scatterAdd: index shape [1, 2] differs from src shape [2, 1]",
        () -> Tensor.scatterAdd(new int[] {2, 2}, 0, Tensor.zeros(1, 2), Tensor.ones(2, 1)));
  }

  @Test
  void indexAddChecksEverySrcDim() {
    // src [2, 5] into [3, 4] along dim 0 used to be accepted (reading a wrong window of src), and
    // src [2, 3] threw ArrayIndexOutOfBoundsException.
    message(
        IllegalArgumentException.class,
        "indexAdd: src [2, 5] and index [2] do not fit shape [3, 4] along dim 0",
        () -> Tensor.indexAdd(new int[] {3, 4}, 0, Tensor.of(new int[] {0, 1}, 2), z(2, 5)));
    message(
        IllegalArgumentException.class,
        "indexAdd: src [2, 3] and index [2] do not fit shape [3, 4] along dim 0",
        () -> Tensor.indexAdd(new int[] {3, 4}, 0, Tensor.of(new int[] {2, 2}, 2), z(2, 3)));
    message(
        IllegalArgumentException.class,
        "indexAdd: src [3, 2] and index [1] do not fit shape [3, 4] along dim 1",
        () -> Tensor.indexAdd(new int[] {3, 4}, 1, Tensor.of(new int[] {0}, 1), z(3, 2)));
  }

  @Test
  void catAndStackMismatches() {
    message(
        IllegalArgumentException.class,
        "cat: tensor 1 has shape [2, 4] but tensor 0 has shape [2, 3]; they may differ only in"
            + " dim 0",
        () -> Tensor.cat(0, z(2, 3), z(2, 4)));
    message(
        IllegalArgumentException.class,
        "cat: tensor 1 has shape [6] but tensor 0 has shape [2, 3]; they may differ only in dim 1",
        () -> Tensor.cat(1, z(2, 3), z(6)));
    message(IllegalArgumentException.class, "cat: needs at least one tensor", () -> Tensor.cat(0));
    message(
        IllegalArgumentException.class,
        "stack: tensor 1 has shape [3, 2] but tensor 0 has shape [2, 3]",
        () -> Tensor.stack(0, z(2, 3), z(3, 2)));
  }

  @Test
  void sumToShapeNamesBothShapes() {
    message(
        IllegalArgumentException.class,
        "sumToShape: cannot sum [2, 3] down to [4, 2, 3]: the target must broadcast to the"
            + " tensor's shape",
        () -> z(2, 3).sumToShape(4, 2, 3));
    message(
        IllegalArgumentException.class,
        "sumToShape: cannot sum [2, 3] down to [2, 2]: the target must broadcast to the tensor's"
            + " shape",
        () -> z(2, 3).sumToShape(2, 2));
  }

  @Test
  void scalarOnlyCalls() {
    message(
        IllegalStateException.class,
        "item: tensor of shape [2] has 2 elements, not 1",
        () -> z(2).item());
    assertEquals(0, z(1, 1).item(), "one element of any rank is fine");
    Tensor y = Tensor.ones(2).requiresGrad(true).mul(2);
    startsWith(
        IllegalStateException.class,
        "backward: the output has shape [2]; backward() without an argument needs a single-element"
            + " output.",
        y::backward);
  }

  @Test
  void requiresGradOnANonLeaf() {
    Tensor y = Tensor.ones(2).requiresGrad(true).add(1);
    message(
        IllegalStateException.class,
        "requiresGrad: can only be changed on leaf tensors; this one was computed by 'add'."
            + " Use detach() to get a leaf.",
        () -> y.requiresGrad(true));
    assertDoesNotThrow(() -> y.detach().requiresGrad(true));
  }

  @Test
  void inPlaceOnATensorThatRequiresGradWhileRecording() {
    Tensor w = Tensor.ones(2).requiresGrad(true);
    message(
        IllegalStateException.class,
        "addInPlace: in-place change of a tensor that requires grad is not allowed while"
            + " recording; do it inside GradMode.disabled() (as optimizers do), or use the"
            + " out-of-place op",
        () -> w.addInPlace(Tensor.ones(2)));
    startsWith(IllegalStateException.class, "subInPlace: ", () -> w.subInPlace(Tensor.ones(2)));
    startsWith(IllegalStateException.class, "mulInPlace: ", () -> w.mulInPlace(2));
    startsWith(IllegalStateException.class, "copyFrom: ", () -> w.copyFrom(Tensor.ones(2)));
    startsWith(IllegalStateException.class, "fill: ", () -> w.fill(3));
    startsWith(IllegalStateException.class, "fill: ", w::zero);
    startsWith(IllegalStateException.class, "set: ", () -> w.set(3, 0));
    Tensor view = w.narrow(0, 0, 1);
    startsWith(IllegalStateException.class, "fill: ", () -> view.fill(3));
    assertEquals(2, w.sum().item(), "nothing was written");
    try (var g = GradMode.disabled()) {
      w.mulInPlace(3);
    }
    assertEquals(6, w.sum().item());
    assertDoesNotThrow(() -> Tensor.ones(2).addInPlace(Tensor.ones(2)));
  }

  @Test
  void otherArgumentChecks() {
    message(IllegalArgumentException.class, "clamp: min 4.0 > max 2.0", () -> z(2).clamp(4, 2));
    message(
        IllegalArgumentException.class,
        "arange: need finite start, end and a non-zero step; got 0.0, 1.0, 0.0",
        () -> Tensor.arange(0, 1, 0));
    message(
        IllegalArgumentException.class,
        "linspace: steps must be >= 0, got -1",
        () -> Tensor.linspace(0, 1, -1));
    message(IllegalArgumentException.class, "max: cannot reduce an empty tensor", () -> z(0).max());
    message(
        IllegalArgumentException.class, "argmax: dim 0 is empty", () -> z(0, 2).argmax(0, false));
    message(
        IllegalArgumentException.class,
        "var: correction must be >= 0, got -1",
        () -> z(3).var(new int[0], false, -1));
    message(
        IllegalArgumentException.class,
        "bernoulli: p must be in [0, 1], got 1.5",
        () -> Tensor.bernoulli(new Generator(1), 1.5, 2));
    message(
        IllegalArgumentException.class,
        "oneHot: numClasses must be positive, got 0",
        () -> Tensor.vector(0.0).oneHot(0));
    message(
        IllegalArgumentException.class,
        "setGrad: gradient shape [3] does not match tensor shape [2, 3]",
        () -> z(2, 3).setGrad(z(3)));
    message(
        IllegalArgumentException.class,
        "generator state must have 6 longs",
        () -> new Generator(1).setState(new long[2]));
  }
}

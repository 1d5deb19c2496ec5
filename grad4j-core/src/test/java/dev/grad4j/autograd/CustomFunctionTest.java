package dev.grad4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import org.junit.jupiter.api.Test;

class CustomFunctionTest {

  /** x^3 with a hand-written backward. */
  static final class Cube extends CustomFunction {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].pow(3);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      Tensor x = ctx.saved(0);
      return new Tensor[] {g.mul(x.square()).mul(3)};
    }
  }

  /** x * y, but with a deliberately wrong derivative for y. */
  static final class BrokenMul extends CustomFunction {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0], in[1]);
      return in[0].mul(in[1]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.mul(ctx.saved(1)), g.mul(ctx.saved(1))};
    }
  }

  /** Returns its input unchanged; the gradient passes straight through. */
  static final class Identity extends CustomFunction {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      return in[0];
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g};
    }
  }

  private static final Generator GEN = new Generator(5);

  private static Tensor random(int... shape) {
    return Tensor.normal(GEN, 0, 1, DType.FLOAT64, shape);
  }

  @Test
  void customFunctionPassesGradCheckAndSecondOrderCheck() {
    Cube cube = new Cube();
    GradCheck.assertPasses(in -> cube.apply(in[0]), random(2, 3));
    GradCheck.assertSecondOrderPasses(in -> cube.apply(in[0]), random(4));
  }

  @Test
  void gradCheckReportsTheWorstElementOfAWrongBackward() {
    BrokenMul broken = new BrokenMul();
    GradCheck.Result r =
        GradCheck.check(in -> broken.apply(in[0], in[1]), random(3), random(3).add(5));
    assertFalse(r.passed());
    assertEquals(1, r.input(), "the wrong derivative is the one for input 1");
    assertTrue(r.toString().contains("FAILED"), r.toString());
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> GradCheck.assertPasses(in -> broken.apply(in[0], in[1]), random(3), random(3)));
    assertTrue(e.getMessage().contains("analytic"), e.getMessage());
  }

  @Test
  void theNodeCarriesTheFunctionName() {
    Tensor x = random(2).requiresGrad(true);
    Tensor y = new Cube().apply(x);
    assertEquals("Cube", y.gradFn().name());
  }

  @Test
  void forwardReturningAnInputDoesNotRelabelTheInput() {
    Tensor x = random(2).requiresGrad(true);
    Tensor y = new Identity().apply(x);
    assertNotSame(x, y);
    assertTrue(x.isLeaf());
    y.sum().backward();
    assertEquals(1.0, x.grad().get(0), 0);
  }

  @Test
  void savedInputChangedInPlaceIsDetected() {
    Tensor x = random(2);
    Tensor w = random(2).requiresGrad(true);
    Tensor y = new BrokenMul().apply(w, x).sum();
    x.fill(1);
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("BrokenMul"), e.getMessage());
  }
}

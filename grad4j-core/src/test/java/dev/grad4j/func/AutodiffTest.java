package dev.grad4j.func;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradientTape;
import dev.grad4j.func.Autodiff.Mode;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AutodiffTest {
  private final Generator gen = new Generator(42);

  private Tensor randn(int... shape) {
    return Tensor.normal(gen, 0, 1, DType.FLOAT64, shape);
  }

  private static void assertClose(Tensor expected, Tensor actual, double tol) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), tol);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void jacobianOfALinearMapIsItsMatrix(Mode mode) {
    Tensor w = randn(3, 5);
    Tensor x = randn(5);
    assertClose(w, Autodiff.jacobian(v -> w.matmul(v), x, mode), 1e-12);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void jacobianOfAnElementwiseOpIsDiagonal(Mode mode) {
    Tensor x = randn(4);
    Tensor j = Autodiff.jacobian(Tensor::tanh, x, mode);
    double[] xs = x.toDoubleArray();
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 4; c++) {
        double t = Math.tanh(xs[r]);
        assertEquals(r == c ? 1 - t * t : 0.0, j.get(r, c), 1e-12);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void jacobianOfSoftmaxIsDiagSMinusSSTransposed(Mode mode) {
    Tensor x = randn(5);
    Tensor s = x.softmax(0);
    Tensor expected =
        Tensor.eye(DType.FLOAT64, 5).mul(s).sub(s.unsqueeze(1).matmul(s.unsqueeze(0)));
    assertClose(expected, Autodiff.jacobian(v -> v.softmax(0), x, mode), 1e-12);
  }

  @Test
  void jacobianShapeIsOutputShapeThenInputShape() {
    Tensor x = randn(2, 3);
    Tensor j = Autodiff.jacobian(v -> v.sum(1).unsqueeze(0).expand(4, 2).mul(2), x);
    assertArrayEquals(new int[] {4, 2, 2, 3}, j.shape());
    assertEquals(2.0, j.get(3, 1, 1, 2), 0);
    assertEquals(0.0, j.get(3, 1, 0, 2), 0);
  }

  @Test
  void hessianOfAQuadraticFormIsTheSymmetricPart() {
    Tensor a = randn(4, 4);
    Tensor x = randn(4);
    Tensor h = Autodiff.hessian(v -> v.matmul(a.matmul(v)).mul(0.5), x);
    assertClose(a.add(a.t()).mul(0.5), h, 1e-12);
  }

  private static Tensor rosenbrock(Tensor p) {
    Tensor x = p.select(0, 0);
    Tensor y = p.select(0, 1);
    return x.rsub(1).square().add(y.sub(x.square()).square().mul(100));
  }

  @Test
  void rosenbrockGradientAndHessianMatchClosedForms() {
    Tensor min = Tensor.vector(1.0, 1.0);
    assertClose(Tensor.vector(0.0, 0.0), Autodiff.grad(AutodiffTest::rosenbrock).apply(min), 1e-12);
    assertClose(
        Tensor.of(new double[] {802, -400, -400, 200}, 2, 2),
        Autodiff.hessian(AutodiffTest::rosenbrock, min),
        1e-9);

    Tensor start = Tensor.vector(-1.2, 1.0);
    // df/dx = -2(1-x) - 400x(y-x^2), df/dy = 200(y-x^2)
    assertClose(
        Tensor.vector(-215.6, -88.0), Autodiff.grad(AutodiffTest::rosenbrock).apply(start), 1e-9);
    // d2f/dx2 = 2 - 400(y - x^2) + 800x^2, d2f/dxdy = -400x, d2f/dy2 = 200
    assertClose(
        Tensor.of(new double[] {1330, 480, 480, 200}, 2, 2),
        Autodiff.hessian(AutodiffTest::rosenbrock, start),
        1e-9);
  }

  private Tensor randomComposition(Tensor x, Tensor w1, Tensor w2) {
    Tensor h = w1.matmul(x).tanh().mul(x.sin().sum());
    return w2.matmul(h.sigmoid()).add(h.narrow(0, 0, 3).exp()).logSoftmax(0);
  }

  @Test
  void jvpAndVjpAgreeWithTheFullJacobianAndModesAgree() {
    for (int trial = 0; trial < 5; trial++) {
      Tensor w1 = randn(6, 4);
      Tensor w2 = randn(3, 6);
      Tensor x = randn(4);
      UnaryOperator<Tensor> f = v -> randomComposition(v, w1, w2);
      Tensor jr = Autodiff.jacobian(f, x, Mode.REVERSE);
      Tensor jf = Autodiff.jacobian(f, x, Mode.FORWARD);
      assertClose(jr, jf, 1e-12);
      GradCheck.assertPasses(in -> f.apply(in[0]), x);

      Tensor v = randn(4);
      Autodiff.Jvp jvp = Autodiff.jvp(f, x, v);
      assertClose(f.apply(x), jvp.value(), 1e-15);
      assertClose(jr.matmul(v), jvp.tangent(), 1e-12);

      Tensor u = randn(3);
      Autodiff.Vjp vjp = Autodiff.vjp(f, x, u);
      assertClose(u.matmul(jr), vjp.cotangent(), 1e-12);
      // The adjoint identity <u, J v> = <J^T u, v>.
      assertEquals(u.mul(jvp.tangent()).sum().item(), vjp.cotangent().mul(v).sum().item(), 1e-12);
    }
  }

  @Test
  void jacobiansOfSeveralInputs() {
    Tensor a = randn(3);
    Tensor b = randn(3);
    Tensor[] j = Autodiff.jacobians(in -> in[0].mul(in[1]).tanh(), a, b);
    double[] av = a.toDoubleArray();
    double[] bv = b.toDoubleArray();
    for (int i = 0; i < 3; i++) {
      double d = 1 - Math.pow(Math.tanh(av[i] * bv[i]), 2);
      assertEquals(d * bv[i], j[0].get(i, i), 1e-12);
      assertEquals(d * av[i], j[1].get(i, i), 1e-12);
    }
    Tensor[] jf = Autodiff.jacobians(in -> in[0].mul(in[1]).tanh(), Mode.FORWARD, a, b);
    assertClose(j[0], jf[0], 1e-12);
    assertClose(j[1], jf[1], 1e-12);
  }

  @Test
  void thirdDerivativesByNestingGrad() {
    UnaryOperator<Tensor> tanh3 = Autodiff.grad(Autodiff.grad(Autodiff.grad(x -> x.tanh().sum())));
    UnaryOperator<Tensor> sin3 = Autodiff.grad(Autodiff.grad(Autodiff.grad(x -> x.sin().sum())));
    for (double x : new double[] {-1.3, 0.2, 0.9}) {
      double t = Math.tanh(x);
      Tensor at = Tensor.scalar(x, DType.FLOAT64);
      assertEquals((1 - t * t) * (6 * t * t - 2), tanh3.apply(at).item(), 1e-12);
      assertEquals(-Math.cos(x), sin3.apply(at).item(), 1e-12);
    }
  }

  @Test
  void nestedGradOfACompositionMatchesTheClosedForm() {
    // f(x) = sin(x) * exp(x): f'' = 2 cos(x) exp(x).
    UnaryOperator<Tensor> f2 = Autodiff.grad(Autodiff.grad(x -> x.sin().mul(x.exp()).sum()));
    assertEquals(
        2 * Math.cos(0.4) * Math.exp(0.4),
        f2.apply(Tensor.scalar(0.4, DType.FLOAT64)).item(),
        1e-12);
  }

  @Test
  void valueAndGradReturnsBoth() {
    Autodiff.ValueAndGrad vg =
        Autodiff.valueAndGrad(x -> x.square().sum(), Tensor.vector(1.0, 2.0));
    assertEquals(5.0, vg.value().item(), 0);
    assertClose(Tensor.vector(2.0, 4.0), vg.grad(), 0);
    assertFalse(vg.grad().requiresGrad(), "top-level results carry no graph");
  }

  @Test
  void batchJacobianMatchesPerExampleJacobians() {
    Tensor w = randn(3, 4);
    Tensor x = randn(5, 4);
    UnaryOperator<Tensor> rowwise = v -> v.matmul(w.t()).tanh();
    Tensor bj = Autodiff.batchJacobian(rowwise, x);
    assertArrayEquals(new int[] {5, 3, 4}, bj.shape());
    for (int b = 0; b < 5; b++) {
      Tensor single =
          Autodiff.jacobian(v -> rowwise.apply(v.unsqueeze(0)).squeeze(0), x.select(0, b));
      assertClose(single, bj.select(0, b), 1e-12);
    }
  }

  @Test
  void tapeJacobianAndBatchJacobian() {
    Tensor w = randn(3, 4);
    Tensor x = randn(2, 4);
    GradientTape tape = GradientTape.record(true);
    Tensor y;
    try (tape) {
      tape.watch(x);
      y = x.matmul(w.t());
    }
    Tensor j = tape.jacobian(y, x);
    assertArrayEquals(new int[] {2, 3, 2, 4}, j.shape());
    assertEquals(w.get(1, 2), j.get(0, 1, 0, 2), 0);
    assertEquals(0.0, j.get(0, 1, 1, 2), 0);
    Tensor bj = tape.batchJacobian(y, x);
    assertArrayEquals(new int[] {2, 3, 4}, bj.shape());
    assertClose(w, bj.select(0, 1), 0);
  }

  @Test
  void misuseGetsClearErrors() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autodiff.grad(x -> x.square()).apply(Tensor.vector(1.0, 2.0)));
    assertTrue(
        e.getMessage().contains("single element") && e.getMessage().contains("[2]"),
        e.getMessage());

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autodiff.jvp(Tensor::tanh, Tensor.vector(1.0, 2.0), Tensor.vector(1.0)));
    assertEquals("jvp: tangent shape [1] does not match input shape [2]", e.getMessage());

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autodiff.vjp(Tensor::tanh, Tensor.vector(1.0, 2.0), Tensor.vector(1.0)));
    assertEquals("vjp: cotangent shape [1] does not match output shape [2]", e.getMessage());
  }

  @Test
  void aFunctionThatIgnoresItsInputHasZeroDerivatives() {
    Tensor c = Tensor.vector(3.0, 4.0);
    Tensor x = Tensor.vector(1.0, 2.0);
    assertClose(Tensor.vector(0.0, 0.0), Autodiff.grad(v -> c.sum()).apply(x), 0);
    assertClose(Tensor.zeros(DType.FLOAT64, 2, 2), Autodiff.jacobian(v -> c, x, Mode.REVERSE), 0);
    assertClose(Tensor.zeros(DType.FLOAT64, 2, 2), Autodiff.jacobian(v -> c, x, Mode.FORWARD), 0);
    assertClose(Tensor.vector(0.0, 0.0), Autodiff.jvp(v -> c, x, x).tangent(), 0);
  }

  @Test
  void gradTreatsOtherTrainableTensorsAsConstants() {
    Tensor w = Tensor.vector(2.0, 3.0).requiresGrad(true);
    Tensor g = Autodiff.grad(x -> x.mul(w).sum()).apply(Tensor.vector(1.0, 1.0));
    assertClose(Tensor.vector(2.0, 3.0), g, 0);
    assertEquals(null, w.grad());
  }
}

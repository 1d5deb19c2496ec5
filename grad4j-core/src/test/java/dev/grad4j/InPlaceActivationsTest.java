package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** reluInPlace, expInPlace, tanhInPlace and sigmoidInPlace write the out-of-place op's values. */
class InPlaceActivationsTest {

  private record Case(String name, UnaryOperator<Tensor> op, UnaryOperator<Tensor> inPlace) {}

  private static final Case[] CASES = {
    new Case("relu", Tensor::relu, Tensor::reluInPlace),
    new Case("exp", Tensor::exp, Tensor::expInPlace),
    new Case("tanh", Tensor::tanh, Tensor::tanhInPlace),
    new Case("sigmoid", Tensor::sigmoid, Tensor::sigmoidInPlace),
  };

  @Test
  void sameBitsAsTheOutOfPlaceOpForEveryLayout() {
    Generator gen = new Generator(4);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      // Small, large enough for the parallel float32 paths, and a transposed view.
      for (int[] shape : new int[][] {{5, 7}, {700, 600}}) {
        Tensor data = Tensor.randn(gen, shape).mul(4).to(dtype);
        for (Case c : CASES) {
          for (boolean transposed : new boolean[] {false, true}) {
            Tensor x = transposed ? data.clone().t() : data.clone();
            Tensor want = c.op().apply(x);
            int version = x.version();
            assertSame(x, c.inPlace().apply(x), c.name());
            assertArrayEquals(want.toDoubleArray(), x.toDoubleArray(), c.name() + " " + dtype);
            assertTrue(x.version() > version, c.name() + ": version bumped");
          }
        }
      }
    }
  }

  // A [3, 0] tensor's row-major strides are [0, 1]: no elements, so none shared (the check took it
  // for an expand() view and refused it).
  @Test
  void tensorsWithoutElementsAreWritableInPlace() {
    Tensor empty = Tensor.zeros(3, 0);
    for (Case c : CASES) {
      assertSame(empty, c.inPlace().apply(empty), c.name());
    }
    assertSame(empty, empty.addInPlace(Tensor.zeros(3, 0)));
    assertSame(empty, empty.copyFrom(Tensor.zeros(3, 0)));
    assertSame(empty, empty.fill(2));
  }

  @Test
  void otherViewsOfTheStorageSeeTheChange() {
    Tensor x = Tensor.of(new float[] {-1, 2, -3, 4}, 2, 2);
    Tensor row = x.narrow(0, 1, 1);
    row.reluInPlace();
    assertArrayEquals(new float[] {-1, 2, 0, 4}, x.toFloatArray());
  }

  @Test
  void refusedWhereOtherInPlaceOpsAre() {
    Tensor w = Tensor.ones(2).requiresGrad(true);
    for (Case c : CASES) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> c.inPlace().apply(w));
      assertTrue(e.getMessage().startsWith(c.name() + "InPlace: "), e.getMessage());
      Tensor expanded = Tensor.ones(3).expand(2, 3);
      assertThrows(IllegalArgumentException.class, () -> c.inPlace().apply(expanded));
    }
    assertEquals(2, w.numel());
  }
}

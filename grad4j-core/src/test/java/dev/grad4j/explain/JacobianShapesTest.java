package dev.grad4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.explain.JacobianShapes.Layer;
import dev.grad4j.train.Models;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Jacobian shapes against hand computation: a Jacobian is [output dims..., input dims...]. */
class JacobianShapesTest {
  private static final int N = 64;

  private static int[] s(int... dims) {
    return dims;
  }

  private static void layer(
      Layer l, int[] in, int[] out, int[] weight, int[] jIn, int[] jW, int paramCount) {
    String what = "layer " + l.index() + " " + l.module();
    assertArrayEquals(in, l.input(), what);
    assertArrayEquals(out, l.output(), what);
    assertEquals(paramCount, l.parameters().size(), what);
    assertArrayEquals(jIn, l.jacobianInput(), what);
    // The batch Jacobian puts the batch dim in front of both halves.
    int[] jInBatch = new int[jIn.length + 2];
    jInBatch[0] = N;
    System.arraycopy(jIn, 0, jInBatch, 1, out.length - 1);
    jInBatch[out.length] = N;
    System.arraycopy(jIn, out.length - 1, jInBatch, out.length + 1, in.length - 1);
    assertArrayEquals(jInBatch, l.jacobianInputBatch(), what);
    if (weight == null) {
      assertNull(l.jacobianWeight(), what);
      assertNull(l.jacobianWeightBatch(), what);
    } else {
      assertArrayEquals(weight, l.parameters().get("weight"), what);
      assertArrayEquals(jW, l.jacobianWeight(), what);
      int[] jWBatch = new int[jW.length + 1];
      jWBatch[0] = N;
      System.arraycopy(jW, 0, jWBatch, 1, jW.length);
      assertArrayEquals(jWBatch, l.jacobianWeightBatch(), what);
    }
  }

  @Test
  void seedMlp() {
    List<Layer> ls = JacobianShapes.of(Models.mlp(new Generator(1)), Tensor.zeros(N, 1, 28, 28));
    assertEquals(6, ls.size());
    layer(ls.get(0), s(N, 1, 28, 28), s(N, 784), null, s(784, 1, 28, 28), null, 0);
    layer(ls.get(1), s(N, 784), s(N, 512), s(512, 784), s(512, 784), s(512, 512, 784), 2);
    layer(ls.get(2), s(N, 512), s(N, 512), null, s(512, 512), null, 0);
    layer(ls.get(3), s(N, 512), s(N, 512), s(512, 512), s(512, 512), s(512, 512, 512), 2);
    layer(ls.get(4), s(N, 512), s(N, 512), null, s(512, 512), null, 0);
    layer(ls.get(5), s(N, 512), s(N, 10), s(10, 512), s(10, 512), s(10, 10, 512), 2);
    assertArrayEquals(s(512), ls.get(1).parameters().get("bias"));
    // The first layer's batch ∂a/∂W: 64·512·512·784 floats, about 52.6 GB in float32.
    assertEquals(13_153_337_344L, JacobianShapes.elements(ls.get(1).jacobianWeightBatch()));
  }

  @Test
  void seedCnn() {
    List<Layer> ls = JacobianShapes.of(Models.cnn(new Generator(1)), Tensor.zeros(N, 1, 28, 28));
    assertEquals(10, ls.size());
    // Conv 3×3 without padding: 28 → 26; ∂a/∂W pairs each output with the [32, 1, 3, 3] kernel.
    layer(
        ls.get(0),
        s(N, 1, 28, 28),
        s(N, 32, 26, 26),
        s(32, 1, 3, 3),
        s(32, 26, 26, 1, 28, 28),
        s(32, 26, 26, 32, 1, 3, 3),
        2);
    layer(ls.get(1), s(N, 32, 26, 26), s(N, 32, 26, 26), null, s(32, 26, 26, 32, 26, 26), null, 0);
    layer(ls.get(2), s(N, 32, 26, 26), s(N, 32, 13, 13), null, s(32, 13, 13, 32, 26, 26), null, 0);
    layer(
        ls.get(3),
        s(N, 32, 13, 13),
        s(N, 64, 11, 11),
        s(64, 32, 3, 3),
        s(64, 11, 11, 32, 13, 13),
        s(64, 11, 11, 64, 32, 3, 3),
        2);
    layer(ls.get(4), s(N, 64, 11, 11), s(N, 64, 11, 11), null, s(64, 11, 11, 64, 11, 11), null, 0);
    layer(ls.get(5), s(N, 64, 11, 11), s(N, 64, 5, 5), null, s(64, 5, 5, 64, 11, 11), null, 0);
    layer(ls.get(6), s(N, 64, 5, 5), s(N, 1600), null, s(1600, 64, 5, 5), null, 0);
    layer(ls.get(7), s(N, 1600), s(N, 128), s(128, 1600), s(128, 1600), s(128, 128, 1600), 2);
    layer(ls.get(8), s(N, 128), s(N, 128), null, s(128, 128), null, 0);
    layer(ls.get(9), s(N, 128), s(N, 10), s(10, 128), s(10, 128), s(10, 10, 128), 2);
    assertArrayEquals(s(64), ls.get(3).parameters().get("bias"));
  }
}

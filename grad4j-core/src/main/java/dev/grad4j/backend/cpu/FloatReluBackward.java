package dev.grad4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loop of {@link dev.grad4j.backend.BinaryOp#RELU_BACKWARD}: relu's gradient in one pass
 * over the output gradient and relu's saved output, where {@code g.mul(y.gt(0))} makes two passes
 * and a mask tensor as large as both.
 */
final class FloatReluBackward {
  private FloatReluBackward() {}

  private static final VectorSpecies<Float> S = FloatKernels.S;
  private static final int L = S.length();
  private static final FloatVector ZERO = FloatVector.zero(S);
  private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

  /**
   * {@code o[oo + i] = g[go + i] · (y[yo + i] > 0 ? 1 : 0)} for i in [0, bound), bound a multiple
   * of the vector length; returns bound. A product with the 0/1 mask, not a select, so that the
   * bits are those of the two-op form.
   */
  static int loop(float[] g, int go, float[] y, int yo, float[] o, int oo, int bound) {
    for (int i = 0; i < bound; i += L) {
      FloatVector mask =
          ZERO.blend(ONE, FloatVector.fromArray(S, y, yo + i).compare(VectorOperators.GT, 0f));
      FloatVector.fromArray(S, g, go + i).mul(mask).intoArray(o, oo + i);
    }
    return bound;
  }
}

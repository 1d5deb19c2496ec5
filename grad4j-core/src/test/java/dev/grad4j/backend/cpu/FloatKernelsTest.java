package dev.grad4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.UnaryOp;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The float32 vector loops: exact ops bit for bit against float64 rounded once, the approximated
 * ones within a few ulp of float64 over their whole range, and the fast paths (broadcast,
 * transposed, reductions, softmax) against the generic float64 path, for every thread count.
 */
class FloatKernelsTest {

  // Ulp distance of a float result from the float64 truth, measured in float32 ulps at the truth.
  private static double ulps(float got, double truth) {
    if (Double.isNaN(truth)) {
      return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
    }
    float t = (float) truth;
    if (Float.isInfinite(t) || Float.isInfinite(got)) {
      return got == t ? 0 : Double.POSITIVE_INFINITY;
    }
    return Math.abs(got - truth) / Math.ulp(Math.max(Math.abs(t), Float.MIN_NORMAL));
  }

  private static double worstUlps(UnaryOp op, DoubleUnaryOperator truth, float lo, float hi) {
    int n = 200_003;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = lo + (hi - lo) * i / (n - 1);
    }
    float[] y = new float[n];
    FloatKernels.unary(op, 0, 0, x, 0, 1, y, 0, n);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      worst = Math.max(worst, ulps(y[i], truth.applyAsDouble(x[i])));
    }
    return worst;
  }

  @Test
  void expIsWithinTwoUlpsFromUnderflowToOverflow() {
    assertTrue(worstUlps(UnaryOp.EXP, Math::exp, -87f, 88.7f) <= 2);
    assertTrue(worstUlps(UnaryOp.EXP, Math::exp, -1f, 1f) <= 2);
    // Subnormal results are rounded once, to within one subnormal step.
    assertTrue(worstUlps(UnaryOp.EXP, Math::exp, -103f, -87f) <= 1);
  }

  // Worst ulp error over float bit patterns of both signs up to |hi|, every step-th pattern: unlike
  // an even spacing, this reaches the tiny magnitudes too.
  private static double worstUlpsByBits(
      UnaryOp op, DoubleUnaryOperator truth, float lo, float hi, int step) {
    int top = Float.floatToRawIntBits(Math.max(Math.abs(lo), Math.abs(hi)));
    float[] x = new float[2 * (top / step + 1)];
    int n = 0;
    for (int b = 0; b <= top; b += step) {
      for (float v : new float[] {Float.intBitsToFloat(b), -Float.intBitsToFloat(b)}) {
        if (v >= lo && v <= hi) {
          x[n++] = v;
        }
      }
    }
    float[] y = new float[n];
    FloatKernels.unary(op, 0, 0, x, 0, 1, y, 0, n);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      worst = Math.max(worst, ulps(y[i], truth.applyAsDouble(x[i])));
    }
    return worst;
  }

  @Test
  void expIsWithinOneUlpAcrossTheFloatsOfItsRange() {
    // Every float in [-104, 89] measured 0.89 ulp at worst; a sample of one in 1009 here.
    double worst = worstUlpsByBits(UnaryOp.EXP, Math::exp, -104f, 89f, 1009);
    assertTrue(worst <= 1, "exp: " + worst + " ulp");
    // Every float in [-12, 12]: 1.36 ulp at worst (the former m / (m + 2) form: 1.72).
    double tanh = worstUlpsByBits(UnaryOp.TANH, Math::tanh, -12f, 12f, 1013);
    assertTrue(tanh <= 1.5, "tanh: " + tanh + " ulp");
  }

  // exp takes a short path for vectors whose inputs all have normal powers of two, and a longer one
  // when any lane is far out; a lane's result must not depend on which its neighbours chose.
  @Test
  void expAndSigmoidOfAValueDoNotDependOnItsNeighbours() {
    int lanes = FloatKernels.S.length();
    int n = 64 * lanes;
    float[] x = new float[n];
    float[] mixed = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = -104f + 193f * i / (n - 1);
      // One lane of every vector far out of the short path's range.
      mixed[i] = i % lanes == 3 ? (i % 2 == 0 ? 100f : -100f) : x[i];
    }
    for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.SIGMOID}) {
      float[] alone = new float[n];
      float[] together = new float[n];
      for (int i = 0; i < n; i++) {
        // Each value alone in its vector (the rest of the run copies it).
        float[] run = new float[lanes];
        java.util.Arrays.fill(run, x[i]);
        float[] out = new float[lanes];
        FloatKernels.unary(op, 0, 0, run, 0, 1, out, 0, lanes);
        alone[i] = out[0];
      }
      FloatKernels.unary(op, 0, 0, mixed, 0, 1, together, 0, n);
      for (int i = 0; i < n; i++) {
        if (i % lanes != 3) {
          assertEquals(alone[i], together[i], op + " of " + x[i]);
        }
      }
    }
  }

  @Test
  void tanhAndSigmoidAreWithinAFewUlps() {
    double tanh = worstUlps(UnaryOp.TANH, Math::tanh, -12f, 12f);
    assertTrue(tanh <= 4, "tanh: " + tanh + " ulp");
    double small = worstUlps(UnaryOp.TANH, Math::tanh, -0.7f, 0.7f);
    assertTrue(small <= 4, "tanh near 0: " + small + " ulp");
    double sigmoid = worstUlps(UnaryOp.SIGMOID, v -> 1 / (1 + Math.exp(-v)), -100f, 30f);
    assertTrue(sigmoid <= 4, "sigmoid: " + sigmoid + " ulp");
  }

  @Test
  void specialValuesOfTheApproximations() {
    float[] x = {
      Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 200f, -200f, 1e-30f
    };
    float[] exp = new float[x.length];
    float[] tanh = new float[x.length];
    float[] sig = new float[x.length];
    FloatKernels.unary(UnaryOp.EXP, 0, 0, x, 0, 1, exp, 0, x.length);
    FloatKernels.unary(UnaryOp.TANH, 0, 0, x, 0, 1, tanh, 0, x.length);
    FloatKernels.unary(UnaryOp.SIGMOID, 0, 0, x, 0, 1, sig, 0, x.length);
    assertArrayEquals(
        new float[] {
          Float.NaN, Float.POSITIVE_INFINITY, 0f, 1f, 1f, Float.POSITIVE_INFINITY, 0f, 1f
        },
        exp);
    assertArrayEquals(new float[] {Float.NaN, 1f, -1f, 0f, -0f, 1f, -1f, 1e-30f}, tanh);
    assertArrayEquals(new float[] {Float.NaN, 1f, 0f, 0.5f, 0.5f, 1f, 0f, 0.5f}, sig);
  }

  // The generic path computes in float64 and rounds once; for these ops float32 is exact too.
  @Test
  void exactOpsMatchTheFloat64PathBitForBit() {
    Generator gen = new Generator(5);
    Tensor a = Tensor.randn(gen, 37, 53);
    Tensor b = Tensor.randn(gen, 37, 53);
    Tensor row = Tensor.randn(gen, 53);
    for (String op : new String[] {"add", "sub", "mul", "div", "max", "min", "gt", "le", "eq"}) {
      assertBitEqual(apply(op, a, b), apply(op, a.to(DType.FLOAT64), b.to(DType.FLOAT64)), op);
      assertBitEqual(apply(op, a, row), apply(op, a.to(DType.FLOAT64), row.to(DType.FLOAT64)), op);
      assertBitEqual(apply(op, a, b.t().contiguous().t()), apply(op, a, b), op + " transposed");
    }
    assertBitEqual(a.relu(), a.to(DType.FLOAT64).relu(), "relu");
    assertBitEqual(a.abs().sqrt(), a.to(DType.FLOAT64).abs().sqrt(), "sqrt");
    assertBitEqual(a.square(), a.to(DType.FLOAT64).square(), "square");
    assertBitEqual(a.clamp(-0.5, 0.25), a.to(DType.FLOAT64).clamp(-0.5, 0.25), "clamp");
    assertBitEqual(a.add(2.5), a.to(DType.FLOAT64).add(2.5), "add scalar");
  }

  private static Tensor apply(String op, Tensor a, Tensor b) {
    return switch (op) {
      case "add" -> a.add(b);
      case "sub" -> a.sub(b);
      case "mul" -> a.mul(b);
      case "div" -> a.div(b);
      case "max" -> a.maximum(b);
      case "min" -> a.minimum(b);
      case "gt" -> a.gt(b);
      case "le" -> a.le(b);
      default -> a.eq(b);
    };
  }

  private static void assertBitEqual(Tensor got, Tensor want, String what) {
    float[] g = got.toFloatArray();
    float[] w = want.toFloatArray();
    assertArrayEquals(w, g, what);
  }

  @Test
  void transposedOperandsOfEveryTileShape() {
    Generator gen = new Generator(9);
    // Blocks of 512 x 256 output elements (shorter when split over threads): shapes with partial
    // blocks in both dims, at several thread counts.
    for (int[] s : new int[][] {{130, 70}, {64, 64}, {3, 200}, {700, 900}, {1100, 300}}) {
      Tensor a = Tensor.randn(gen, s[0], s[1]);
      Tensor bt = Tensor.randn(gen, s[1], s[0]).t(); // a transposed view
      Tensor want = a.to(DType.FLOAT64).add(bt.to(DType.FLOAT64));
      for (int threads = 1; threads <= 3; threads++) {
        Tensor got = Parallel.withThreads(threads, () -> a.add(bt));
        assertBitEqual(got, want, "a + bᵀ " + s[0] + "x" + s[1] + ", threads " + threads);
      }
      assertBitEqual(bt.sub(a), bt.to(DType.FLOAT64).sub(a.to(DType.FLOAT64)), "bᵀ - a");
      // A row-major copy of the transposed view (the tiled transposed copy).
      assertArrayEquals(
          bt.to(DType.FLOAT64).contiguous().toFloatArray(), bt.contiguous().toFloatArray());
    }
  }

  @Test
  void largeOpsGiveTheSameBitsForEveryThreadCount() {
    Generator gen = new Generator(3);
    Tensor x = Tensor.randn(gen, 1 << 20);
    Tensor m = Tensor.randn(gen, 1024, 1024);
    Tensor row = Tensor.randn(gen, 1024);
    Tensor[] one = Parallel.withThreads(1, () -> ops(x, m, row));
    Tensor[] two = Parallel.withThreads(2, () -> ops(x, m, row));
    Tensor[] three = Parallel.withThreads(3, () -> ops(x, m, row));
    for (int i = 0; i < one.length; i++) {
      assertArrayEquals(one[i].toFloatArray(), two[i].toFloatArray(), "op " + i);
      assertArrayEquals(one[i].toFloatArray(), three[i].toFloatArray(), "op " + i);
    }
  }

  private static Tensor[] ops(Tensor x, Tensor m, Tensor row) {
    return new Tensor[] {
      x.sum(), x.max(), m.sum(1), m.sum(0), x.exp(), m.add(row), m.softmax(1), m.t().add(m),
    };
  }

  @Test
  void fastReductionsAndSoftmaxAgreeWithFloat64() {
    Generator gen = new Generator(11);
    Tensor m = Tensor.randn(gen, 300, 257).mul(5);
    Tensor d = m.to(DType.FLOAT64);
    assertClose(d.sum(), m.sum(), 1e-6);
    assertClose(d.sum(1), m.sum(1), 1e-6);
    assertClose(d.sum(0), m.sum(0), 1e-6);
    assertBitEqual(m.max(1, false), d.max(1, false), "max");
    assertBitEqual(m.min(), d.min(), "min");
    assertClose(d.softmax(1), m.softmax(1), 1e-6);
    assertClose(d.logSoftmax(1), m.logSoftmax(1), 1e-5);
    // A non-contiguous dim takes the generic float path.
    assertClose(d.softmax(0), m.softmax(0), 1e-6);
  }

  private static void assertClose(Tensor want, Tensor got, double tol) {
    double[] w = want.toDoubleArray();
    double[] g = got.to(DType.FLOAT64).toDoubleArray();
    assertEquals(w.length, g.length);
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i], g[i], tol * Math.max(1, Math.abs(w[i])), "element " + i);
    }
  }

  // Softmax scales by a reciprocal with one correction step instead of dividing, and log-softmax
  // subtracts in place; both must give the plain quotient (difference) bit for bit, for every
  // thread count (rows are split across threads, and each reads the next row's max early).
  @Test
  void softmaxRowsAreTheRoundedQuotientsOfTheirExponentials() {
    Generator gen = new Generator(13);
    for (int[] s : new int[][] {{5, 4096}, {300, 48}, {70, 1024}}) {
      Tensor m = Tensor.randn(gen, s[0], s[1]).mul(6);
      float[] x = m.toFloatArray();
      float[] want = softmaxDefinition(false, x, s[1]);
      float[] wantLog = softmaxDefinition(true, x, s[1]);
      for (int threads = 1; threads <= 3; threads++) {
        Tensor sm = Parallel.withThreads(threads, () -> m.softmax(1));
        Tensor lsm = Parallel.withThreads(threads, () -> m.logSoftmax(1));
        assertArrayEquals(want, sm.toFloatArray(), "softmax " + s[0] + "x" + s[1]);
        assertArrayEquals(wantLog, lsm.toFloatArray(), "log-softmax " + s[0] + "x" + s[1]);
      }
    }
  }

  // max and min fold four vector accumulators: the same value as a scalar fold for every length
  // and position of a NaN, a -0 or a +0.
  @Test
  void extremaOfEveryLengthMatchAScalarFold() {
    Generator gen = new Generator(17);
    float[] base = Tensor.randn(gen, 300).toFloatArray();
    for (int n = 1; n <= 300; n += 7) {
      for (float special : new float[] {Float.NaN, -0f, 0f, 1e30f}) {
        for (int at = 0; at < n; at += 5) {
          float[] x = java.util.Arrays.copyOf(base, n);
          x[at] = special;
          if (special == 0f) {
            java.util.Arrays.fill(x, -1f); // zeros of both signs: the sign of the result matters
            x[at] = special;
            x[(at + n / 2) % n] = -special;
          }
          float max = x[0];
          float min = x[0];
          for (float v : x) {
            max = Math.max(max, v);
            min = Math.min(min, v);
          }
          assertEquals(max, FloatKernels.extremum(true, x, 0, n), "max, n " + n + " at " + at);
          assertEquals(min, FloatKernels.extremum(false, x, 0, n), "min, n " + n + " at " + at);
        }
      }
    }
  }

  // Each row of n: shifted by its max (Math.max: NaN wins, +0 over -0; 0 when infinite),
  // exponentiated by the kernel, summed in float64, then divided by the sum (or its log
  // subtracted).
  private static float[] softmaxDefinition(boolean log, float[] x, int n) {
    float[] out = new float[x.length];
    for (int from = 0; from < x.length; from += n) {
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, x[from + j]);
      }
      float shift = Float.isInfinite(max) ? 0 : max;
      float[] z = new float[n];
      for (int j = 0; j < n; j++) {
        z[j] = x[from + j] - shift;
      }
      float[] e = new float[n];
      FloatKernels.unary(UnaryOp.EXP, 0, 0, z, 0, 1, e, 0, n);
      double sum = FloatKernels.sum(e, 0, n);
      float logSum = (float) Math.log(sum);
      for (int j = 0; j < n; j++) {
        out[from + j] = log ? z[j] - logSum : e[j] / (float) sum;
      }
    }
    return out;
  }

  // Rows whose max is a NaN, an infinity or a signed zero: the results must be those of the
  // definition, bit for bit (signs of zeros included), however the kernel takes the max (a
  // compare and blend, which skips NaN and may keep -0 over +0, gives the same). Rows of 20: the
  // special values sit in the vector part of a row after the first, where the next row's max is
  // taken.
  @Test
  void softmaxOfSignedZerosNaNsAndInfinitiesIsTheDefinitionBitForBit() {
    float nan = Float.NaN;
    float inf = Float.POSITIVE_INFINITY;
    float[][] rows = {
      {0.5f, -1, 2},
      {-0f, 0f, -3},
      {0f, -0f, -3},
      {-0f}, // alone at the max: the sum is 1 and its log 0
      {0f},
      {nan, 1, 2},
      {1, nan, inf},
      {-inf},
      {inf, 1},
      {-200, -0f},
    };
    int n = 20;
    float[] x = new float[rows.length * n];
    for (int r = 0; r < rows.length; r++) {
      java.util.Arrays.fill(x, r * n, (r + 1) * n, -300f);
      if (rows[r].length == 1 && Float.isInfinite(rows[r][0])) {
        java.util.Arrays.fill(x, r * n, (r + 1) * n, rows[r][0]);
      }
      System.arraycopy(rows[r], 0, x, r * n + 1, rows[r].length);
    }
    Tensor m = Tensor.of(x, rows.length, n);
    for (int threads = 1; threads <= 2; threads++) {
      Tensor sm = Parallel.withThreads(threads, () -> m.softmax(1));
      Tensor lsm = Parallel.withThreads(threads, () -> m.logSoftmax(1));
      assertArrayEquals(softmaxDefinition(false, x, n), sm.toFloatArray(), "softmax");
      assertArrayEquals(softmaxDefinition(true, x, n), lsm.toFloatArray(), "log-softmax");
    }
  }

  @Test
  void softmaxHandlesInfinitiesAndNaNRowsAsTheCompositeDoes() {
    Tensor x =
        Tensor.of(
            new float[] {
              Float.NEGATIVE_INFINITY, 0, 1, Float.NaN, 1, 2, Float.POSITIVE_INFINITY, 0, 0
            },
            3,
            3);
    float[] s = x.softmax(1).toFloatArray();
    assertEquals(0f, s[0]);
    assertEquals(1 / (1 + (float) Math.E), s[1], 1e-6);
    assertTrue(Float.isNaN(s[3]) && Float.isNaN(s[4]) && Float.isNaN(s[5]));
    assertTrue(Float.isNaN(s[6]), "inf - inf, as exp(x - max) gives");
    float[] ls = x.logSoftmax(1).toFloatArray();
    assertEquals(Float.NEGATIVE_INFINITY, ls[0]);
  }

  @Test
  void binaryOpsOnScalarsAndRowsOfOddLengths() {
    for (int n : new int[] {1, 15, 16, 17, 33, 100}) {
      float[] a = new float[n];
      float[] b = {3f};
      float[] o = new float[n];
      for (int i = 0; i < n; i++) {
        a[i] = i - 7.5f;
      }
      FloatKernels.binary(BinaryOp.SUB, b, 0, 0, a, 0, 1, o, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(3f - a[i], o[i]);
      }
    }
  }
}

package dev.grad4j.backend.cpu;

import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.UnaryOp;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 elementwise loops on the Vector API, over runs whose operands have stride 1 (or 0: one
 * value repeated, for broadcast scalars and rows). The CPU backend calls them row by row.
 *
 * <p>Arithmetic, comparisons, min/max, abs, neg, relu, sqrt and square give exactly the float32
 * result of the float64 computation rounded once (IEEE operations on float inputs are correctly
 * rounded either way). exp, tanh and sigmoid use polynomial approximations in float32, within a few
 * ulp of the true value ({@code FloatKernelsTest} measures the error against float64).
 */
final class FloatKernels {
  private FloatKernels() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D =
      VectorSpecies.of(double.class, S.vectorShape()); // half the lanes of S
  // Half a vector of floats, which converts to one of D. Loading the halves of a vector apart is
  // cheaper than converting its upper half (an extra lane shuffle on the busiest port).
  private static final VectorSpecies<Float> HALF =
      VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
  private static final int L = S.length();

  /** Whether {@link #binary} has a vector loop for the op. */
  static boolean supports(BinaryOp op) {
    return op != BinaryOp.POW;
  }

  /** Whether {@link #unary} has a vector loop for the op with these parameters. */
  static boolean supports(UnaryOp op, double p) {
    return switch (op) {
      case IDENTITY, NEG, ABS, RELU, EXP, TANH, SIGMOID, SQRT, CLAMP -> true;
      case POW_SCALAR -> p == 1 || p == 2;
      default -> false;
    };
  }

  // ---------------------------------------------------------------- binary

  /** {@code o[oo + i] = op(a[ao + i·sa], b[bo + i·sb])} for i in [0, n); sa and sb are 0 or 1. */
  static void binary(
      BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] o, int oo, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    if (sa == 1 && sb == 1 && op.ordinal() <= BinaryOp.DIV.ordinal()) {
      i = arithmeticLoop(op, a, ao, b, bo, o, oo, bound);
    } else if (sa == 1 && sb == 1 && op == BinaryOp.RELU_BACKWARD) {
      i = FloatReluBackward.loop(a, ao, b, bo, o, oo, bound);
    } else if (sa == 1 && sb == 1) {
      for (; i < bound; i += L) {
        apply(op, FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i))
            .intoArray(o, oo + i);
      }
    } else if (sa == 1 && op.ordinal() <= BinaryOp.DIV.ordinal()) {
      i = scalarLoop(op, a, ao, b[bo], false, o, oo, bound);
    } else if (sb == 1 && op.ordinal() <= BinaryOp.DIV.ordinal()) {
      i = scalarLoop(op, b, bo, a[ao], true, o, oo, bound);
    } else if (sa == 1) {
      FloatVector vb = FloatVector.broadcast(S, b[bo]);
      for (; i < bound; i += L) {
        apply(op, FloatVector.fromArray(S, a, ao + i), vb).intoArray(o, oo + i);
      }
    } else if (sb == 1) {
      FloatVector va = FloatVector.broadcast(S, a[ao]);
      for (; i < bound; i += L) {
        apply(op, va, FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
      }
    } else {
      bound = 0;
    }
    for (; i < n; i++) {
      o[oo + i] = scalar(op, a[ao + i * sa], b[bo + i * sb]);
    }
  }

  // ADD, SUB, MUL, DIV with a loop each (see unary: a switch inside the loop costs inlining).
  private static int arithmeticLoop(
      BinaryOp op, float[] a, int ao, float[] b, int bo, float[] o, int oo, int bound) {
    switch (op) {
      case ADD -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, a, ao + i)
              .add(FloatVector.fromArray(S, b, bo + i))
              .intoArray(o, oo + i);
        }
      }
      case SUB -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, a, ao + i)
              .sub(FloatVector.fromArray(S, b, bo + i))
              .intoArray(o, oo + i);
        }
      }
      case MUL -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, a, ao + i)
              .mul(FloatVector.fromArray(S, b, bo + i))
              .intoArray(o, oo + i);
        }
      }
      default -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, a, ao + i)
              .div(FloatVector.fromArray(S, b, bo + i))
              .intoArray(o, oo + i);
        }
      }
    }
    return bound;
  }

  // ADD, SUB, MUL, DIV of a run and one value: x op s, or s op x when scalarFirst.
  private static int scalarLoop(
      BinaryOp op, float[] x, int xo, float s, boolean scalarFirst, float[] o, int oo, int bound) {
    FloatVector v = FloatVector.broadcast(S, s);
    switch (op) {
      case ADD -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, x, xo + i).add(v).intoArray(o, oo + i);
        }
      }
      case MUL -> {
        for (int i = 0; i < bound; i += L) {
          FloatVector.fromArray(S, x, xo + i).mul(v).intoArray(o, oo + i);
        }
      }
      case SUB -> {
        if (scalarFirst) {
          for (int i = 0; i < bound; i += L) {
            v.sub(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
          }
        } else {
          for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).sub(v).intoArray(o, oo + i);
          }
        }
      }
      default -> {
        if (scalarFirst) {
          for (int i = 0; i < bound; i += L) {
            v.div(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
          }
        } else {
          for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).div(v).intoArray(o, oo + i);
          }
        }
      }
    }
    return bound;
  }

  private static FloatVector apply(BinaryOp op, FloatVector x, FloatVector y) {
    return switch (op) {
      case ADD -> x.add(y);
      case SUB -> x.sub(y);
      case MUL -> x.mul(y);
      case DIV -> x.div(y);
      case MAXIMUM -> x.max(y);
      case MINIMUM -> x.min(y);
      case EQ -> ones(x.compare(VectorOperators.EQ, y));
      case NE -> ones(x.compare(VectorOperators.NE, y));
      case LT -> ones(x.compare(VectorOperators.LT, y));
      case LE -> ones(x.compare(VectorOperators.LE, y));
      case GT -> ones(x.compare(VectorOperators.GT, y));
      case GE -> ones(x.compare(VectorOperators.GE, y));
      case RELU_BACKWARD -> x.mul(ones(y.compare(VectorOperators.GT, 0f)));
      case POW -> throw new IllegalArgumentException("pow has no vector loop");
    };
  }

  private static final FloatVector ZERO = FloatVector.zero(S);
  private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
  private static final FloatVector TWO = FloatVector.broadcast(S, 2f);

  private static FloatVector ones(VectorMask<Float> m) {
    return ZERO.blend(ONE, m);
  }

  private static float scalar(BinaryOp op, float x, float y) {
    return switch (op) {
      case ADD -> x + y;
      case SUB -> x - y;
      case MUL -> x * y;
      case DIV -> x / y;
      case MAXIMUM -> Math.max(x, y);
      case MINIMUM -> Math.min(x, y);
      case EQ -> x == y ? 1f : 0f;
      case NE -> x != y ? 1f : 0f;
      case LT -> x < y ? 1f : 0f;
      case LE -> x <= y ? 1f : 0f;
      case GT -> x > y ? 1f : 0f;
      case GE -> x >= y ? 1f : 0f;
      case RELU_BACKWARD -> x * (y > 0 ? 1f : 0f);
      case POW -> throw new IllegalArgumentException("pow has no vector loop");
    };
  }

  // ---------------------------------------------------------------- unary

  /** {@code o[oo + i] = op(x[xo + i·sx])} for i in [0, n); sx is 0 or 1. */
  static void unary(
      UnaryOp op, double p, double q, float[] x, int xo, int sx, float[] o, int oo, int n) {
    float fp = (float) p;
    float fq = (float) q;
    if (sx == 0) {
      float r = apply(op, fp, fq, FloatVector.broadcast(S, x[xo])).lane(0);
      java.util.Arrays.fill(o, oo, oo + n, r);
      return;
    }
    int bound = S.loopBound(n);
    // One loop per op: with the op's switch inside the loop C2 does not inline the long
    // approximations, and every vector would be boxed (measured 3x slower).
    int i =
        switch (op) {
          case EXP -> loop(expLoopHandle, x, xo, o, oo, bound);
          case TANH -> loop(tanhLoopHandle, x, xo, o, oo, bound);
          case SIGMOID -> loop(sigmoidLoopHandle, x, xo, o, oo, bound);
          case RELU -> reluLoop(x, xo, o, oo, bound);
          default -> {
            for (int j = 0; j < bound; j += L) {
              apply(op, fp, fq, FloatVector.fromArray(S, x, xo + j)).intoArray(o, oo + j);
            }
            yield bound;
          }
        };
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      apply(op, fp, fq, FloatVector.fromArray(S, x, xo + i, m)).intoArray(o, oo + i, m);
    }
  }

  // The loops of the long approximations are entered through method handles held in fields that
  // are not final, which C2 cannot see through: each loop is then compiled as a method of its own,
  // with its kernel inlined. Called directly, a loop could be inlined into unary when unary was
  // compiled first (from tensors shorter than a vector, which never enter the loop); unary then
  // ran out of C2's node budget and boxed every vector: tanh over 1M floats took 3.1-4.2 instead
  // of 0.8-1.1 ns per element after tanh had been used on small tensors, in 5 runs of 5.
  private static MethodHandle expLoopHandle = loopHandle("expLoop");
  private static MethodHandle tanhLoopHandle = loopHandle("tanhLoop");
  private static MethodHandle sigmoidLoopHandle = loopHandle("sigmoidLoop");

  private static MethodHandle loopHandle(String name) {
    return handle(
        name,
        MethodType.methodType(
            int.class, float[].class, int.class, float[].class, int.class, int.class));
  }

  // The static method of this class with that name and type.
  private static MethodHandle handle(String name, MethodType type) {
    try {
      return MethodHandles.lookup().findStatic(FloatKernels.class, name, type);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  // loop(x, xo, o, oo, bound); the handle is read from its field by the caller.
  private static int loop(MethodHandle h, float[] x, int xo, float[] o, int oo, int bound) {
    if (bound == 0) {
      return 0;
    }
    try {
      return (int) h.invokeExact(x, xo, o, oo, bound);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static int expLoop(float[] x, int xo, float[] o, int oo, int bound) {
    for (int i = 0; i < bound; i += L) {
      exp(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
    }
    return bound;
  }

  private static int tanhLoop(float[] x, int xo, float[] o, int oo, int bound) {
    for (int i = 0; i < bound; i += L) {
      tanh(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
    }
    return bound;
  }

  private static int sigmoidLoop(float[] x, int xo, float[] o, int oo, int bound) {
    for (int i = 0; i < bound; i += L) {
      sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
    }
    return bound;
  }

  private static int reluLoop(float[] x, int xo, float[] o, int oo, int bound) {
    for (int i = 0; i < bound; i += L) {
      relu(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
    }
    return bound;
  }

  // v <= 0 is false for NaN, so NaN passes through, as in PyTorch; -0 becomes +0.
  private static FloatVector relu(FloatVector v) {
    return v.blend(ZERO, v.compare(VectorOperators.LE, 0f));
  }

  private static FloatVector apply(UnaryOp op, float p, float q, FloatVector v) {
    return switch (op) {
      case IDENTITY -> v;
      case NEG -> v.neg();
      case ABS -> v.abs();
      case RELU -> relu(v);
      case EXP -> exp(v);
      case TANH -> tanh(v);
      case SIGMOID -> sigmoid(v);
      case SQRT -> v.sqrt();
      case POW_SCALAR -> p == 2 ? v.mul(v) : v;
      // NaN stays NaN: max/min propagate it.
      case CLAMP -> v.max(p).min(q);
      default -> throw new IllegalArgumentException(op + " has no vector loop");
    };
  }

  // exp(x) = 2^n · e^r with n = round(x / ln 2), r = x - n·ln 2 (in two parts, Cody and Waite),
  // and e^r = 1 + r + r²·Q(r) on |r| <= ln(2)/2, Q a degree-4 minimax fit of relative error 3e-9,
  // evaluated as one Horner chain of fused multiply-adds.
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  // 1.5·2^23 + 127: adding it rounds to an integer n and leaves n + 127, the biased exponent of
  // 2^n, in the low bits of the sum.
  private static final float ROUNDER = 12583039f;
  private static final int ROUNDER_BITS = 0x4B400000 + 127; // the bits of ROUNDER
  private static final float EXP_FAST = 87.5f; // |x| up to this: 2^n is one normal float
  private static final float EXP_MAX = 89f; // above: +inf
  private static final float EXP_MIN = -104f; // below: 0

  static FloatVector exp(FloatVector x) {
    // Inputs far enough from 0 that 2^n is not a normal float are rare: vectors without any (NaN
    // compares false) skip the clamp and build 2^n from the exponent bits in one shift, bit for
    // bit the same. Both paths stay in this method: a call to a separate one for the rare path was
    // not inlined, and boxed every vector that took it.
    boolean wide = x.abs().compare(VectorOperators.GT, EXP_FAST).anyTrue();
    FloatVector c = wide ? x.max(EXP_MIN).min(EXP_MAX) : x; // NaN stays NaN
    FloatVector t = c.fma(LOG2E, ROUNDER);
    FloatVector p = expReduced(c, t);
    if (!wide) {
      return p.mul(t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }
    // 2^n as two factors 2^(n/2) · 2^(n - n/2), each a normal float for n in [-150, 129], so that
    // results round correctly into the subnormal range and overflow to infinity.
    IntVector ni = t.reinterpretAsInts().sub(ROUNDER_BITS);
    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
    IntVector n2 = ni.sub(n1);
    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(s1).mul(s2);
  }

  // e^r for r = c - n·ln 2, given t = c·log2(e) + ROUNDER (which holds n in its low bits).
  private static FloatVector expReduced(FloatVector c, FloatVector t) {
    FloatVector r = reduce(c, t);
    return fma(fma(expPoly(r), r, 1f), r, 1f);
  }

  // r = c - n·ln 2 with n = t - ROUNDER, exact but for the last rounding.
  private static FloatVector reduce(FloatVector c, FloatVector t) {
    FloatVector n = t.sub(ROUNDER);
    FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), c);
    return n.fma(FloatVector.broadcast(S, -LN2_LO), r);
  }

  // P(r) = 1/2 + r·Q(r), so that e^r = 1 + r + r²·P(r).
  private static FloatVector expPoly(FloatVector r) {
    FloatVector p = r.fma(1.3814539e-3f, 8.3687454e-3f);
    p = fma(p, r, 4.1668389e-2f);
    p = fma(p, r, 1.6666521e-1f);
    return fma(p, r, 4.9999994e-1f);
  }

  // 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so that e^-x never overflows while the
  // result is still representable (down to the subnormals).
  static FloatVector sigmoid(FloatVector x) {
    // -|x|: x with its sign bit set.
    FloatVector e = exp(x.reinterpretAsInts().or(0x80000000).reinterpretAsFloats());
    // One division (the slowest vector operation) with the numerator chosen per lane.
    return e.blend(ONE, x.compare(VectorOperators.GE, 0f)).div(ONE.add(e));
  }

  // tanh|x| = |x| + |x|³·P(x²) below TANH_SPLIT, where 1 - 2/(e^(2|x|) + 1) cancels, P a degree-4
  // minimax fit of relative error 1.1e-8; above, 1 - 2/(e^(2|x|) + 1), whose rounding errors shrink
  // with 2/(e^(2|x|) + 1) <= 0.45. Both are computed and blended (vectors of real data hold both
  // kinds of lanes); the sign of x is put back. One division and no correction step: every float in
  // [-12, 12] measured 1.36 ulp at worst (the m / (m + 2) form with a correction step: 1.72 ulp, at
  // 1.3 times the cost).
  private static final float TANH_SPLIT = 0.625f;
  private static final int TANH_CAP_BITS = 0x41200000; // 10f: tanh rounds to 1 from 9.01 on

  static FloatVector tanh(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector z = a.mul(a);
    FloatVector p = z.fma(-5.7046702e-3f, 2.0638775e-2f);
    p = fma(p, z, -5.3739611e-2f);
    p = fma(p, z, 1.3331442e-1f);
    p = fma(p, z, -3.3333281e-1f);
    FloatVector small = a.mul(z).fma(p, a); // NaN stays NaN
    // 2|x| capped at 20 by an integer min on the bits (one instruction, where a float min is
    // several); NaN and infinities become 20 too, but NaN lanes keep the small branch's NaN (the
    // compare below is false for them).
    FloatVector y = a.reinterpretAsInts().min(TANH_CAP_BITS).reinterpretAsFloats().mul(2f);
    FloatVector t = y.fma(LOG2E, ROUNDER);
    FloatVector s = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector big = ONE.sub(TWO.div(expReduced(y, t).fma(s, ONE)));
    FloatVector q = small.blend(big, a.compare(VectorOperators.GE, TANH_SPLIT));
    return q.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
  }

  // a·b + c with a constant c.
  private static FloatVector fma(FloatVector a, FloatVector b, float c) {
    return a.fma(b, FloatVector.broadcast(S, c));
  }

  // ---------------------------------------------------------------- reductions

  /** The sum of x[xo .. xo + n) accumulated in float64 lanes, folded in a fixed order. */
  static double sum(float[] x, int xo, int n) {
    DoubleVector acc0 = DoubleVector.zero(D);
    DoubleVector acc1 = DoubleVector.zero(D);
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      acc0 = acc0.add(widen(x, xo + i));
      acc1 = acc1.add(widen(x, xo + i + L / 2));
    }
    double s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  // The half vector of floats at x[at] in float64.
  private static DoubleVector widen(float[] x, int at) {
    return (DoubleVector)
        FloatVector.fromArray(HALF, x, at).convertShape(VectorOperators.F2D, D, 0);
  }

  /** The largest (max) or smallest value of x[xo .. xo + n), NaN if any is NaN; n > 0. */
  static float extremum(boolean max, float[] x, int xo, int n) {
    int bound = S.loopBound(n);
    float r = x[xo];
    // Separate loops: the Vector API compiles an operator to one instruction only when it is a
    // constant at the call. Four accumulators, because a float max is several instructions long
    // (NaN and -0 handling) and one chain of them runs at its latency; max and min are associative
    // and commutative (NaN, -0 and +0 included), so the order of the lanes does not matter.
    if (bound > 0) {
      FloatVector a0 = FloatVector.fromArray(S, x, xo);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      int i = L;
      int bound4 = L + (bound - L) / (4 * L) * (4 * L);
      if (max) {
        for (; i < bound4; i += 4 * L) {
          a0 = a0.max(FloatVector.fromArray(S, x, xo + i));
          a1 = a1.max(FloatVector.fromArray(S, x, xo + i + L));
          a2 = a2.max(FloatVector.fromArray(S, x, xo + i + 2 * L));
          a3 = a3.max(FloatVector.fromArray(S, x, xo + i + 3 * L));
        }
        for (; i < bound; i += L) {
          a0 = a0.max(FloatVector.fromArray(S, x, xo + i));
        }
        r = a0.max(a1).max(a2.max(a3)).reduceLanes(VectorOperators.MAX);
      } else {
        for (; i < bound4; i += 4 * L) {
          a0 = a0.min(FloatVector.fromArray(S, x, xo + i));
          a1 = a1.min(FloatVector.fromArray(S, x, xo + i + L));
          a2 = a2.min(FloatVector.fromArray(S, x, xo + i + 2 * L));
          a3 = a3.min(FloatVector.fromArray(S, x, xo + i + 3 * L));
        }
        for (; i < bound; i += L) {
          a0 = a0.min(FloatVector.fromArray(S, x, xo + i));
        }
        r = a0.min(a1).min(a2.min(a3)).reduceLanes(VectorOperators.MIN);
      }
    }
    for (int i = bound; i < n; i++) {
      r = max ? Math.max(r, x[xo + i]) : Math.min(r, x[xo + i]);
    }
    return r;
  }

  // ---------------------------------------------------------------- softmax

  /**
   * Softmax (or log-softmax) of each of {@code rows} runs of n floats, x[xo + r·n ..) into o[oo +
   * r·n ..): shifted by the run's max (0 when infinite), exponentiated, summed in float64, then
   * scaled (or the log subtracted). A run of a few thousand floats stays in L1 across its passes;
   * the max of the next run is taken in the same loop as this run's exponentials, so that reading
   * it from memory overlaps their arithmetic.
   */
  static void softmax(boolean log, float[] x, int xo, float[] o, int oo, int n, int rows) {
    if (rows == 0) {
      return;
    }
    try {
      softmaxRowsHandle.invokeExact(log, x, xo, o, oo, n, rows);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  // Entered through a handle in a field that is not final, like the unary loops (see
  // expLoopHandle): the rows and their vector loop are compiled as a method of their own, whatever
  // the callers were compiled from.
  private static MethodHandle softmaxRowsHandle =
      handle(
          "softmaxRows",
          MethodType.methodType(
              void.class,
              boolean.class,
              float[].class,
              int.class,
              float[].class,
              int.class,
              int.class,
              int.class));

  private static void softmaxRows(
      boolean log, float[] x, int xo, float[] o, int oo, int n, int rows) {
    float[] nextMax = new float[1];
    float m = extremum(true, x, xo, n);
    for (int r = 0; r < rows; r++) {
      int next = r + 1 < rows ? r + 1 : r;
      double sum = exponentials(log, x, xo + r * n, o, oo + r * n, n, m, xo + next * n, nextMax);
      if (log) {
        subtract(o, oo + r * n, n, (float) Math.log(sum));
      } else {
        divide(o, oo + r * n, n, (float) sum);
      }
      m = nextMax[0];
    }
  }

  // x - shift (log) or its exponentials for the run of n floats at xo whose max is m, into o;
  // returns the float64 sum of the exponentials and leaves the max of the run at next in
  // nextMax[0].
  private static double exponentials(
      boolean log,
      float[] x,
      int xo,
      float[] o,
      int oo,
      int n,
      float m,
      int next,
      float[] nextMax) {
    float shift = Float.isInfinite(m) ? 0f : m;
    int bound = S.loopBound(n);
    DoubleVector acc0 = DoubleVector.zero(D);
    DoubleVector acc1 = DoubleVector.zero(D);
    IntVector keys = orderedKey(FloatVector.broadcast(S, x[next]));
    int i = 0;
    // Log-softmax keeps x - shift in o (which this loop writes while it waits for memory anyway);
    // the log of the sum is subtracted in place after.
    for (; i < bound; i += L) {
      FloatVector z = FloatVector.fromArray(S, x, xo + i).sub(shift);
      FloatVector e = exp(z);
      if (log) {
        z.intoArray(o, oo + i);
        acc0 = acc0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
        acc1 = acc1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
      } else {
        // The halves read back from the store just made (see HALF).
        e.intoArray(o, oo + i);
        acc0 = acc0.add(widen(o, oo + i));
        acc1 = acc1.add(widen(o, oo + i + L / 2));
      }
      // The next row's max as the max of ordered integer keys (see orderedKey): one integer max
      // a vector, where a float max takes several instructions for NaN and -0 in a chain that
      // limits this loop. (A compare and blend was about as cheap, but in 2-4 runs of 8 it
      // compiled to code 2-3 times slower, some vector operations left to their Java fallbacks.)
      keys = keys.max(orderedKey(FloatVector.fromArray(S, x, next + i)));
    }
    int key = keys.reduceLanes(VectorOperators.MAX);
    float nm = Float.intBitsToFloat(key ^ ((key >> 31) & 0x7FFFFFFF));
    for (int k = bound; k < n; k++) {
      nm = Math.max(nm, x[next + k]);
    }
    double sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    if (i < n) {
      VectorMask<Float> mask = S.indexInRange(i, n);
      FloatVector z = FloatVector.fromArray(S, x, xo + i, mask).sub(shift);
      FloatVector e = ZERO.blend(exp(z), mask);
      if (log) {
        z.intoArray(o, oo + i, mask);
      } else {
        e.intoArray(o, oo + i, mask);
      }
      sum +=
          ((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0))
              .add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1))
              .reduceLanes(VectorOperators.ADD);
    }
    nextMax[0] = nm;
    return sum;
  }

  // The bits of v as integers that order as the floats do (-0 below +0), with the magnitude bits of
  // negative floats flipped; a NaN with the sign bit clear orders above +inf, one with it set
  // below -inf. A row's max taken this way is Math.max's but for a NaN that it may skip, which
  // changes no softmax: a NaN anywhere in a row makes its sum and all its outputs NaN.
  private static IntVector orderedKey(FloatVector v) {
    IntVector bits = v.reinterpretAsInts();
    return bits.lanewise(
        VectorOperators.XOR,
        bits.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7FFFFFFF));
  }

  // o[i] - logSum for the run.
  private static void subtract(float[] o, int oo, int n, float logSum) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, o, oo + i).sub(logSum).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] -= logSum;
    }
  }

  // o[i] / s for the run without the slow vector division: q = o·(1/s) is within an ulp of the
  // quotient, and one correction with the exact residual o - q·s (Markstein) rounds it correctly.
  // Checked against division on 80 million quotients: equal for all of at least 2^-100; below,
  // where the residual underflows, within an ulp.
  private static void divide(float[] o, int oo, int n, float s) {
    if (!(s >= 1f && s <= 0x1p31f)) {
      // 0, infinite or NaN sums (rows of -inf, +inf or NaN): the plain quotients. A sum of finite
      // exponentials is at most the run length, below 2^31.
      for (int i = 0; i < n; i++) {
        o[oo + i] /= s;
      }
      return;
    }
    float y = 1f / s;
    FloatVector vy = FloatVector.broadcast(S, y);
    FloatVector ns = FloatVector.broadcast(S, -s);
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector e = FloatVector.fromArray(S, o, oo + i);
      FloatVector q = e.mul(vy);
      q.fma(ns, e).fma(vy, q).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      float q = o[oo + i] * y;
      o[oo + i] = Math.fma(Math.fma(q, -s, o[oo + i]), y, q);
    }
  }
}

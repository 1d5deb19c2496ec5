package dev.grad4j;

import static dev.grad4j.Expect.gradOfSum;
import static dev.grad4j.Expect.shape;
import static dev.grad4j.Expect.t;
import static dev.grad4j.Expect.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Op results against hand-computed numbers. */
class OpValueTest {
  private static final double LN2 = Math.log(2);
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;

  private static Tensor x23() {
    return t(shape(2, 3), 1, 2, 3, 4, 5, 6);
  }

  private static Tensor arange24() {
    return Tensor.arange(DType.FLOAT64, 0, 24, 1).reshape(2, 3, 4);
  }

  @Nested
  class Broadcasting {
    @Test
    void columnPlusRow() {
      Tensor a = t(shape(3, 1), 1, 2, 3);
      Tensor b = t(shape(1, 4), 10, 20, 30, 40);
      values(a.add(b), shape(3, 4), 11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43);
      values(b.sub(a), shape(3, 4), 9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37);
    }

    @Test
    void matrixTimesTrailingVector() {
      values(x23().mul(Tensor.vector(10.0, 100, 1000)), shape(2, 3), 10, 200, 3000, 40, 500, 6000);
      values(x23().div(Tensor.vector(1.0, 2, 4)), shape(2, 3), 1, 1, 0.75, 4, 2.5, 1.5);
    }

    @Test
    void scalarTensorOnEitherSide() {
      Tensor ten = Tensor.scalar(10, DType.FLOAT64);
      values(ten.sub(x23()), shape(2, 3), 9, 8, 7, 6, 5, 4);
      values(x23().sub(ten), shape(2, 3), -9, -8, -7, -6, -5, -4);
      values(x23().rsub(10), shape(2, 3), 9, 8, 7, 6, 5, 4);
      values(ten.div(t(shape(2), 4, 5)), shape(2), 2.5, 2);
    }

    @Test
    void newLeadingDimsAreAdded() {
      Tensor out = Tensor.vector(1.0, 2, 3, 4).add(Tensor.zeros(DType.FLOAT64, 2, 1, 4));
      values(out, shape(2, 1, 4), 1, 2, 3, 4, 1, 2, 3, 4);
    }

    @Test
    void gradientsAreSummedBackToTheInputShapes() {
      Tensor a = t(shape(3, 1), 1, 2, 3).requiresGrad(true);
      Tensor b = t(shape(1, 4), 10, 20, 30, 40).requiresGrad(true);
      a.mul(b).sum().backward();
      values(a.grad(), shape(3, 1), 100, 100, 100);
      values(b.grad(), shape(1, 4), 6, 6, 6, 6);
      Tensor s = Tensor.scalar(2, DType.FLOAT64).requiresGrad(true);
      Tensor m = x23().requiresGrad(true);
      m.mul(s).sum().backward();
      values(s.grad(), shape(), 21);
      values(m.grad(), shape(2, 3), 2, 2, 2, 2, 2, 2);
    }
  }

  @Nested
  class Elementwise {
    @Test
    void binaryOps() {
      Tensor a = Tensor.vector(1.0, 5, 3);
      Tensor b = Tensor.vector(4.0, 2, 3);
      values(a.maximum(b), shape(3), 4, 5, 3);
      values(a.minimum(b), shape(3), 1, 2, 3);
      values(Tensor.vector(2.0, 3).pow(Tensor.vector(3.0, 2)), shape(2), 8, 9);
      values(Tensor.vector(4.0, 9).pow(0.5), shape(2), 2, 3);
      values(Tensor.vector(4.0, -2).pow(-1), shape(2), 0.25, -0.5);
      values(Tensor.vector(-3.0, 2).pow(3), shape(2), -27, 8);
      values(Tensor.vector(-3.0, 0).pow(0), shape(2), 1, 1);
      values(Tensor.vector(-3.0, 2).square(), shape(2), 9, 4);
    }

    @Test
    void unaryOps() {
      values(Tensor.vector(0.0, 1).exp(), shape(2), 1, Math.E);
      values(Tensor.vector(Math.E, 1).log(), shape(2), 1, 0);
      values(Tensor.vector(0.0, -1).log(), shape(2), Double.NEGATIVE_INFINITY, NAN);
      values(Tensor.vector(4.0, 0).sqrt(), shape(2), 2, 0);
      values(Tensor.vector(-3.0, 0, 2).abs(), shape(3), 3, 0, 2);
      values(Tensor.vector(-3.0, 0, 2).neg(), shape(3), 3, 0, -2);
      values(Tensor.vector(-3.0, 0, 2).sign(), shape(3), -1, 0, 1);
      values(Tensor.vector(0.0, 1).tanh(), shape(2), 0, Math.tanh(1));
      values(
          Tensor.vector(0.0, -1000, 1000, 2).sigmoid(),
          shape(4),
          0.5,
          0,
          1,
          1 / (1 + Math.exp(-2)));
      values(Tensor.vector(-2.0, 0, 3).relu(), shape(3), 0, 0, 3);
      values(Tensor.vector(-2.0, 0, 3).leakyRelu(0.1), shape(3), -0.2, 0, 3);
      values(Tensor.vector(Math.PI / 2, 0).sin(), shape(2), 1, 0);
      values(Tensor.vector(Math.PI, 0).cos(), shape(2), -1, 1);
      values(Tensor.vector(-2.0, 0.5, 3, 0, 1).clamp(0, 1), shape(5), 0, 0.5, 1, 0, 1);
    }

    @Test
    void nanPropagates() {
      values(Tensor.vector(NAN, -1).relu(), shape(2), NAN, 0);
      values(Tensor.vector(NAN, 2).clamp(0, 1), shape(2), NAN, 1);
      values(Tensor.vector(NAN, 2).maximum(Tensor.vector(1.0, NAN)), shape(2), NAN, NAN);
    }

    @Test
    void where() {
      Tensor out =
          Tensor.where(
              Tensor.vector(1.0, 0, 1), Tensor.vector(1.0, 2, 3), Tensor.vector(10.0, 20, 30));
      values(out, shape(3), 1, 20, 3);
      // condition [2,1], a [3], b scalar
      Tensor b =
          Tensor.where(
              t(shape(2, 1), 0, 1), Tensor.vector(1.0, 2, 3), Tensor.scalar(-1, DType.FLOAT64));
      values(b, shape(2, 3), -1, -1, -1, 1, 2, 3);
      Tensor a = Tensor.vector(1.0, 2, 3).requiresGrad(true);
      Tensor c = Tensor.vector(1.0, 2, 3).requiresGrad(true);
      Tensor.where(Tensor.vector(1.0, 0, 1), a, c).mul(Tensor.vector(5.0, 6, 7)).sum().backward();
      values(a.grad(), shape(3), 5, 0, 7);
      values(c.grad(), shape(3), 0, 6, 0);
    }

    @Test
    void comparisons() {
      Tensor a = Tensor.vector(1.0, 2, 3);
      Tensor b = Tensor.vector(3.0, 2, 1);
      values(a.eq(b), shape(3), 0, 1, 0);
      values(a.ne(b), shape(3), 1, 0, 1);
      values(a.lt(b), shape(3), 1, 0, 0);
      values(a.le(b), shape(3), 1, 1, 0);
      values(a.gt(b), shape(3), 0, 0, 1);
      values(a.ge(b), shape(3), 0, 1, 1);
      values(a.eq(2), shape(3), 0, 1, 0);
      values(a.ne(2), shape(3), 1, 0, 1);
      values(a.lt(2), shape(3), 1, 0, 0);
      values(a.le(2), shape(3), 1, 1, 0);
      values(a.gt(2), shape(3), 0, 0, 1);
      values(a.ge(2), shape(3), 0, 1, 1);
      values(t(shape(2, 1), 1, 3).lt(Tensor.vector(2.0, 4)), shape(2, 2), 1, 1, 0, 1);
      values(Tensor.vector(NAN).eq(Tensor.vector(NAN)), shape(1), 0);
      values(Tensor.vector(NAN).ne(Tensor.vector(NAN)), shape(1), 1);
      Tensor x = Tensor.vector(1.0, 2).requiresGrad(true);
      assertFalse(x.gt(0).requiresGrad(), "a mask never requires grad");
    }

    @Test
    void isFiniteAllAny() {
      values(Tensor.vector(1.0, NAN, INF, -INF, 0).isFinite(), shape(5), 1, 0, 0, 0, 1);
      assertTrue(Tensor.vector(1.0, -2).all());
      assertFalse(Tensor.vector(1.0, 0).all());
      assertTrue(Tensor.vector(0.0, 2).any());
      assertFalse(Tensor.vector(0.0, 0).any());
      assertTrue(Tensor.zeros(0).all(), "all() of nothing is true");
      assertFalse(Tensor.zeros(0).any(), "any() of nothing is false");
      assertTrue(Tensor.vector(NAN).all(), "NaN is non-zero");
    }

    @Test
    void allClose() {
      Tensor a = Tensor.vector(1.0, 2);
      assertTrue(a.allClose(Tensor.vector(1.0 + 1e-9, 2), 0, 1e-8));
      assertFalse(a.allClose(Tensor.vector(1.1, 2), 1e-3, 1e-8));
      assertFalse(Tensor.vector(NAN).allClose(Tensor.vector(NAN), 1, 1));
    }
  }

  @Nested
  class KinksAndTies {
    @Test
    void maxAndMinSplitTheGradientAmongTies() {
      values(gradOfSum(x -> x.max(), 1, 3, 3), shape(3), 0, 0.5, 0.5);
      values(gradOfSum(x -> x.min(), 1, 1, 3), shape(3), 0.5, 0.5, 0);
      values(gradOfSum(x -> x.max(), 2, 2, 2, 2), shape(4), 0.25, 0.25, 0.25, 0.25);
      Tensor m = t(shape(2, 3), 2, 2, 1, 0, 5, 5).requiresGrad(true);
      m.max(1, false).sum().backward();
      values(m.grad(), shape(2, 3), 0.5, 0.5, 0, 0, 0.5, 0.5);
      Tensor n = t(shape(2, 2), 1, 3, 1, 2).requiresGrad(true);
      n.min(new int[] {0, 1}, true).sum().backward();
      values(n.grad(), shape(2, 2), 0.5, 0, 0.5, 0);
    }

    @Test
    void reluAbsSignAtZero() {
      values(gradOfSum(Tensor::relu, -1, 0, 2), shape(3), 0, 0, 1);
      values(gradOfSum(Tensor::abs, -1, 0, 2), shape(3), -1, 0, 1);
      values(gradOfSum(Tensor::sign, -1, 0, 2), shape(3), 0, 0, 0);
      values(gradOfSum(x -> x.leakyRelu(0.1), -1, 0, 2), shape(3), 0.1, 0.1, 1);
    }

    @Test
    void clampPassesTheGradientAtItsBoundaries() {
      values(gradOfSum(x -> x.clamp(0, 1), -1, 0, 0.5, 1, 2), shape(5), 0, 1, 1, 1, 0);
    }

    @Test
    void maximumAndMinimumTiesGiveHalfToEachSide() {
      Tensor a = Tensor.vector(1.0, 2, 5).requiresGrad(true);
      Tensor b = Tensor.vector(1.0, 3, 4).requiresGrad(true);
      a.maximum(b).sum().backward();
      values(a.grad(), shape(3), 0.5, 0, 1);
      values(b.grad(), shape(3), 0.5, 1, 0);
      a.zeroGrad();
      b.zeroGrad();
      a.minimum(b).sum().backward();
      values(a.grad(), shape(3), 0.5, 1, 0);
      values(b.grad(), shape(3), 0.5, 0, 1);
      // Both sides the same tensor: all of the gradient reaches it.
      values(gradOfSum(x -> x.maximum(x), 1, 2), shape(2), 1, 1);
    }

    @Test
    void powGradientAtZero() {
      values(gradOfSum(x -> x.pow(2), 0, 3), shape(2), 0, 6);
      values(gradOfSum(x -> x.pow(0), 0, 3), shape(2), 0, 0);
      values(gradOfSum(x -> x.pow(Tensor.vector(2.0, 2)), 0, 3), shape(2), 0, 6);
    }

    @Test
    void powWithATensorExponentOfZeroHasZeroGradientEvenAtZero() {
      // d/da a^0 = 0 everywhere; b * a^(b-1) = 0 * 0^-1 used to give NaN at a = 0.
      values(gradOfSum(x -> x.pow(Tensor.vector(0.0, 0)), 0, 3), shape(2), 0, 0);
      Tensor a = Tensor.vector(0.0, 2).requiresGrad(true);
      Tensor b = Tensor.vector(0.0, 0).requiresGrad(true);
      a.pow(b).sum().backward();
      values(a.grad(), shape(2), 0, 0);
      // d/db a^b = a^b log a, and 0 where a <= 0.
      values(b.grad(), shape(2), 0, Math.log(2));
    }
  }

  @Nested
  class ReductionsOverDims {
    @Test
    void sums() {
      Tensor x = arange24();
      values(x.sum(), shape(), 276);
      values(x.sum(1), shape(2, 4), 12, 15, 18, 21, 48, 51, 54, 57);
      values(x.sum(-2, true), shape(2, 1, 4), 12, 15, 18, 21, 48, 51, 54, 57);
      values(x.sum(new int[] {0, 2}, true), shape(1, 3, 1), 60, 92, 124);
      values(x.sum(new int[] {2, 0}, false), shape(3), 60, 92, 124);
      values(x.sum(new int[0], true), shape(1, 1, 1), 276);
      values(x.permute(1, 0, 2).sum(0), shape(2, 4), 12, 15, 18, 21, 48, 51, 54, 57);
    }

    @Test
    void sumOverNonContiguousAndLongRows() {
      Tensor x = x23();
      values(x.t().sum(0), shape(2), 6, 15);
      values(x.t().sum(1), shape(3), 5, 7, 9);
      values(Tensor.ones(DType.FLOAT64, 3, 1).expand(3, 4).sum(0), shape(4), 3, 3, 3, 3);
      Tensor longRow = Tensor.arange(DType.FLOAT64, 0, 5000, 1);
      values(longRow.sum(), shape(), 5000 * 4999 / 2.0);
      values(longRow.reshape(2, 2500).t().sum(0), shape(2), 3123750, 3123750 + 2500 * 2500);
      // float32 sums accumulate in float64: 2^24 + 1 + 1 is exact.
      values(Tensor.vector(16777216f, 1f, 1f).sum(), shape(), 16777218);
    }

    @Test
    void means() {
      Tensor x = arange24();
      values(x.mean(), shape(), 11.5);
      values(x.mean(new int[] {0, 2}, false), shape(3), 7.5, 11.5, 15.5);
      values(x.mean(2, true), shape(2, 3, 1), 1.5, 5.5, 9.5, 13.5, 17.5, 21.5);
      values(x.mean(0), shape(3, 4), 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);
    }

    @Test
    void maxAndMin() {
      Tensor x = arange24();
      values(x.max(), shape(), 23);
      values(x.min(), shape(), 0);
      values(x.max(2, false), shape(2, 3), 3, 7, 11, 15, 19, 23);
      values(x.min(new int[] {0, 1}, false), shape(4), 0, 1, 2, 3);
      values(x.max(new int[] {0, 1}, true), shape(1, 1, 4), 20, 21, 22, 23);
      values(x.neg().max(1, true), shape(2, 1, 4), 0, -1, -2, -3, -12, -13, -14, -15);
      values(Tensor.vector(1, NAN, 5).max(), shape(), NAN);
    }

    @Test
    void varianceUnbiasedAndPopulation() {
      Tensor v = Tensor.vector(1.0, 2, 3, 4);
      values(v.var(), shape(), 5.0 / 3);
      values(v.var(new int[0], false, 0), shape(), 1.25);
      Tensor x = arange24();
      values(x.var(new int[] {0, 2}, false, 0), shape(3), 37.25, 37.25, 37.25);
      values(x.var(new int[] {0, 2}, true, 1), shape(1, 3, 1), 298.0 / 7, 298.0 / 7, 298.0 / 7);
      values(
          x.var(new int[] {2}, false, 1),
          shape(2, 3),
          5.0 / 3,
          5.0 / 3,
          5.0 / 3,
          5.0 / 3,
          5.0 / 3,
          5.0 / 3);
      values(Tensor.vector(7.0).var(), shape(), NAN);
    }

    @Test
    void emptyReductions() {
      values(Tensor.zeros(DType.FLOAT64, 0, 3).sum(0), shape(3), 0, 0, 0);
      values(Tensor.zeros(DType.FLOAT64, 2, 0).mean(1, false), shape(2), NAN, NAN);
    }
  }

  @Nested
  class StableSoftmaxFamily {
    @Test
    void logsumexpDoesNotOverflowOrUnderflow() {
      values(Tensor.vector(1000.0, 1000).logsumexp(0, false), shape(), 1000 + LN2);
      values(Tensor.vector(-1000.0, 0).logsumexp(0, false), shape(), 0);
      values(Tensor.vector(-1000.0, -1000).logsumexp(0, true), shape(1), -1000 + LN2);
      values(Tensor.vector(1000f, 1000f).logsumexp(0, false), shape(), 1000 + LN2);
      values(
          Tensor.vector(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY).logsumexp(0, false),
          shape(),
          Double.NEGATIVE_INFINITY);
      values(Tensor.vector(INF, 1).logsumexp(0, false), shape(), INF);
      values(t(shape(2, 2), 1000, 1000, -1000, 0).logsumexp(1, false), shape(2), 1000 + LN2, 0);
    }

    @Test
    void softmaxAndLogSoftmaxAtExtremes() {
      values(Tensor.vector(1000.0, 1000).softmax(0), shape(2), 0.5, 0.5);
      values(Tensor.vector(-1000.0, 0).softmax(0), shape(2), 0, 1);
      values(Tensor.vector(1000.0, 1000).logSoftmax(0), shape(2), -LN2, -LN2);
      values(Tensor.vector(-1000.0, 0).logSoftmax(0), shape(2), -1000, 0);
      values(Tensor.vector(1000f, 1000f).softmax(0), shape(2), 0.5, 0.5);
      values(Tensor.vector(-1000f, 0f).logSoftmax(0), shape(2), -1000, 0);
    }

    @Test
    void float32ResultsAreNotRoundedAtTheMagnitudeOfTheInput() {
      // x - logsumexp(x) rounds logsumexp to float32 near 5000 (spacing 2^-11), an error of up to
      // 2.4e-4 in every log-probability; taking the max off first keeps float32 precision.
      Tensor x = Tensor.of(new float[] {5000, 5000, 5000, 5000}, 1, 4);
      values(
          x.logSoftmax(1),
          Expect.shape(1, 4),
          -Math.log(4),
          -Math.log(4),
          -Math.log(4),
          -Math.log(4));
      values(x.softmax(1), Expect.shape(1, 4), 0.25, 0.25, 0.25, 0.25);
      Tensor y = Tensor.of(new float[] {-3000, -3001}, 2);
      double p = 1 / (1 + Math.exp(-1));
      values(y.softmax(0), shape(2), p, 1 - p);
      values(y.logSoftmax(0), shape(2), Math.log(p), Math.log(1 - p));
    }

    @Test
    void gradientsAtExtremesAreFinite() {
      values(gradOfSum(x -> x.logsumexp(0, false), 1000, 1000), shape(2), 0.5, 0.5);
      values(gradOfSum(x -> x.logsumexp(0, false), -1000, 0), shape(2), 0, 1);
      values(gradOfSum(x -> x.logSoftmax(0).mul(Tensor.vector(1.0, 0)), -1000, 0), shape(2), 1, -1);
      values(
          gradOfSum(x -> x.softmax(0).mul(Tensor.vector(1.0, 0)), 1000, 1000),
          shape(2),
          0.25,
          -0.25);
    }

    @Test
    void softmaxRowsSumToOne() {
      Tensor x = Tensor.normal(new Generator(3), 0, 50, DType.FLOAT64, 5, 7);
      Tensor p = x.softmax(1);
      values(p.sum(1), shape(5), 1, 1, 1, 1, 1);
      assertTrue(p.ge(0).all() && p.le(1).all());
      values(x.softmax(0).sum(0), shape(7), 1, 1, 1, 1, 1, 1, 1);
      Tensor y = Tensor.normal(new Generator(4), 0, 1, DType.FLOAT64, 5, 7);
      assertTrue(y.softmax(1).log().allClose(y.logSoftmax(1), 1e-12, 1e-12));
      // The known values: softmax([0, ln 3]) = [1/4, 3/4].
      values(Tensor.vector(0.0, Math.log(3)).softmax(0), shape(2), 0.25, 0.75);
    }
  }

  @Nested
  class ArgReductions {
    @Test
    void firstIndexWinsTies() {
      values(Tensor.vector(1.0, 3, 3, 2).argmax(), shape(), 1);
      values(Tensor.vector(2.0, 0, 0, 1).argmin(), shape(), 1);
      values(t(shape(2, 2), 1, 9, 9, 0).argmax(), shape(), 1);
      assertEquals(DType.FLOAT64, Tensor.vector(1f, 2f).argmax().dtype());
    }

    @Test
    void alongDims() {
      Tensor x = t(shape(2, 3), 1, 5, 5, 7, 2, 7);
      values(x.argmax(1, false), shape(2), 1, 0);
      values(x.argmax(0, false), shape(3), 1, 0, 1);
      values(x.argmax(-1, true), shape(2, 1), 1, 0);
      values(x.argmin(1, false), shape(2), 0, 1);
      values(x.argmin(0, true), shape(1, 3), 0, 1, 0);
      values(x.t().argmax(0, false), shape(2), 1, 0);
    }

    @Test
    void nanIsTheExtreme() {
      values(Tensor.vector(1, NAN, 5).argmax(), shape(), 1);
      values(Tensor.vector(1, NAN, -5).argmin(), shape(), 1);
    }
  }

  @Nested
  class JoiningAndIndexing {
    @Test
    void catAndStack() {
      Tensor a = t(shape(1, 2), 1, 2);
      Tensor b = t(shape(2, 2), 3, 4, 5, 6);
      values(Tensor.cat(0, a, b), shape(3, 2), 1, 2, 3, 4, 5, 6);
      values(Tensor.cat(1, b, b.t()), shape(2, 4), 3, 4, 3, 5, 5, 6, 4, 6);
      values(Tensor.cat(-1, t(shape(2, 1), 7, 8), b), shape(2, 3), 7, 3, 4, 8, 5, 6);
      Tensor u = Tensor.vector(1.0, 2);
      Tensor v = Tensor.vector(3.0, 4);
      values(Tensor.stack(0, u, v), shape(2, 2), 1, 2, 3, 4);
      values(Tensor.stack(1, u, v), shape(2, 2), 1, 3, 2, 4);
      values(Tensor.stack(-1, u, v, u), shape(2, 3), 1, 3, 1, 2, 4, 2);
      assertEquals(DType.FLOAT64, Tensor.cat(0, Tensor.vector(1f), Tensor.vector(2.0)).dtype());
    }

    @Test
    void catGradientIsSplitBack() {
      Tensor a = t(shape(1, 2), 1, 2).requiresGrad(true);
      Tensor b = Tensor.of(new float[] {3, 4, 5, 6}, 2, 2).requiresGrad(true);
      Tensor.cat(0, a, b).mul(t(shape(3, 1), 1, 2, 3)).sum().backward();
      values(a.grad(), shape(1, 2), 1, 1);
      values(b.grad(), shape(2, 2), 2, 2, 3, 3);
      assertEquals(DType.FLOAT32, b.grad().dtype());
    }

    @Test
    void indexSelect() {
      Tensor x = t(shape(3, 2), 1, 2, 3, 4, 5, 6);
      values(x.indexSelect(0, Tensor.of(new int[] {2, 0, 2}, 3)), shape(3, 2), 5, 6, 1, 2, 5, 6);
      values(x.indexSelect(1, Tensor.of(new int[] {1}, 1)), shape(3, 1), 2, 4, 6);
      values(x.t().indexSelect(1, Tensor.vector(0f, 2f)), shape(2, 2), 1, 5, 2, 6);
      values(x.indexSelect(0, Tensor.of(new int[0], 0)), shape(0, 2));
      Tensor leaf = x.requiresGrad(true);
      leaf.indexSelect(0, Tensor.of(new int[] {2, 0, 2}, 3)).sum().backward();
      values(leaf.grad(), shape(3, 2), 1, 1, 0, 0, 2, 2);
    }

    @Test
    void gatherAndScatterAdd() {
      Tensor x = t(shape(2, 3), 1, 2, 3, 4, 5, 6);
      Tensor index = Tensor.of(new int[] {2, 0, 1, 1}, 2, 2);
      values(x.gather(1, index), shape(2, 2), 3, 1, 5, 5);
      values(x.gather(0, Tensor.of(new int[] {1, 0, 1}, 1, 3)), shape(1, 3), 4, 2, 6);
      values(x.t().gather(0, Tensor.of(new int[] {2, 0}, 1, 2)), shape(1, 2), 3, 4);
      values(
          Tensor.scatterAdd(
              shape(2, 3), 1, Tensor.of(new int[] {0, 0, 2, 1}, 2, 2), t(shape(2, 2), 1, 2, 3, 4)),
          shape(2, 3),
          3,
          0,
          0,
          0,
          4,
          3);
      Tensor leaf = x.requiresGrad(true);
      leaf.gather(1, index).mul(t(shape(2, 2), 1, 10, 100, 1000)).sum().backward();
      values(leaf.grad(), shape(2, 3), 10, 0, 1, 0, 1100, 0);
    }

    @Test
    void indexAdd() {
      Tensor src = t(shape(3, 2), 1, 2, 3, 4, 5, 6);
      values(
          Tensor.indexAdd(shape(3, 2), 0, Tensor.of(new int[] {2, 0, 2}, 3), src),
          shape(3, 2),
          3,
          4,
          0,
          0,
          6,
          8);
      values(
          Tensor.indexAdd(shape(3, 3), 1, Tensor.of(new int[] {2, 2}, 2), src),
          shape(3, 3),
          0,
          0,
          3,
          0,
          0,
          7,
          0,
          0,
          11);
    }

    @Test
    void oneHot() {
      Tensor h = Tensor.of(new int[] {2, 0, 1}, 3).oneHot(3);
      values(h, shape(3, 3), 0, 0, 1, 1, 0, 0, 0, 1, 0);
      assertEquals(DType.FLOAT32, h.dtype());
      values(Tensor.of(new int[] {1, 0}, 2, 1).oneHot(2), shape(2, 1, 2), 0, 1, 1, 0);
      values(Tensor.scalar(1).oneHot(3), shape(3), 0, 1, 0);
    }
  }

  @Nested
  class DTypes {
    @Test
    void mixingFloat32AndFloat64GivesFloat64() {
      Tensor f = Tensor.vector(1f, 2f);
      Tensor d = Tensor.vector(0.5, 0.25);
      assertEquals(DType.FLOAT64, f.add(d).dtype());
      assertEquals(DType.FLOAT64, d.mul(f).dtype());
      assertEquals(DType.FLOAT64, f.pow(d).dtype());
      assertEquals(DType.FLOAT64, f.maximum(d).dtype());
      assertEquals(DType.FLOAT64, Tensor.where(f, f, d).dtype());
      assertEquals(DType.FLOAT64, f.matmul(d).dtype());
      assertEquals(DType.FLOAT32, f.add(f).dtype());
      assertEquals(DType.FLOAT32, f.add(0.5).dtype());
      assertEquals(DType.FLOAT64, d.mul(2).dtype());
      values(f.add(d), shape(2), 1.5, 2.25);
    }

    @Test
    void conversion() {
      Tensor d = Tensor.vector(0.1, 1e300);
      Tensor f = d.to(DType.FLOAT32);
      assertEquals(DType.FLOAT32, f.dtype());
      assertEquals((double) 0.1f, f.get(0));
      assertEquals(INF, f.get(1));
      assertSame(d, d.to(DType.FLOAT64), "to() its own dtype is the tensor itself");
      Tensor leaf = Tensor.vector(1f, 2f).requiresGrad(true);
      leaf.to(DType.FLOAT64).mul(Tensor.vector(0.1, 0.2)).sum().backward();
      assertEquals(DType.FLOAT32, leaf.grad().dtype(), "a gradient has its input's dtype");
      values(leaf.grad(), shape(2), 0.1, 0.2);
    }
  }
}

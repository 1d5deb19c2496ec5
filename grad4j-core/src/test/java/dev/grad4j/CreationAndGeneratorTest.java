package dev.grad4j;

import static dev.grad4j.Expect.shape;
import static dev.grad4j.Expect.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Factory functions and the seeded generator. */
class CreationAndGeneratorTest {

  @Test
  void arange() {
    Tensor a = Tensor.arange(5);
    assertEquals(DType.FLOAT32, a.dtype());
    values(a, shape(5), 0, 1, 2, 3, 4);
    values(Tensor.arange(1, 2, 0.25), shape(4), 1, 1.25, 1.5, 1.75);
    values(Tensor.arange(5, 0, -1.5), shape(4), 5, 3.5, 2, 0.5);
    values(Tensor.arange(0, 0, 1), shape(0));
    values(Tensor.arange(3, 0, 1), shape(0));
    values(Tensor.arange(DType.FLOAT64, -1, 1, 0.5), shape(4), -1, -0.5, 0, 0.5);
  }

  @Test
  void linspace() {
    values(Tensor.linspace(0, 1, 5), shape(5), 0, 0.25, 0.5, 0.75, 1);
    values(Tensor.linspace(1, -1, 3), shape(3), 1, 0, -1);
    values(Tensor.linspace(3, 7, 0), shape(0));
    Tensor l = Tensor.linspace(0, 0.3, 4);
    assertEquals((double) 0.3f, l.get(3), "the last value is exactly end");
    assertEquals(DType.FLOAT32, l.dtype());
  }

  @Test
  void linspaceWithOneStepIsStart() {
    // NumPy and PyTorch: linspace(start, end, 1) == [start]. It used to give [end].
    values(Tensor.linspace(2, 5, 1), shape(1), 2);
  }

  @Test
  void eyeFullZerosOnes() {
    values(Tensor.eye(3), shape(3, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1);
    values(Tensor.eye(DType.FLOAT64, 1), shape(1, 1), 1);
    values(Tensor.eye(0), shape(0, 0));
    values(Tensor.full(2.5, 2, 2), shape(2, 2), 2.5, 2.5, 2.5, 2.5);
    values(Tensor.full(DType.FLOAT64, -1, 3), shape(3), -1, -1, -1);
    // -0.0 is a value of its own (1 / -0.0 is -infinity), not "nothing to fill".
    assertEquals(Double.NEGATIVE_INFINITY, 1 / Tensor.full(-0.0, 1).item());
    values(Tensor.zeros(2, 3), shape(2, 3), 0, 0, 0, 0, 0, 0);
    values(Tensor.ones(DType.FLOAT64, 2), shape(2), 1, 1);
    values(Tensor.scalar(4), shape(), 4);
    assertEquals(0, Tensor.scalar(4).dim());
    assertEquals(DType.FLOAT32, Tensor.zeros(1).dtype());
    assertEquals(DType.FLOAT64, Tensor.zeros(DType.FLOAT64, 1).dtype());
    Tensor like = Tensor.zeros(DType.FLOAT64, 2, 1);
    assertEquals(DType.FLOAT64, Tensor.onesLike(like).dtype());
    values(Tensor.onesLike(like), shape(2, 1), 1, 1);
    values(Tensor.zerosLike(like), shape(2, 1), 0, 0);
    values(Tensor.fullLike(like, 3), shape(2, 1), 3, 3);
    values(Tensor.of(new int[] {1, 2, 3, 4}, 2, 2), shape(2, 2), 1, 2, 3, 4);
    assertEquals(DType.FLOAT64, Tensor.of(new int[] {1}, 1).dtype());
    values(Tensor.vector(1f, 2f), shape(2), 1, 2);
    values(Tensor.of(new double[] {5}), shape(), 5);
  }

  @Test
  void sameSeedSameBitsDifferentSeedsDiffer() {
    double[] a = Tensor.randn(new Generator(42), 1000).toDoubleArray();
    double[] b = Tensor.randn(new Generator(42), 1000).toDoubleArray();
    double[] c = Tensor.randn(new Generator(43), 1000).toDoubleArray();
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
    Generator g1 = new Generator(7);
    Generator g2 = new Generator(7);
    for (int i = 0; i < 100; i++) {
      assertEquals(g1.nextLong(), g2.nextLong());
    }
    assertNotEquals(new Generator(1).nextLong(), new Generator(2).nextLong());
    Generator reseeded = new Generator(99);
    reseeded.nextGaussian();
    reseeded.manualSeed(7);
    assertEquals(new Generator(7).nextGaussian(), reseeded.nextGaussian());
  }

  @Test
  void stateRoundTripContinuesTheStream() {
    Generator g = new Generator(5);
    g.nextGaussian(); // leaves a spare gaussian in the state
    long[] state = g.getState();
    double[] expected = new double[10];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = i % 2 == 0 ? g.nextGaussian() : g.nextDouble();
    }
    Generator other = new Generator(12345);
    other.setState(state);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], i % 2 == 0 ? other.nextGaussian() : other.nextDouble());
    }
    Tensor t1 = Tensor.rand(g, 4);
    other.setState(state);
    for (int i = 0; i < expected.length; i++) {
      if (i % 2 == 0) {
        other.nextGaussian();
      } else {
        other.nextDouble();
      }
    }
    assertArrayEquals(t1.toDoubleArray(), Tensor.rand(other, 4).toDoubleArray());
  }

  @Test
  void randpermIsAPermutation() {
    Generator g = new Generator(3);
    double[] p = Tensor.randperm(g, 50).toDoubleArray();
    double[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
    assertFalse(Arrays.equals(p, sorted), "50 elements come out shuffled");
    assertArrayEquals(p, Tensor.randperm(new Generator(3), 50).toDoubleArray());
    assertEquals(0, Tensor.randperm(g, 0).numel());
  }

  @Test
  void randIsInTheHalfOpenUnitInterval() {
    double[] u = Tensor.rand(new Generator(8), 100_000).toDoubleArray();
    double sum = 0;
    for (double v : u) {
      assertTrue(v >= 0 && v < 1, "out of [0, 1): " + v);
      sum += v;
    }
    assertEquals(0.5, sum / u.length, 0.01);
  }

  // A generator whose next 64 bits are all ones, so that nextDouble() is 1 - 2^-53: xoshiro256**
  // outputs rotl(s1 * 5, 7) * 9, which can be solved for s1.
  private static Generator atLargestDouble() {
    long s1 = Long.rotateRight(-1L * inverse(9), 7) * inverse(5);
    Generator g = new Generator(0);
    g.setState(new long[] {1, s1, 2, 3, 0, 0});
    return g;
  }

  private static long inverse(long odd) {
    long x = odd;
    for (int i = 0; i < 6; i++) {
      x *= 2 - odd * x; // Newton's iteration doubles the correct low bits
    }
    return x;
  }

  @Test
  void randNeverReturnsTheUpperBound() {
    assertEquals(1 - 0x1.0p-53, atLargestDouble().nextDouble());
    // 1 - 2^-53 rounds to 1.0f in float32, and 1 + (1 - 2^-53) rounds to 2.0 in float64.
    double f = Tensor.rand(atLargestDouble(), 1).item();
    assertTrue(f < 1, "float32 rand gave " + f);
    double d = Tensor.uniform(atLargestDouble(), 1, 2, DType.FLOAT64, 1).item();
    assertTrue(d < 2, "float64 uniform(1, 2) gave " + d);
    double e = Tensor.uniform(atLargestDouble(), -3, 0.1, DType.FLOAT32, 1).item();
    assertTrue(e < 0.1, "float32 uniform(-3, 0.1) gave " + e);
    assertEquals(Math.nextDown(1f), f);
  }

  @Test
  void uniformRange() {
    double[] u = Tensor.uniform(new Generator(9), -2, 3, DType.FLOAT64, 10_000).toDoubleArray();
    double min = Arrays.stream(u).min().orElseThrow();
    double max = Arrays.stream(u).max().orElseThrow();
    assertTrue(min >= -2 && min < -1.99, "min " + min);
    assertTrue(max < 3 && max > 2.99, "max " + max);
  }

  @Test
  void randnHasMeanZeroAndUnitStd() {
    Tensor x = Tensor.randn(new Generator(10), 100_000).to(DType.FLOAT64);
    assertEquals(0, x.mean().item(), 0.015);
    assertEquals(1, Math.sqrt(x.var().item()), 0.015);
    Tensor y = Tensor.normal(new Generator(10), 3, 2, DType.FLOAT64, 100_000);
    assertEquals(3, y.mean().item(), 0.03);
    assertEquals(2, Math.sqrt(y.var().item()), 0.03);
    // About 68.3% within one standard deviation.
    assertEquals(0.683, x.abs().lt(1).mean().item(), 0.01);
  }

  @Test
  void bernoulli() {
    Tensor b = Tensor.bernoulli(new Generator(11), 0.3, 10_000);
    assertTrue(b.eq(0).add(b.eq(1)).all(), "only zeros and ones");
    assertEquals(0.3, b.mean().item(), 0.02);
    values(Tensor.bernoulli(new Generator(1), 0, 3), shape(3), 0, 0, 0);
    values(Tensor.bernoulli(new Generator(1), 1, 3), shape(3), 1, 1, 1);
  }
}

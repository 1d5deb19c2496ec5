package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Elementwise ops and reductions on random shapes and layouts (permuted, narrowed, expanded, rows
 * longer than a kernel chunk) against element-by-element loops over {@link Tensor#get}.
 */
class LayoutConsistencyTest {

  // A tensor of the given shape whose memory layout is random: a permutation of a larger base,
  // optionally narrowed, so that strides and offset are unusual.
  private static Tensor scrambled(Generator g, int[] shape) {
    int rank = shape.length;
    int[] order = new int[rank];
    double[] perm = Tensor.randperm(g, rank).toDoubleArray();
    for (int i = 0; i < rank; i++) {
      order[i] = (int) perm[i];
    }
    int[] baseShape = new int[rank];
    for (int i = 0; i < rank; i++) {
      baseShape[i] = shape[order[i]] + (g.nextInt(3) == 0 ? 1 : 0);
    }
    Tensor base = Tensor.normal(g, 0, 1, DType.FLOAT64, baseShape);
    Tensor t = base.permute(inverse(order));
    for (int d = 0; d < rank; d++) {
      if (t.size(d) > shape[d]) {
        t = t.narrow(d, 1, shape[d]);
      }
    }
    assertArrayEquals(shape, t.shape());
    return t;
  }

  private static int[] inverse(int[] order) {
    // Base dim i becomes result dim order[i]; permute(p) puts base dim p[j] at result dim j.
    int[] inv = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      inv[order[i]] = i;
    }
    return inv;
  }

  private static int[] randomShape(Generator g, int maxRank) {
    int rank = 1 + g.nextInt(maxRank);
    int[] s = new int[rank];
    for (int i = 0; i < rank; i++) {
      s[i] = 1 + g.nextInt(4);
    }
    return s;
  }

  private static List<int[]> positions(int[] shape) {
    List<int[]> out = new ArrayList<>();
    int n = Shapes.numel(shape);
    for (int flat = 0; flat < n; flat++) {
      int[] idx = new int[shape.length];
      int rem = flat;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem /= shape[d];
      }
      out.add(idx);
    }
    return out;
  }

  // The element of t that broadcasts to position idx of a larger shape.
  private static double at(Tensor t, int[] idx) {
    int lead = idx.length - t.dim();
    int[] own = new int[t.dim()];
    for (int d = 0; d < own.length; d++) {
      own[d] = t.size(d) == 1 ? 0 : idx[d + lead];
    }
    return t.get(own);
  }

  @Test
  void broadcastBinaryOpsOnScrambledLayouts() {
    Generator g = new Generator(21);
    for (int trial = 0; trial < 60; trial++) {
      int[] out = randomShape(g, 4);
      int[] sa = out.clone();
      int[] sb = Arrays.copyOfRange(out, g.nextInt(out.length), out.length);
      for (int d = 0; d < sa.length; d++) {
        if (g.nextInt(3) == 0) {
          sa[d] = 1;
        }
      }
      for (int d = 0; d < sb.length; d++) {
        if (g.nextInt(3) == 0) {
          sb[d] = 1;
        }
      }
      Tensor a = scrambled(g, sa);
      Tensor b = scrambled(g, sb);
      Tensor sum = a.add(b);
      Tensor prod = a.mul(b);
      Tensor pick = Tensor.where(a.gt(0), a, b);
      int[] expectedShape = Shapes.broadcast("test", sa, sb);
      assertArrayEquals(expectedShape, sum.shape());
      for (int[] idx : positions(expectedShape)) {
        double x = at(a, idx);
        double y = at(b, idx);
        assertEquals(x + y, sum.get(idx), 1e-12);
        assertEquals(x * y, prod.get(idx), 1e-12);
        assertEquals(x > 0 ? x : y, pick.get(idx), 0);
      }
      Tensor e = a.exp();
      for (int[] idx : positions(sa)) {
        assertEquals(Math.exp(a.get(idx)), e.get(idx), 1e-12);
      }
    }
  }

  @Test
  void reductionsOverRandomDimsOfScrambledLayouts() {
    Generator g = new Generator(22);
    for (int trial = 0; trial < 60; trial++) {
      int[] shape = randomShape(g, 4);
      Tensor x = scrambled(g, shape);
      boolean[] reduced = new boolean[shape.length];
      List<Integer> dims = new ArrayList<>();
      for (int d = 0; d < shape.length; d++) {
        if (g.nextInt(2) == 0) {
          reduced[d] = true;
          dims.add(g.nextInt(2) == 0 ? d : d - shape.length);
        }
      }
      if (dims.isEmpty()) {
        Arrays.fill(reduced, true);
      }
      int[] dimArray = dims.stream().mapToInt(Integer::intValue).toArray();
      Tensor sum = x.sum(dimArray, true);
      Tensor max = x.max(dimArray, true);
      Tensor mean = x.mean(dimArray, false);
      int[] kept = shape.clone();
      int count = 1;
      for (int d = 0; d < shape.length; d++) {
        if (reduced[d]) {
          kept[d] = 1;
          count *= shape[d];
        }
      }
      assertArrayEquals(kept, sum.shape());
      double[] s = new double[Shapes.numel(kept)];
      double[] m = new double[s.length];
      Arrays.fill(m, Double.NEGATIVE_INFINITY);
      int[] keptStrides = dev.grad4j.backend.Strided.rowMajorStrides(kept);
      for (int[] idx : positions(shape)) {
        int o = 0;
        for (int d = 0; d < shape.length; d++) {
          o += reduced[d] ? 0 : idx[d] * keptStrides[d];
        }
        s[o] += x.get(idx);
        m[o] = Math.max(m[o], x.get(idx));
      }
      assertArrayEquals(s, sum.toDoubleArray(), 1e-12);
      assertArrayEquals(m, max.toDoubleArray(), 0);
      double[] avg = s.clone();
      for (int i = 0; i < avg.length; i++) {
        avg[i] /= count;
      }
      assertArrayEquals(avg, mean.toDoubleArray(), 1e-12);
    }
  }

  @Test
  void rowsLongerThanAKernelChunk() {
    Generator g = new Generator(23);
    Tensor a = Tensor.normal(g, 0, 1, DType.FLOAT64, 3, 2100);
    Tensor b = Tensor.normal(g, 0, 1, DType.FLOAT64, 2100);
    Tensor c = Tensor.normal(g, 0, 1, DType.FLOAT64, 2100, 3).t(); // [3, 2100], column-major
    Tensor sum = a.add(b).add(c);
    Tensor rowMax = c.max(1, false);
    Tensor colSum = c.sum(0);
    for (int i = 0; i < 3; i++) {
      double mx = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < 2100; j++) {
        assertEquals(a.get(i, j) + b.get(j) + c.get(i, j), sum.get(i, j), 1e-12);
        mx = Math.max(mx, c.get(i, j));
      }
      assertEquals(mx, rowMax.get(i));
    }
    for (int j = 0; j < 2100; j += 97) {
      assertEquals(c.get(0, j) + c.get(1, j) + c.get(2, j), colSum.get(j), 1e-12);
    }
    Tensor f = a.to(DType.FLOAT32).t().contiguous();
    for (int j = 0; j < 2100; j += 53) {
      assertEquals((float) a.get(2, j), f.get(j, 2));
    }
  }
}

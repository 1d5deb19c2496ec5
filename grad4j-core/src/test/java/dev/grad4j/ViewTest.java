package dev.grad4j;

import static dev.grad4j.Expect.shape;
import static dev.grad4j.Expect.t;
import static dev.grad4j.Expect.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.autograd.GradMode;
import org.junit.jupiter.api.Test;

/** Views share storage, copies do not, and in-place writes are seen (and done) correctly. */
class ViewTest {

  @Test
  void sameDtypeCopiesKeepEveryBit() {
    float signaling = Float.intBitsToFloat(0x7fa00001); // a signaling NaN with a payload
    Tensor t = Tensor.of(new float[] {signaling, -0f, 1.5f, Float.MIN_VALUE}, 2, 2);
    int[] expected = {0x7fa00001, 0x80000000, Float.floatToRawIntBits(1.5f), 1};
    for (Tensor copy :
        new Tensor[] {t.clone(), t.t().contiguous().t(), Tensor.zeros(2, 2).copyFrom(t)}) {
      float[] values = copy.toFloatArray();
      for (int i = 0; i < 4; i++) {
        org.junit.jupiter.api.Assertions.assertEquals(
            expected[i], Float.floatToRawIntBits(values[i]), "element " + i);
      }
    }
  }

  private static Tensor base() {
    return Tensor.arange(DType.FLOAT64, 0, 6, 1).reshape(2, 3);
  }

  @Test
  void viewsShareStorage() {
    Tensor b = base();
    Tensor[] views = {
      b.reshape(3, 2),
      b.view(6),
      b.flatten(),
      b.t(),
      b.transpose(0, 1),
      b.permute(1, 0),
      b.narrow(1, 1, 2),
      b.select(0, 1),
      b.unsqueeze(0),
      b.unsqueeze(0).squeeze(),
      b.narrow(0, 0, 1).squeeze(0),
      b.reshape(1, 2, 3).expand(4, 2, 3),
      b.contiguous(),
      b.detach()
    };
    for (Tensor v : views) {
      assertTrue(v.sharesStorageWith(b), "shares storage: " + v);
    }
    assertFalse(b.clone().sharesStorageWith(b));
    assertFalse(b.t().contiguous().sharesStorageWith(b));
    assertFalse(b.to(DType.FLOAT32).sharesStorageWith(b));
  }

  @Test
  void inPlaceChangesToTheBaseAreSeenThroughViews() {
    Tensor b = base().requiresGrad(true);
    Tensor tr = b.t();
    Tensor row = b.select(0, 1);
    Tensor window = b.narrow(1, 1, 2);
    Tensor flat = b.view(6);
    try (var g = GradMode.disabled()) {
      b.set(100, 0, 1);
      b.addInPlace(Tensor.vector(0.0, 0, 10));
    }
    assertEquals(100, tr.get(1, 0));
    values(row, shape(3), 3, 4, 15);
    values(window, shape(2, 2), 100, 12, 4, 15);
    values(flat, shape(6), 0, 100, 12, 3, 4, 15);
    assertEquals(2, b.version());
    assertEquals(2, tr.version(), "views share the version counter");
  }

  @Test
  void narrowSelectAndPermuteValues() {
    Tensor b = base();
    values(b.narrow(1, 1, 2), shape(2, 2), 1, 2, 4, 5);
    values(b.narrow(0, 1, 1), shape(1, 3), 3, 4, 5);
    values(b.narrow(1, 3, 0), shape(2, 0));
    values(b.select(1, -1), shape(2), 2, 5);
    values(b.t(), shape(3, 2), 0, 3, 1, 4, 2, 5);
    Tensor c = Tensor.arange(DType.FLOAT64, 0, 24, 1).reshape(2, 3, 4);
    Tensor p = c.permute(2, 0, 1);
    assertArrayEquals(shape(4, 2, 3), p.shape());
    assertArrayEquals(shape(1, 12, 4), p.strides());
    assertEquals(c.get(1, 2, 3), p.get(3, 1, 2));
    assertEquals(c.get(1, 0, 2), c.transpose(-1, 0).get(2, 0, 1));
  }

  @Test
  void viewOfATransposedTensorThrowsAndReshapeCopies() {
    Tensor tr = base().t();
    assertFalse(tr.isContiguous());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tr.view(6));
    assertEquals(
        "view: cannot view a tensor of shape [3, 2] and strides [1, 3] as [6] without copying;"
            + " use reshape",
        e.getMessage());
    Tensor r = tr.reshape(6);
    values(r, shape(6), 0, 3, 1, 4, 2, 5);
    assertFalse(r.sharesStorageWith(tr));
    // A transposed tensor can still be viewed where the layout allows.
    assertTrue(tr.view(3, 1, 2).sharesStorageWith(tr));
    assertTrue(tr.unsqueeze(1).sharesStorageWith(tr));
  }

  @Test
  void contiguous() {
    Tensor b = base();
    assertTrue(b.isContiguous());
    assertSame(b, b.contiguous());
    Tensor c = b.t().contiguous();
    assertTrue(c.isContiguous());
    assertArrayEquals(shape(2, 1), c.strides());
    values(c, shape(3, 2), 0, 3, 1, 4, 2, 5);
    assertFalse(b.narrow(1, 0, 2).isContiguous());
    assertTrue(b.narrow(0, 1, 1).isContiguous());
  }

  @Test
  void expandStridesAndValues() {
    Tensor col = t(shape(3, 1), 1, 2, 3);
    Tensor e = col.expand(2, 3, 4);
    assertArrayEquals(shape(2, 3, 4), e.shape());
    assertArrayEquals(shape(0, 1, 0), e.strides());
    assertEquals(3, e.get(1, 2, 3));
    assertArrayEquals(shape(3, 5), col.expand(-1, 5).shape());
    values(Tensor.scalar(7, DType.FLOAT64).expand(2), shape(2), 7, 7);
    assertArrayEquals(shape(0), Tensor.scalar(7).expand(2).strides());
  }

  @Test
  void squeezeUnsqueezeFlatten() {
    Tensor x = Tensor.zeros(1, 3, 1, 2);
    assertArrayEquals(shape(3, 2), x.squeeze().shape());
    assertArrayEquals(shape(1, 3, 2), x.squeeze(2).shape());
    assertArrayEquals(shape(1, 3, 1, 2), x.squeeze(1).shape(), "a dim of size 3 stays");
    assertArrayEquals(shape(1, 3, 1, 2, 1), x.unsqueeze(-1).shape());
    assertArrayEquals(shape(1, 1, 3, 1, 2), x.unsqueeze(1).shape());
    assertArrayEquals(shape(6), x.flatten().shape());
    assertArrayEquals(shape(1, 3, 2), x.flatten(1, 2).shape());
    assertArrayEquals(shape(1, 6), x.flatten(1, -1).shape());
    assertArrayEquals(shape(1), Tensor.scalar(1).flatten().shape());
    assertArrayEquals(shape(2, 12), Tensor.zeros(2, 3, 4).reshape(2, -1).shape());
    assertArrayEquals(shape(), Tensor.zeros(1, 1).reshape().shape());
  }

  @Test
  void inPlaceFromAnOverlappingViewReadsTheOldValues() {
    // The kernels write as they read: a source sharing the target's storage must not see its own
    // writes. x += x^T must be symmetric.
    Tensor x = Tensor.arange(DType.FLOAT64, 0, 9, 1).reshape(3, 3);
    x.addInPlace(x.t());
    values(x, shape(3, 3), 0, 4, 8, 4, 8, 12, 8, 12, 16);
    Tensor y = Tensor.arange(DType.FLOAT64, 0, 9, 1).reshape(3, 3);
    y.copyFrom(y.t());
    values(y, shape(3, 3), 0, 3, 6, 1, 4, 7, 2, 5, 8);
    Tensor z = Tensor.arange(DType.FLOAT64, 0, 5000, 1);
    z.narrow(0, 1, 4999).copyFrom(z.narrow(0, 0, 4999)); // a shift by one, across row chunks
    double[] got = z.toDoubleArray();
    assertEquals(0, got[0]);
    for (int i = 1; i < got.length; i++) {
      assertEquals(i - 1, got[i], "element " + i);
    }
    Tensor w = Tensor.vector(1.0, 2, 3);
    w.mulInPlace(w);
    values(w, shape(3), 1, 4, 9);
  }

  @Test
  void inPlaceIntoAnExpandedViewThrows() {
    Tensor e = Tensor.zeros(3, 1).expand(3, 2);
    IllegalArgumentException ex =
        assertThrows(IllegalArgumentException.class, () -> e.mulInPlace(2));
    assertEquals(
        "mulInPlace: cannot write in place to a tensor of shape [3, 2] and strides [1, 0] whose"
            + " elements share memory (an expand() view); clone() it first",
        ex.getMessage());
    assertThrows(IllegalArgumentException.class, () -> e.addInPlace(Tensor.ones(3, 2)));
    assertThrows(IllegalArgumentException.class, () -> e.copyFrom(Tensor.ones(3, 2)));
    // Writing into a size-1 broadcast dim is fine: each element is written once.
    Tensor one = Tensor.zeros(3, 1).expand(3, 1);
    one.addInPlace(Tensor.ones(3, 1));
    values(one, shape(3, 1), 1, 1, 1);
  }

  @Test
  void inPlaceOpsBroadcastTheirArgumentAndBumpTheVersion() {
    Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
    x.addInPlace(Tensor.vector(1.0, 2, 3)).subInPlace(Tensor.scalar(1, DType.FLOAT64));
    values(x, shape(2, 3), 0, 1, 2, 0, 1, 2);
    x.mulInPlace(t(shape(2, 1), 2, 3));
    values(x, shape(2, 3), 0, 2, 4, 0, 3, 6);
    x.fill(5).set(1, 1, -1);
    values(x, shape(2, 3), 5, 5, 5, 5, 5, 1);
    x.zero();
    values(x, shape(2, 3), 0, 0, 0, 0, 0, 0);
    assertEquals(6, x.version()); // add, sub, mul, fill, set, zero
    Tensor f = Tensor.zeros(2);
    f.copyFrom(Tensor.vector(0.1, 0.2));
    assertEquals((double) 0.1f, f.get(0));
  }
}

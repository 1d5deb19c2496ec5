package dev.grad4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import org.junit.jupiter.api.Test;

class TransformsTest {
  /** Two examples of 2 channels of 1x2 pixels, labels 1 and 2. */
  private static TensorDataset small() {
    return new TensorDataset(
        Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 1, 2),
        Tensor.of(new int[] {1, 2}, 2));
  }

  @Test
  void normalizeSubtractsAndDivides() {
    TensorDataset ds = small();
    TensorDataset n = Transforms.normalize(ds, 1, 2);
    assertEquals(DType.FLOAT32, n.inputs().dtype());
    assertArrayEquals(new float[] {-0.5f, 0, 0.5f, 1, 1.5f, 2, 2.5f, 3}, n.inputs().toFloatArray());
    assertArrayEquals(ds.labels().toDoubleArray(), n.labels().toDoubleArray());
    assertEquals(0f, ds.inputs().toFloatArray()[0], "the original is unchanged");
    var e = assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(ds, 0, 0));
    assertEquals("normalize: std must be positive and finite, got 0.0", e.getMessage());
  }

  @Test
  void normalizePerChannel() {
    TensorDataset n = Transforms.normalize(small(), new double[] {0, 10}, new double[] {1, 2});
    assertArrayEquals(new float[] {0, 1, -4, -3.5f, 4, 5, -2, -1.5f}, n.inputs().toFloatArray());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Transforms.normalize(small(), new double[] {0}, new double[] {1}));
    assertEquals(
        "normalize: inputs [2, 2, 1, 2] need one mean and std per channel (dim 1), got 1 means and 1"
            + " stds",
        e.getMessage());
  }

  @Test
  void meanStdThenNormalizeGivesZeroMeanUnitStd() {
    double[] ms = Transforms.meanStd(small());
    assertEquals(3.5, ms[0], 1e-12);
    assertEquals(Math.sqrt(5.25), ms[1], 1e-12);
    double[] after = Transforms.meanStd(Transforms.normalize(small(), ms[0], ms[1]));
    assertEquals(0, after[0], 1e-6);
    assertEquals(1, after[1], 1e-6);
  }

  @Test
  void flattenKeepsTheBatchDim() {
    TensorDataset f = Transforms.flatten(small());
    assertArrayEquals(new int[] {2, 4}, f.inputs().shape());
    assertArrayEquals(new int[] {4}, f.inputShape());
    assertArrayEquals(small().inputs().toFloatArray(), f.inputs().toFloatArray());
  }

  @Test
  void oneHotLabels() {
    TensorDataset o = Transforms.oneHot(small(), 3);
    assertArrayEquals(new int[] {2, 3}, o.labels().shape());
    assertArrayEquals(new double[] {0, 1, 0, 0, 0, 1}, o.labels().toDoubleArray());
    var e = assertThrows(IndexOutOfBoundsException.class, () -> Transforms.oneHot(small(), 2));
    assertEquals(
        "oneHot: label 2 is out of range for 2 classes (expected integers 0 to 1)", e.getMessage());
  }

  @Test
  void mapInputsAppliesOnce() {
    TensorDataset m = Transforms.mapInputs(small(), x -> x.mul(2));
    assertEquals(14f, m.inputs().toFloatArray()[7]);
    assertTrue(m.size() == 2);
  }
}

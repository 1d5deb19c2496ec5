package dev.grad4j.data;

import dev.grad4j.Tensor;
import java.util.Arrays;

/** A dataset held in memory as an inputs tensor [N, ...] and a labels tensor [N]. */
public final class TensorDataset implements Dataset {
  private final Tensor inputs;
  private final Tensor labels;

  /** Pairs inputs [N, ...] with labels [N]; the first dims must agree. */
  public TensorDataset(Tensor inputs, Tensor labels) {
    if (inputs.dim() == 0 || labels.dim() == 0 || inputs.size(0) != labels.size(0)) {
      throw new IllegalArgumentException(
          "TensorDataset: inputs "
              + Arrays.toString(inputs.shape())
              + " and labels "
              + Arrays.toString(labels.shape())
              + " must have the same number of examples in dim 0");
    }
    this.inputs = inputs.detach();
    this.labels = labels.detach();
  }

  /** All inputs, [N, ...]. */
  public Tensor inputs() {
    return inputs;
  }

  /** All labels, [N]. */
  public Tensor labels() {
    return labels;
  }

  @Override
  public int size() {
    return inputs.size(0);
  }

  @Override
  public int[] inputShape() {
    return Arrays.copyOfRange(inputs.shape(), 1, inputs.dim());
  }

  @Override
  public Batch batch(int[] indices) {
    Tensor index = Tensor.of(indices, indices.length);
    return new Batch(inputs.indexSelect(0, index), labels.indexSelect(0, index));
  }

  /** Examples [from, to) as a new dataset sharing this one's storage. */
  public TensorDataset slice(int from, int to) {
    if (from < 0 || to > size() || from > to) {
      throw new IllegalArgumentException(
          "slice: [" + from + ", " + to + ") is not within 0.." + size());
    }
    return new TensorDataset(inputs.narrow(0, from, to - from), labels.narrow(0, from, to - from));
  }
}

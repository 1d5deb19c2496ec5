package dev.grad4j.data;

import dev.grad4j.Tensor;

/**
 * A finite, indexable collection of examples that can be gathered into batches. {@link
 * TensorDataset} is the common implementation: all examples in memory as two tensors.
 */
public interface Dataset {
  /** The number of examples. */
  int size();

  /** The examples at the given indices, stacked along a new first dim, as one batch. */
  Batch batch(int[] indices);

  /** The shape of one input (without the batch dim), e.g. [1, 28, 28]. */
  int[] inputShape();

  /** Convenience: the batch of all examples in order. */
  default Batch all() {
    int[] indices = new int[size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
    }
    return batch(indices);
  }

  /** Convenience: one example's input, without the batch dim. */
  default Tensor input(int index) {
    return batch(new int[] {index}).inputs().squeeze(0);
  }
}

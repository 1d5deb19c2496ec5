package dev.grad4j.data;

import dev.grad4j.Tensor;

/**
 * A mini-batch: inputs [B, ...] and labels [B] (integer class indices held in a float64 tensor), or
 * whatever targets the dataset holds.
 */
public record Batch(Tensor inputs, Tensor labels) {
  /** The number of examples in the batch. */
  public int size() {
    return inputs.size(0);
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/**
 * Batch normalisation over [N, C] or [N, C, L] inputs, as PyTorch's {@code nn.BatchNorm1d}: each
 * channel is normalised by its mean and biased variance over the batch (and L), then scaled by
 * {@code weight} and shifted by {@code bias}. Training updates {@code running_mean} and {@code
 * running_var} (the unbiased variance) with momentum 0.1 by default and counts {@code
 * num_batches_tracked}; eval mode normalises with the running statistics. See {@link
 * Functional#batchNorm}.
 */
public final class BatchNorm1d extends BatchNormBase {

  /** eps 1e-5, momentum 0.1, affine, tracking running statistics. */
  public BatchNorm1d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true, true);
  }

  /** The general layer. */
  public BatchNorm1d(
      int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
    super("BatchNorm1d", numFeatures, eps, momentum, affine, trackRunningStats);
  }

  @Override
  String layerName() {
    return "BatchNorm1d";
  }

  @Override
  void checkInput(Tensor input) {
    if ((input.dim() != 2 && input.dim() != 3) || input.size(1) != numFeatures()) {
      throw new IllegalArgumentException(
          "BatchNorm1d: expected input [N, "
              + numFeatures()
              + "] or [N, "
              + numFeatures()
              + ", L], got "
              + shape(input));
    }
  }
}

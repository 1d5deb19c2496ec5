package dev.grad4j.nn;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.Arrays;

/**
 * What {@link BatchNorm1d} and {@link BatchNorm2d} share: the parameters {@code weight} (ones) and
 * {@code bias} (zeros) when affine, and the buffers {@code running_mean} (zeros), {@code
 * running_var} (ones) and {@code num_batches_tracked} (a scalar count) when tracking running
 * statistics, under PyTorch's names so that state dicts match.
 */
abstract class BatchNormBase extends Module {
  private final int numFeatures;
  private final double eps;
  private final double momentum;
  private final boolean affine;
  private final boolean trackRunningStats;

  BatchNormBase(
      String layer,
      int numFeatures,
      double eps,
      double momentum,
      boolean affine,
      boolean trackRunningStats) {
    if (numFeatures <= 0) {
      throw new IllegalArgumentException(
          layer + ": numFeatures must be positive, got " + numFeatures);
    }
    if (!(eps >= 0) || !(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(
          layer
              + ": need eps >= 0 and momentum in [0, 1], got eps="
              + eps
              + ", momentum="
              + momentum);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    if (affine) {
      registerParameter("weight", Tensor.ones(numFeatures));
      registerParameter("bias", Tensor.zeros(numFeatures));
    }
    if (trackRunningStats) {
      registerBuffer("running_mean", Tensor.zeros(numFeatures));
      registerBuffer("running_var", Tensor.ones(numFeatures));
      registerBuffer("num_batches_tracked", Tensor.zeros(DType.FLOAT64));
    }
  }

  /** The layer's name for error messages. */
  abstract String layerName();

  /** Throws unless the input has a shape this layer accepts. */
  abstract void checkInput(Tensor input);

  /** The number of channels C. */
  public final int numFeatures() {
    return numFeatures;
  }

  /** The scale [C], or null when not affine. */
  public final Tensor weight() {
    return affine ? parameter("weight") : null;
  }

  /** The shift [C], or null when not affine. */
  public final Tensor bias() {
    return affine ? parameter("bias") : null;
  }

  /** The running mean [C], or null when running statistics are not tracked. */
  public final Tensor runningMean() {
    return trackRunningStats ? buffer("running_mean") : null;
  }

  /** The running (unbiased) variance [C], or null when running statistics are not tracked. */
  public final Tensor runningVar() {
    return trackRunningStats ? buffer("running_var") : null;
  }

  /** How many training batches have updated the running statistics (0 when not tracked). */
  public final long numBatchesTracked() {
    return trackRunningStats ? (long) buffer("num_batches_tracked").item() : 0;
  }

  /** Resets the running statistics to mean 0, variance 1 and a count of 0. */
  public final void resetRunningStats() {
    if (trackRunningStats) {
      try (var g = GradMode.disabled()) {
        buffer("running_mean").fill(0);
        buffer("running_var").fill(1);
        buffer("num_batches_tracked").fill(0);
      }
    }
  }

  /**
   * In training mode, normalises with the batch's statistics and updates the running ones (momentum
   * weights the new batch); in eval mode, normalises with the running statistics. Without tracked
   * running statistics, the batch's statistics are used in both modes.
   */
  @Override
  public final Tensor forward(Tensor input) {
    checkInput(input);
    boolean useBatch = isTraining() || !trackRunningStats;
    if (isTraining() && trackRunningStats) {
      try (var g = GradMode.disabled()) {
        buffer("num_batches_tracked").addInPlace(Tensor.scalar(1, DType.FLOAT64));
      }
    }
    return Functional.batchNorm(
        layerName(), input, runningMean(), runningVar(), weight(), bias(), useBatch, momentum, eps);
  }

  static String shape(Tensor t) {
    return Arrays.toString(t.shape());
  }

  @Override
  protected String extraRepr() {
    return numFeatures
        + ", eps="
        + eps
        + ", momentum="
        + momentum
        + ", affine="
        + affine
        + ", trackRunningStats="
        + trackRunningStats;
  }
}

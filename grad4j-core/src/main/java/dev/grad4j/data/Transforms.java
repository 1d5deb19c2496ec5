package dev.grad4j.data;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Whole-dataset transforms. Each returns a new {@link TensorDataset} and leaves its argument
 * unchanged; they are applied once, eagerly, to the in-memory tensors (not per batch), so they cost
 * nothing during training.
 *
 * <pre>{@code
 * Split data = Datasets.bundledDigits();
 * double[] ms = Transforms.meanStd(data.train());           // statistics of the training part
 * var train = Transforms.normalize(data.train(), ms[0], ms[1]);
 * var test = Transforms.normalize(data.test(), ms[0], ms[1]); // the same numbers for test
 * }</pre>
 */
public final class Transforms {
  private Transforms() {}

  /**
   * The inputs mapped to {@code (x - mean) / std}, in their own dtype. Compute {@code mean} and
   * {@code std} on the training part (see {@link #meanStd}) and use the same numbers for the test
   * part. (The usual MNIST numbers are mean 0.1307 and std 0.3081.)
   */
  public static TensorDataset normalize(TensorDataset ds, double mean, double std) {
    checkStd(std);
    return new TensorDataset(ds.inputs().sub(mean).div(std), ds.labels());
  }

  /**
   * Per-channel normalisation of inputs [N, C, ...]: channel c becomes {@code (x - mean[c]) /
   * std[c]}.
   */
  public static TensorDataset normalize(TensorDataset ds, double[] mean, double[] std) {
    Tensor x = ds.inputs();
    if (x.dim() < 2 || mean.length != x.size(1) || std.length != x.size(1)) {
      throw new IllegalArgumentException(
          "normalize: inputs "
              + Arrays.toString(x.shape())
              + " need one mean and std per channel (dim 1), got "
              + mean.length
              + " means and "
              + std.length
              + " stds");
    }
    for (double s : std) {
      checkStd(s);
    }
    int[] shape = new int[x.dim()];
    Arrays.fill(shape, 1);
    shape[1] = x.size(1);
    Tensor m = Tensor.of(mean.clone(), shape).to(x.dtype());
    Tensor s = Tensor.of(std.clone(), shape).to(x.dtype());
    return new TensorDataset(x.sub(m).div(s), ds.labels());
  }

  /**
   * The mean and (population) standard deviation over all input elements, as {@code {mean, std}},
   * computed in float64.
   */
  public static double[] meanStd(TensorDataset ds) {
    Tensor x = ds.inputs().to(DType.FLOAT64);
    double mean = x.mean().item();
    double var = x.sub(mean).square().mean().item();
    return new double[] {mean, Math.sqrt(var)};
  }

  /** Inputs [N, d1, d2, ...] reshaped to [N, d1·d2·...], e.g. images [N, 1, 28, 28] to [N, 784]. */
  public static TensorDataset flatten(TensorDataset ds) {
    Tensor x = ds.inputs();
    int features = 1;
    for (int i = 1; i < x.dim(); i++) {
      features *= x.size(i);
    }
    return new TensorDataset(x.reshape(x.size(0), features), ds.labels());
  }

  /**
   * Labels [N] of class indices replaced by one-hot rows [N, numClasses] (float32), e.g. for a
   * mean-squared-error loss. A label outside 0..numClasses-1 is an {@link
   * IndexOutOfBoundsException} naming it.
   */
  public static TensorDataset oneHot(TensorDataset ds, int numClasses) {
    return new TensorDataset(ds.inputs(), ds.labels().oneHot(numClasses));
  }

  /** Inputs replaced by {@code f(inputs)} (applied once to the whole [N, ...] tensor). */
  public static TensorDataset mapInputs(TensorDataset ds, UnaryOperator<Tensor> f) {
    return new TensorDataset(f.apply(ds.inputs()), ds.labels());
  }

  private static void checkStd(double std) {
    if (!(std > 0) || Double.isInfinite(std)) {
      throw new IllegalArgumentException("normalize: std must be positive and finite, got " + std);
    }
  }
}

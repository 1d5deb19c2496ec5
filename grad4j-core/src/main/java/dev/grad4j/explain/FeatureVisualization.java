package dev.grad4j.explain;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.attack.InputGradients;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Sequential;
import java.util.Arrays;

/**
 * Feature (unit) visualisation: gradient ascent on the input to maximise one unit,
 *
 * <pre>
 *   x* = argmax_x  h(x) − λ₂·Σ x² − λ_tv·TV(x),   TV(x) = Σ (x[i+1,j] − x[i,j])² + (x[i,j+1] − x[i,j])²
 * </pre>
 *
 * <p>where h is the output of layer {@code layer} of a {@link Sequential} (the layers 0..layer run,
 * in eval mode), element {@code unit} of it: a class logit when the layer is the last one, a hidden
 * unit of a Linear layer, or the spatial mean of channel {@code unit} of a conv feature map [1, C,
 * H, W]. Each step takes the gradient g of the objective and moves x ← clamp(x + α·g / rms(g), min,
 * max): the normalised step keeps the pace the same whatever the gradient's scale. With jitter j
 * &gt; 0, the image [1, C, H, W] is rolled by a random shift in [−j, j]² before each forward pass
 * (and the gradient taken through the roll), which discourages high-frequency patterns. The start
 * is mid-range plus seeded uniform noise of width {@code initNoise}·(max − min).
 */
public final class FeatureVisualization {
  private FeatureVisualization() {}

  /** The options; {@link #defaults()} suits 28×28 images in [0, 1]. */
  public record Options(
      int steps,
      double stepSize,
      double l2,
      double tv,
      int jitter,
      long seed,
      double min,
      double max,
      double initNoise) {
    /** 200 steps of 0.05, λ₂ = 0.01, λ_tv = 0.05, jitter 1, seed 0, range [0, 1], noise 0.1. */
    public static Options defaults() {
      return new Options(200, 0.05, 0.01, 0.05, 1, 0, 0, 1, 0.1);
    }

    public Options withSteps(int n) {
      return new Options(n, stepSize, l2, tv, jitter, seed, min, max, initNoise);
    }

    public Options withStepSize(double a) {
      return new Options(steps, a, l2, tv, jitter, seed, min, max, initNoise);
    }

    public Options withRegularisers(double l2w, double tvw) {
      return new Options(steps, stepSize, l2w, tvw, jitter, seed, min, max, initNoise);
    }

    public Options withJitter(int j) {
      return new Options(steps, stepSize, l2, tv, j, seed, min, max, initNoise);
    }

    public Options withSeed(long s) {
      return new Options(steps, stepSize, l2, tv, jitter, s, min, max, initNoise);
    }

    public Options withRange(double lo, double hi) {
      return new Options(steps, stepSize, l2, tv, jitter, seed, lo, hi, initNoise);
    }
  }

  /** The synthesised input [1, ...] and the unit's value h at the start and at the end. */
  public record Result(Tensor image, double initialActivation, double finalActivation) {}

  /**
   * Maximises the class logit {@code classIndex} of the model's output.
   *
   * @param inputShape one example's shape, e.g. [1, 28, 28]
   */
  public static Result classImage(
      Sequential model, int classIndex, int[] inputShape, Options options) {
    return maximize(model, model.size() - 1, classIndex, inputShape, options);
  }

  /** Maximises unit {@code unit} of the output of layer {@code layer} (0-based) of the model. */
  public static Result maximize(
      Sequential model, int layer, int unit, int[] inputShape, Options o) {
    if (layer < 0 || layer >= model.size()) {
      throw new IllegalArgumentException(
          "visualize: the model has layers 0.." + (model.size() - 1) + ", no layer " + layer);
    }
    if (o.steps() < 0 || !(o.min() < o.max())) {
      throw new IllegalArgumentException("visualize: needs steps >= 0 and min < max");
    }
    Generator gen = new Generator(o.seed());
    int[] shape = new int[inputShape.length + 1];
    shape[0] = 1;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    double mid = (o.min() + o.max()) / 2;
    double half = o.initNoise() * (o.max() - o.min()) / 2;
    Tensor x =
        Tensor.uniform(
                gen,
                mid - half,
                mid + half,
                model.parameters().isEmpty()
                    ? dev.grad4j.DType.FLOAT32
                    : model.parameters().get(0).dtype(),
                shape)
            .clamp(o.min(), o.max());
    double initial = activation(model, layer, unit, x);
    for (int s = 0; s < o.steps(); s++) {
      int dy =
          o.jitter() > 0 && shape.length == 4 ? gen.nextInt(2 * o.jitter() + 1) - o.jitter() : 0;
      int dx =
          o.jitter() > 0 && shape.length == 4 ? gen.nextInt(2 * o.jitter() + 1) - o.jitter() : 0;
      Tensor g =
          InputGradients.of(
                  model,
                  x,
                  (out, in) -> {
                    Tensor h = unitOf(forwardTo(model, layer, roll(in, dy, dx)), unit);
                    Tensor obj = h;
                    if (o.l2() != 0) {
                      obj = obj.sub(in.square().sum().mul(o.l2()));
                    }
                    if (o.tv() != 0 && in.dim() == 4) {
                      obj = obj.sub(totalVariation(in).mul(o.tv()));
                    }
                    return obj;
                  })
              .grad();
      try (var m = GradMode.disabled()) {
        double rms = Math.sqrt(g.square().mean().item()) + 1e-12;
        x = x.add(g.mul(o.stepSize() / rms)).clamp(o.min(), o.max());
      }
    }
    return new Result(x, initial, activation(model, layer, unit, x));
  }

  /**
   * InputGradients runs the whole model on the input before calling the objective; for a unit
   * visualisation we need the prefix instead, so the objective ignores that output and runs the
   * prefix itself (a wasted forward pass, cheap next to the backward).
   */
  private static Tensor forwardTo(Sequential model, int layer, Tensor x) {
    Tensor h = x;
    for (int i = 0; i <= layer; i++) {
      h = model.get(i).forward(h);
    }
    return h;
  }

  /** The unit's value in eval mode, without recording. */
  public static double activation(Sequential model, int layer, int unit, Tensor x) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try (var m = GradMode.disabled()) {
      return unitOf(forwardTo(model, layer, x), unit).item();
    } finally {
      model.train(wasTraining);
    }
  }

  private static Tensor unitOf(Tensor h, int unit) {
    if (h.dim() < 2 || h.size(0) != 1) {
      throw new IllegalArgumentException(
          "visualize: expected a layer output [1, units, ...], got " + Arrays.toString(h.shape()));
    }
    if (unit < 0 || unit >= h.size(1)) {
      throw new IllegalArgumentException(
          "visualize: the layer has units 0.." + (h.size(1) - 1) + ", no unit " + unit);
    }
    Tensor u = h.select(1, unit);
    return u.numel() == 1 ? u.sum() : u.mean();
  }

  /** Σ of squared differences of vertical and horizontal neighbours of [N, C, H, W]. */
  static Tensor totalVariation(Tensor x) {
    int h = x.size(2);
    int w = x.size(3);
    Tensor sum = Tensor.scalar(0, x.dtype());
    if (h > 1) {
      sum = sum.add(x.narrow(2, 1, h - 1).sub(x.narrow(2, 0, h - 1)).square().sum());
    }
    if (w > 1) {
      sum = sum.add(x.narrow(3, 1, w - 1).sub(x.narrow(3, 0, w - 1)).square().sum());
    }
    return sum;
  }

  /** Rolls [N, C, H, W] by dy rows and dx columns (cyclically); differentiable. */
  static Tensor roll(Tensor x, int dy, int dx) {
    return rollDim(rollDim(x, 2, dy), 3, dx);
  }

  private static Tensor rollDim(Tensor x, int dim, int shift) {
    if (shift == 0 || x.dim() <= dim) {
      return x;
    }
    int n = x.size(dim);
    int s = Math.floorMod(shift, n);
    if (s == 0) {
      return x;
    }
    return Tensor.cat(dim, x.narrow(dim, n - s, s), x.narrow(dim, 0, n - s));
  }
}

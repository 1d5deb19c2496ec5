package dev.grad4j.attack;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.Reduction;

/**
 * Projected gradient descent (Madry et al.), the iterative form of FGSM. From x₀ (or a random point
 * of the ball around it), each of {@code steps} steps does
 *
 * <pre>
 *   g   = ∇ₓ CE(model(x), y)            (summed over the batch; y = labels)
 *   d   = +g untargeted (climb the loss of the true class), −g targeted (descend to the target)
 *   x  ← x + α·sign(d)                  L∞
 *   x  ← x + α·d / ‖d‖₂                 L2 (per example)
 *   x  ← project onto {‖x − x₀‖ ≤ ε}     L∞: clamp to [x₀−ε, x₀+ε]; L2: scale δ by min(1, ε/‖δ‖₂)
 *   x  ← clamp(x, min, max)
 * </pre>
 *
 * <p>The projection runs after every step (and after the random start), so every iterate and the
 * result lie in the ball and in the range. Clamping to the range after projecting cannot leave the
 * ball when x₀ is in the range: it moves each element towards x₀. The result is the last iterate.
 *
 * <p>FGSM (Goodfellow et al.) is one L∞ step of size ε from x₀: {@link #fgsm}; its L2 form (the
 * "fast gradient method") is {@code fgsm(eps).norm(L2)}.
 *
 * <p>The random start draws δ uniformly from [−ε, ε] per element (L∞) or as ε·u·z/‖z‖ with z
 * Gaussian and u uniform in [0, 1] (L2), from a generator seeded by {@link Builder#seed}; the
 * generator lives as long as the attack, so successive calls draw fresh starts in a reproducible
 * sequence.
 */
public final class Pgd implements Attack {
  private final double eps;
  private final double stepSize;
  private final int steps;
  private final Norm norm;
  private final boolean randomStart;
  private final boolean targeted;
  private final double min;
  private final double max;
  private final Generator generator;

  private Pgd(Builder b) {
    this.eps = b.eps;
    this.stepSize = b.stepSize;
    this.steps = b.steps;
    this.norm = b.norm;
    this.randomStart = b.randomStart;
    this.targeted = b.targeted;
    this.min = b.min;
    this.max = b.max;
    this.generator = new Generator(b.seed);
  }

  /**
   * PGD with radius ε; defaults: L∞, 10 steps of size 2.5·ε/steps, random start (seed 0),
   * untargeted, range [0, 1].
   */
  public static Builder pgd(double eps) {
    return new Builder(eps);
  }

  /** FGSM: one step of size ε, no random start, L∞, untargeted, range [0, 1]. */
  public static Builder fgsm(double eps) {
    return new Builder(eps).steps(1).stepSize(eps).randomStart(false);
  }

  /** Options of a {@link Pgd} attack. */
  public static final class Builder {
    private final double eps;
    private Double stepSize;
    private int steps = 10;
    private Norm norm = Norm.LINF;
    private boolean randomStart = true;
    private long seed;
    private boolean targeted;
    private double min = 0;
    private double max = 1;

    private Builder(double eps) {
      if (!(eps >= 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("attack: eps must be finite and >= 0, got " + eps);
      }
      this.eps = eps;
    }

    /** α, the length of each step (default 2.5·ε/steps). */
    public Builder stepSize(double alpha) {
      if (!(alpha >= 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("attack: step size must be >= 0, got " + alpha);
      }
      this.stepSize = alpha;
      return this;
    }

    /** The number of gradient steps (at least 1). */
    public Builder steps(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("attack: steps must be at least 1, got " + n);
      }
      this.steps = n;
      return this;
    }

    /** The norm of the ball. */
    public Builder norm(Norm n) {
      this.norm = n;
      return this;
    }

    /** Whether to start from a uniformly random point of the ball. */
    public Builder randomStart(boolean on) {
      this.randomStart = on;
      return this;
    }

    /** The seed of the random start. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** Whether labels are targets (descend their loss) rather than true classes. */
    public Builder targeted(boolean on) {
      this.targeted = on;
      return this;
    }

    /** The valid input range; every result is clamped to it. */
    public Builder range(double lo, double hi) {
      if (!(lo < hi)) {
        throw new IllegalArgumentException("attack: range needs min < max, got " + lo + ", " + hi);
      }
      this.min = lo;
      this.max = hi;
      return this;
    }

    /** The attack. */
    public Pgd build() {
      if (stepSize == null) {
        stepSize = 2.5 * eps / steps;
      }
      return new Pgd(this);
    }
  }

  @Override
  public double eps() {
    return eps;
  }

  @Override
  public boolean targeted() {
    return targeted;
  }

  /** The number of steps. */
  public int steps() {
    return steps;
  }

  /** The step size α. */
  public double stepSize() {
    return stepSize;
  }

  /** The norm of the ball. */
  public Norm norm() {
    return norm;
  }

  /** Whether each call starts from a random point of the ball. */
  public boolean randomStart() {
    return randomStart;
  }

  /** The lower end of the valid input range. */
  public double min() {
    return min;
  }

  /** The upper end of the valid input range. */
  public double max() {
    return max;
  }

  /**
   * The generator of the random starts. Saving its {@link Generator#getState() state} and restoring
   * it later replays the same sequence of starts (adversarial training checkpoints it).
   */
  public Generator generator() {
    return generator;
  }

  @Override
  public Tensor perturb(Module model, Tensor inputs, Tensor labels) {
    if (labels.dim() != 1 || labels.size(0) != inputs.size(0)) {
      throw new IllegalArgumentException(
          "attack: labels must be [batch] = ["
              + inputs.size(0)
              + "], got "
              + java.util.Arrays.toString(labels.shape()));
    }
    Tensor x0 = inputs.detach();
    Tensor x;
    try (var g = GradMode.disabled()) {
      x = x0.clone();
      if (randomStart && eps > 0) {
        x = project(x.add(randomDelta(x0)), x0);
      }
    }
    double sign = targeted ? -1 : 1;
    for (int s = 0; s < steps; s++) {
      Tensor grad =
          InputGradients.of(
                  model, x, (logits, in) -> Losses.crossEntropy(logits, labels, Reduction.SUM))
              .grad();
      try (var g = GradMode.disabled()) {
        Tensor step =
            norm == Norm.LINF
                ? grad.sign().mul(sign * stepSize)
                : perExample(grad, l2Norms(grad).add(1e-12).pow(-1)).mul(sign * stepSize);
        x = project(x.add(step), x0);
      }
    }
    return x;
  }

  /** Projects x onto the ε-ball around x0, then clamps it to the range. */
  Tensor project(Tensor x, Tensor x0) {
    Tensor delta = x.sub(x0);
    if (norm == Norm.LINF) {
      delta = delta.clamp(-eps, eps);
    } else {
      Tensor n = l2Norms(delta);
      // factor = min(1, eps / n), with n = 0 giving 1
      Tensor factor = n.maximum(Tensor.fullLike(n, 1e-30)).pow(-1).mul(eps).clamp(0, 1);
      delta = perExample(delta, factor);
    }
    return x0.add(delta).clamp(min, max);
  }

  private Tensor randomDelta(Tensor x0) {
    int[] shape = x0.shape();
    if (norm == Norm.LINF) {
      return Tensor.uniform(generator, -eps, eps, x0.dtype(), shape);
    }
    Tensor z = Tensor.normal(generator, 0, 1, x0.dtype(), shape);
    int b = shape[0];
    double[] u = new double[b];
    for (int i = 0; i < b; i++) {
      u[i] = eps * generator.nextDouble();
    }
    Tensor scale = l2Norms(z).add(1e-12).pow(-1).mul(Tensor.of(u, b).to(x0.dtype()));
    return perExample(z, scale);
  }

  /** The L2 norm of each example of a batch [B, ...], as [B]. */
  static Tensor l2Norms(Tensor t) {
    int b = t.size(0);
    return t.reshape(b, t.numel() / Math.max(b, 1)).square().sum(1).sqrt();
  }

  /** Multiplies each example of a batch [B, ...] by its factor from [B]. */
  static Tensor perExample(Tensor t, Tensor factors) {
    int[] shape = new int[t.dim()];
    java.util.Arrays.fill(shape, 1);
    shape[0] = t.size(0);
    return t.mul(factors.reshape(shape));
  }
}

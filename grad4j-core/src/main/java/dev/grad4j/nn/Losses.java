package dev.grad4j.nn;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.CustomFunction;
import dev.grad4j.autograd.GradMode;
import java.util.Arrays;

/**
 * Loss functions with PyTorch's formulas, defaults and reductions ({@code torch.nn.functional}).
 * They are compositions of differentiable tensor ops, so their gradients (and gradients of
 * gradients) come from the ops' own rules; only {@link #bce} is a fused function, so that its
 * gradient matches PyTorch's at probabilities of exactly 0 or 1.
 *
 * <p>Targets are given in the input's shape for the element-wise losses (PyTorch broadcasts a
 * mismatched target with a warning; here it is an error that names both shapes) and are converted
 * to the input's dtype, so a float32 prediction gives a float32 loss. Class-index targets are
 * integers held in a float tensor ({@code Tensor.of(new int[] {...}, n)}).
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(model.forward(x), labels);             // mean over the batch
 * Tensor perSample = Losses.crossEntropy(logits, labels, Reduction.NONE);  // [N]
 * Tensor smooth = Losses.crossEntropy(logits, labels, classWeights, Losses.DEFAULT_IGNORE_INDEX,
 *     0.1, Reduction.MEAN);
 * }</pre>
 */
public final class Losses {
  /** PyTorch's default {@code ignore_index}: class-index targets equal to it add no loss. */
  public static final int DEFAULT_IGNORE_INDEX = -100;

  private Losses() {}

  // ---------------------------------------------------------------- regression

  /** Mean squared error, mean over elements. */
  public static Tensor mse(Tensor input, Tensor target) {
    return mse(input, target, Reduction.MEAN);
  }

  /** Squared error (x - y)², reduced. */
  public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
    Tensor y = sameShape("mse", input, target);
    return reduce(reduction).apply(input.sub(y).square());
  }

  /** Mean absolute error, mean over elements. */
  public static Tensor l1(Tensor input, Tensor target) {
    return l1(input, target, Reduction.MEAN);
  }

  /** Absolute error |x - y|, reduced; its gradient at x = y is 0, as in PyTorch. */
  public static Tensor l1(Tensor input, Tensor target, Reduction reduction) {
    Tensor y = sameShape("l1", input, target);
    return reduce(reduction).apply(input.sub(y).abs());
  }

  /** Huber loss with delta = 1, mean over elements. */
  public static Tensor huber(Tensor input, Tensor target) {
    return huber(input, target, 1.0, Reduction.MEAN);
  }

  /** Huber loss with the given delta, mean over elements. */
  public static Tensor huber(Tensor input, Tensor target, double delta) {
    return huber(input, target, delta, Reduction.MEAN);
  }

  /**
   * Huber loss: with d = x - y, {@code 0.5·d²} where |d| &lt; delta, else {@code delta·(|d| -
   * 0.5·delta)}, reduced. delta must be positive.
   */
  public static Tensor huber(Tensor input, Tensor target, double delta, Reduction reduction) {
    if (!(delta > 0) || Double.isInfinite(delta)) {
      throw new IllegalArgumentException("huber: delta must be positive and finite, got " + delta);
    }
    Tensor d = input.sub(sameShape("huber", input, target));
    Tensor a = d.abs();
    Tensor quadratic = d.square().mul(0.5);
    Tensor linear = a.sub(0.5 * delta).mul(delta);
    return reduce(reduction).apply(Tensor.where(a.lt(delta), quadratic, linear));
  }

  /** Smooth L1 loss with beta = 1, mean over elements. */
  public static Tensor smoothL1(Tensor input, Tensor target) {
    return smoothL1(input, target, 1.0, Reduction.MEAN);
  }

  /** Smooth L1 loss with the given beta, mean over elements. */
  public static Tensor smoothL1(Tensor input, Tensor target, double beta) {
    return smoothL1(input, target, beta, Reduction.MEAN);
  }

  /**
   * Smooth L1 loss: with d = x - y, {@code 0.5·d²/beta} where |d| &lt; beta, else {@code |d| -
   * 0.5·beta}, reduced. beta = 0 gives the L1 loss (as PyTorch); beta must not be negative. It
   * equals {@code huber(delta = beta) / beta}.
   */
  public static Tensor smoothL1(Tensor input, Tensor target, double beta, Reduction reduction) {
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException(
          "smoothL1: beta must be non-negative and finite, got " + beta);
    }
    Tensor d = input.sub(sameShape("smoothL1", input, target));
    Tensor a = d.abs();
    if (beta == 0) {
      return reduce(reduction).apply(a);
    }
    Tensor quadratic = d.square().mul(0.5 / beta);
    Tensor linear = a.sub(0.5 * beta);
    return reduce(reduction).apply(Tensor.where(a.lt(beta), quadratic, linear));
  }

  // ---------------------------------------------------------------- binary classification

  /** Binary cross-entropy on probabilities, mean over elements. */
  public static Tensor bce(Tensor input, Tensor target) {
    return bce(input, target, null, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy on probabilities x in [0, 1]: {@code -w·(y·log x + (1 - y)·log(1 - x))},
   * each log clamped to be at least -100 as PyTorch does, so that x = 0 or 1 gives a finite loss.
   * The gradient is PyTorch's: {@code w·(x - y) / max(x·(1 - x), 1e-12)} for x, {@code w·(log(1 -
   * x) - log x)} for y. Prefer {@link #bceWithLogits} on raw scores: it is stable where the sigmoid
   * saturates.
   *
   * @param weight per-element rescaling that broadcasts to the input's shape, or null
   * @throws IllegalArgumentException if an input value is outside [0, 1] (or NaN)
   */
  public static Tensor bce(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
    Tensor y = sameShape("bce", input, target);
    boolean inRange;
    try (var g = GradMode.disabled()) {
      Tensor x = input.detach();
      inRange = x.ge(0).mul(x.le(1)).all();
    }
    if (!inRange) {
      throw new IllegalArgumentException(
          "bce: every input must be a probability in [0, 1]; for raw scores (logits) use"
              + " bceWithLogits");
    }
    Tensor loss = new BinaryCrossEntropy().apply(input, y);
    return reduce(reduction).apply(weighted("bce", loss, weight));
  }

  /** Binary cross-entropy on logits, mean over elements. */
  public static Tensor bceWithLogits(Tensor input, Tensor target) {
    return bceWithLogits(input, target, null, null, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy on logits (sigmoid and log fused, stable for any |x|): with the log weight
   * {@code l = 1 + (posWeight - 1)·y}, the loss is {@code w·((1 - y)·x + l·log(1 + e^-x))}, which
   * without posWeight is {@code max(x, 0) - x·y + log(1 + e^-|x|)}. The softplus {@code log(1 +
   * e^-x)} is computed as a log-sum-exp, so logits of ±1000 give exact losses and finite gradients
   * {@code w·(l·sigmoid(x) - posWeight·y)}, and the gradient at x = 0 is the true one.
   *
   * @param weight per-element rescaling that broadcasts to the input's shape, or null
   * @param posWeight weight of the positive term, broadcast along the last dim (one per class for a
   *     multi-label [N, C] input), or null
   */
  public static Tensor bceWithLogits(
      Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
    Tensor y = sameShape("bceWithLogits", input, target);
    Tensor softplusNeg =
        Tensor.stack(-1, Tensor.zerosLike(input), input.neg()).logsumexp(-1, false);
    Tensor logWeighted;
    if (posWeight == null) {
      logWeighted = softplusNeg;
    } else {
      Tensor pw = broadcastsTo("bceWithLogits", "posWeight", posWeight, input);
      logWeighted = pw.sub(1).mul(y).add(1).mul(softplusNeg);
    }
    Tensor loss = y.rsub(1).mul(input).add(logWeighted);
    return reduce(reduction).apply(weighted("bceWithLogits", loss, weight));
  }

  /**
   * The fused probability-space binary cross-entropy, elementwise: PyTorch's forward (logs clamped
   * at -100) with PyTorch's backward, written with tensor ops so it can be differentiated again.
   */
  private static final class BinaryCrossEntropy extends CustomFunction {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      Tensor y = in[1];
      ctx.saveForBackward(x, y);
      Tensor logX = x.log().clamp(-100, Double.POSITIVE_INFINITY);
      Tensor log1mX = x.rsub(1).log().clamp(-100, Double.POSITIVE_INFINITY);
      return y.sub(1).mul(log1mX).sub(y.mul(logX));
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      Tensor x = ctx.saved(0);
      Tensor y = ctx.saved(1);
      // PyTorch's EPSILON is the float 1e-12f, also in float64.
      Tensor denominator = x.mul(x.rsub(1)).clamp(1e-12f, Double.POSITIVE_INFINITY);
      Tensor dx = g.mul(x.sub(y)).div(denominator);
      Tensor dy = g.mul(x.rsub(1).log().sub(x.log()));
      return new Tensor[] {dx, dy};
    }

    @Override
    public String name() {
      return "bce";
    }
  }

  // ---------------------------------------------------------------- multi-class classification

  /** Cross-entropy of logits [N, C] (or [N, C, d...], or [C]) and class indices, batch mean. */
  public static Tensor crossEntropy(Tensor input, Tensor target) {
    return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, 0, Reduction.MEAN);
  }

  /** Cross-entropy with the given reduction. */
  public static Tensor crossEntropy(Tensor input, Tensor target, Reduction reduction) {
    return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, 0, reduction);
  }

  /** Cross-entropy with label smoothing, batch mean. */
  public static Tensor crossEntropy(Tensor input, Tensor target, double labelSmoothing) {
    return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, labelSmoothing, Reduction.MEAN);
  }

  /**
   * Cross-entropy of unnormalised scores, PyTorch's {@code F.cross_entropy}. The input is [N, C],
   * [N, C, d1, ...] (classes on dim 1) or [C] (one sample); with p = logSoftmax(input) over the
   * classes:
   *
   * <ul>
   *   <li><b>Class indices</b>: a target of the input's shape without the class dim. Each element i
   *       with class c = target[i] has loss {@code l_i = -w[c]·p[i, c]}; with label smoothing ε it
   *       is {@code (1 - ε)·l_i + (ε / C)·(-Σ_k w[k]·p[i, k])}. MEAN divides the sum by the sum of
   *       w[target[i]] over the counted elements (by their number without weights), as PyTorch
   *       does; targets equal to ignoreIndex count nowhere (and all ignored gives NaN, as in
   *       PyTorch).
   *   <li><b>Class probabilities</b>: a target of the input's own shape. The loss is {@code -Σ_k
   *       w[k]·q[i, k]·p[i, k]} with q = (1 - ε)·target + ε / C; MEAN divides by the number of
   *       samples (weights do not normalise), ignoreIndex does not apply.
   * </ul>
   *
   * @param weight one rescaling weight per class ([C]), or null
   * @param ignoreIndex a class-index target value to skip ({@link #DEFAULT_IGNORE_INDEX} for none)
   * @param labelSmoothing ε in [0, 1]
   * @throws IllegalArgumentException for a target that is not an integer, out of range, or of the
   *     wrong shape; the message names the value or both shapes
   */
  public static Tensor crossEntropy(
      Tensor input,
      Tensor target,
      Tensor weight,
      int ignoreIndex,
      double labelSmoothing,
      Reduction reduction) {
    String op = "crossEntropy";
    reduce(reduction);
    int classDim = classDim(op, input);
    int classes = input.size(classDim);
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException(
          op + ": labelSmoothing must be in [0, 1], got " + labelSmoothing);
    }
    Tensor w = classWeights(op, weight, classes, input.dtype());
    Tensor logp = input.logSoftmax(classDim);
    if (Arrays.equals(input.shape(), target.shape())) {
      Tensor q = target.to(input.dtype());
      if (labelSmoothing > 0) {
        q = q.mul(1 - labelSmoothing).add(labelSmoothing / classes);
      }
      Tensor terms = logp.mul(q);
      if (w != null) {
        terms = terms.mul(alongClassDim(w, input.dim(), classDim));
      }
      return reduce(reduction).apply(terms.sum(classDim).neg());
    }
    return negativeLogLikelihood(op, logp, target, w, ignoreIndex, labelSmoothing, reduction);
  }

  /** Negative log-likelihood of log-probabilities [N, C] and class indices, batch mean. */
  public static Tensor nll(Tensor input, Tensor target) {
    return nll(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  /** Negative log-likelihood with the given reduction. */
  public static Tensor nll(Tensor input, Tensor target, Reduction reduction) {
    return nll(input, target, null, DEFAULT_IGNORE_INDEX, reduction);
  }

  /**
   * Negative log-likelihood, PyTorch's {@code F.nll_loss}: the input holds log-probabilities ([N,
   * C], [N, C, d...] or [C]) and the target class indices; element i with class c has loss {@code
   * -w[c]·input[i, c]}. MEAN divides by the sum of the counted targets' weights; targets equal to
   * ignoreIndex are skipped. {@code nll(logSoftmax(x), t)} equals {@code crossEntropy(x, t)}.
   */
  public static Tensor nll(
      Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
    String op = "nll";
    reduce(reduction);
    int classDim = classDim(op, input);
    Tensor w = classWeights(op, weight, input.size(classDim), input.dtype());
    return negativeLogLikelihood(op, input, target, w, ignoreIndex, 0, reduction);
  }

  private static Tensor negativeLogLikelihood(
      String op,
      Tensor logp,
      Tensor target,
      Tensor w,
      int ignoreIndex,
      double labelSmoothing,
      Reduction reduction) {
    int classDim = logp.dim() == 1 ? 0 : 1;
    int classes = logp.size(classDim);
    int[] expected = new int[logp.dim() - 1];
    for (int d = 0, k = 0; d < logp.dim(); d++) {
      if (d != classDim) {
        expected[k++] = logp.size(d);
      }
    }
    if (!Arrays.equals(expected, target.shape())) {
      throw new IllegalArgumentException(
          op
              + ": input "
              + Arrays.toString(logp.shape())
              + " needs class-index targets of shape "
              + Arrays.toString(expected)
              + (op.equals("crossEntropy")
                  ? " or class probabilities of shape " + Arrays.toString(logp.shape())
                  : "")
              + ", got target "
              + Arrays.toString(target.shape()));
    }
    int[] shape = target.shape();
    double[] values = target.toDoubleArray();
    int[] safe = new int[values.length];
    double[] keep = new double[values.length];
    int kept = 0;
    for (int i = 0; i < values.length; i++) {
      double t = values[i];
      if (t == ignoreIndex) {
        continue; // safe[i] = 0: a valid index whose pick is masked out below
      }
      if (t != Math.rint(t) || Double.isInfinite(t)) {
        throw new IllegalArgumentException(
            op + ": target " + t + " is not an integer class index (targets hold class numbers)");
      }
      if (t < 0 || t >= classes) {
        throw new IllegalArgumentException(
            op
                + ": target "
                + (long) t
                + " is out of range for "
                + classes
                + " classes (expected 0 to "
                + (classes - 1)
                + ")");
      }
      safe[i] = (int) t;
      keep[i] = 1;
      kept++;
    }
    boolean anyIgnored = kept < values.length;
    Tensor index = Tensor.of(safe, shape);
    Tensor mask = anyIgnored ? Tensor.of(keep, shape).to(logp.dtype()) : null;
    Tensor picked = logp.gather(classDim, index.unsqueeze(classDim)).squeeze(classDim);
    Tensor targetWeights = w == null ? null : w.indexSelect(0, index.reshape(-1)).reshape(shape);
    Tensor losses = targetWeights == null ? picked.neg() : picked.neg().mul(targetWeights);
    Tensor count = null; // the denominator of MEAN
    if (reduction == Reduction.MEAN) {
      if (targetWeights != null) {
        count = (anyIgnored ? masked(targetWeights, mask) : targetWeights).sum();
      } else if (anyIgnored) {
        count = Tensor.scalar(kept, logp.dtype());
      }
    }
    Tensor loss = reduceCounted(anyIgnored ? masked(losses, mask) : losses, reduction, count);
    if (labelSmoothing == 0) {
      return loss;
    }
    Tensor all = w == null ? logp : logp.mul(alongClassDim(w, logp.dim(), classDim));
    Tensor smooth = all.sum(classDim).neg();
    Tensor smoothLoss = reduceCounted(anyIgnored ? masked(smooth, mask) : smooth, reduction, count);
    return loss.mul(1 - labelSmoothing).add(smoothLoss.mul(labelSmoothing / classes));
  }

  private static Tensor reduceCounted(Tensor losses, Reduction reduction, Tensor count) {
    if (reduction == Reduction.MEAN && count != null) {
      return losses.sum().div(count);
    }
    return reduction.apply(losses);
  }

  // Zero where mask is 0 (without multiplying, so that a non-finite masked value stays out).
  private static Tensor masked(Tensor t, Tensor mask) {
    return Tensor.where(mask, t, Tensor.scalar(0, t.dtype()));
  }

  // ---------------------------------------------------------------- checks and helpers

  private static Reduction reduce(Reduction reduction) {
    if (reduction == null) {
      throw new IllegalArgumentException("the reduction is null; use MEAN, SUM or NONE");
    }
    return reduction;
  }

  private static Tensor sameShape(String op, Tensor input, Tensor target) {
    if (!Arrays.equals(input.shape(), target.shape())) {
      throw new IllegalArgumentException(
          op
              + ": input shape "
              + Arrays.toString(input.shape())
              + " and target shape "
              + Arrays.toString(target.shape())
              + " differ; the loss needs equal shapes");
    }
    return target.to(input.dtype());
  }

  private static Tensor broadcastsTo(String op, String what, Tensor t, Tensor input) {
    int[] shape = input.shape();
    int[] own = t.shape();
    boolean ok = own.length <= shape.length;
    for (int i = 1; ok && i <= own.length; i++) {
      int s = own[own.length - i];
      ok = s == 1 || s == shape[shape.length - i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          op
              + ": "
              + what
              + " of shape "
              + Arrays.toString(own)
              + " does not broadcast to the input's shape "
              + Arrays.toString(shape));
    }
    return t.to(input.dtype());
  }

  private static Tensor weighted(String op, Tensor loss, Tensor weight) {
    return weight == null ? loss : loss.mul(broadcastsTo(op, "weight", weight, loss));
  }

  private static int classDim(String op, Tensor input) {
    if (input.dim() == 0) {
      throw new IllegalArgumentException(
          op + ": input must be [C], [N, C] or [N, C, d...], got a scalar");
    }
    int classDim = input.dim() == 1 ? 0 : 1;
    if (input.size(classDim) == 0) {
      throw new IllegalArgumentException(
          op + ": input " + Arrays.toString(input.shape()) + " has no classes");
    }
    return classDim;
  }

  private static Tensor classWeights(String op, Tensor weight, int classes, DType dtype) {
    if (weight == null) {
      return null;
    }
    if (weight.dim() != 1 || weight.size(0) != classes) {
      throw new IllegalArgumentException(
          op
              + ": weight must hold one value per class, shape ["
              + classes
              + "]; got "
              + Arrays.toString(weight.shape()));
    }
    return weight.to(dtype);
  }

  // w [C] viewed so that it broadcasts along the class dim of a rank-`rank` tensor.
  private static Tensor alongClassDim(Tensor w, int rank, int classDim) {
    int[] shape = new int[rank - classDim];
    Arrays.fill(shape, 1);
    shape[0] = w.size(0);
    return w.reshape(shape);
  }
}

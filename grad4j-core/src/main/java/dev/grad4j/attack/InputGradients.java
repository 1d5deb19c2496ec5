package dev.grad4j.attack;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradientTape;
import dev.grad4j.nn.Module;
import java.util.function.BiFunction;

/**
 * Gradients of a scalar objective with respect to a model's input, the one primitive behind
 * attacks, saliency maps and feature visualisation. The model runs in eval mode (dropout off,
 * batch-norm running statistics) and is put back in the mode it was in; gradients are taken with a
 * {@link GradientTape} for the input only, so parameters' {@code grad} fields stay as they were.
 */
public final class InputGradients {
  private InputGradients() {}

  /** The objective's value and its gradient with respect to the input. */
  public record ValueAndGrad(double value, Tensor grad) {}

  /**
   * d objective(model(x), x) / dx, where the objective maps (the model's output, the traced input)
   * to a one-element tensor. {@code x} itself is not modified and does not need to require grad.
   */
  public static ValueAndGrad of(
      Module model, Tensor x, BiFunction<Tensor, Tensor, Tensor> objective) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try {
      Tensor traced = x.detach();
      Tensor value;
      GradientTape tape = GradientTape.record();
      try (tape) {
        tape.watch(traced);
        value = objective.apply(model.forward(traced), traced);
      }
      Tensor g = tape.gradient(value, traced);
      return new ValueAndGrad(value.item(), g.detach());
    } finally {
      model.train(wasTraining);
    }
  }

  /**
   * The sum over the batch of each example's logit for its class: the objective whose input
   * gradient is the vanilla saliency map of every example at once (examples do not interact in eval
   * mode).
   *
   * @param logits [B, C]
   * @param classes [B] class indices
   */
  public static Tensor selectedLogits(Tensor logits, Tensor classes) {
    if (logits.dim() != 2 || classes.dim() != 1 || classes.size(0) != logits.size(0)) {
      throw new IllegalArgumentException(
          "the model must output logits [batch, classes] and one class per example; got logits "
              + java.util.Arrays.toString(logits.shape())
              + " and classes "
              + java.util.Arrays.toString(classes.shape()));
    }
    int c = logits.size(1);
    double[] k = classes.toDoubleArray();
    for (int i = 0; i < k.length; i++) {
      if (!(k[i] >= 0 && k[i] < c && k[i] == Math.rint(k[i]))) {
        throw new IllegalArgumentException(
            "class " + k[i] + " of example " + i + " is not a class index in 0.." + (c - 1));
      }
    }
    return logits.mul(classes.oneHot(c).to(logits.dtype())).sum();
  }
}

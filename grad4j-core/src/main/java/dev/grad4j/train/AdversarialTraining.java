package dev.grad4j.train;

import dev.grad4j.Tensor;
import dev.grad4j.attack.Norm;
import dev.grad4j.attack.Pgd;
import dev.grad4j.data.Batch;
import dev.grad4j.nn.Module;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * Adversarial training (Madry et al.), the standard defence against evasion attacks: each training
 * batch is replaced, in whole or in part, by adversarial examples that a {@link Pgd} attack makes
 * against the current weights, and the optimizer steps on those. FGSM training (Goodfellow et al.)
 * is the same with {@link Pgd#fgsm}: one step of size ε and no random start.
 *
 * <pre>{@code
 * var adv = new AdversarialTraining(Pgd.pgd(0.1).steps(5).seed(3).build(), 1.0);
 * trainer.adversarial(adv).fit(10, Trainer.Listener.NONE);
 * }</pre>
 *
 * <p>The attack runs with the model in eval mode, as at test time, so dropout does not randomise
 * the attack and batch normalisation's running statistics do not see the attack's forward passes;
 * the previous mode is restored afterwards. The random starts come from the attack's own {@link
 * Pgd#generator() generator}, which {@link Checkpoint} saves (as {@code rng.adversarial}) so that a
 * resumed run makes the same adversarial examples as an uninterrupted one.
 */
public final class AdversarialTraining {
  private final Pgd attack;
  private final double fraction;

  /**
   * Adversarial training with {@code attack} (untargeted), replacing the first {@code fraction} of
   * each batch (in (0, 1]; the loader shuffles, so that is a random part) by adversarial examples;
   * the rest stay clean. At least one example of each batch is replaced.
   *
   * @throws IllegalArgumentException for a null or targeted attack, or a fraction outside (0, 1]
   */
  public AdversarialTraining(Pgd attack, double fraction) {
    if (attack == null) {
      throw new IllegalArgumentException("adversarial training: the attack is null");
    }
    if (attack.targeted()) {
      throw new IllegalArgumentException(
          "adversarial training: the attack must be untargeted (it moves away from the true class)");
    }
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException(
          "adversarial training: the fraction of adversarial examples must be in (0, 1], got "
              + fraction);
    }
    this.attack = attack;
    this.fraction = fraction;
  }

  /** The attack that makes the adversarial examples. */
  public Pgd attack() {
    return attack;
  }

  /** The fraction of each batch that is replaced by adversarial examples. */
  public double fraction() {
    return fraction;
  }

  /**
   * How many of a batch of {@code size} examples are replaced: round(fraction·size), at least 1.
   */
  public int adversarialCount(int size) {
    return Math.min(size, Math.max(1, (int) Math.round(fraction * size)));
  }

  /**
   * The batch to train on: {@code batch} with its first {@link #adversarialCount} examples replaced
   * by adversarial examples against {@code model}, labels unchanged. The model's training mode and
   * its parameters' gradients are as before.
   */
  public Batch perturb(Module model, Batch batch) {
    int size = batch.size();
    int k = adversarialCount(size);
    Tensor inputs = batch.inputs();
    Tensor labels = batch.labels();
    boolean wasTraining = model.isTraining();
    model.eval();
    Tensor adv;
    try {
      adv =
          k == size
              ? attack.perturb(model, inputs, labels)
              : attack.perturb(model, inputs.narrow(0, 0, k), labels.narrow(0, 0, k));
    } finally {
      model.train(wasTraining);
    }
    Tensor mixed = k == size ? adv : Tensor.cat(0, adv, inputs.narrow(0, k, size - k).detach());
    return new Batch(mixed, labels);
  }

  /**
   * The settings for people, e.g. {@code "pgd, eps 0.1, 5 steps of 0.05, L-inf, random start"}
   * (then {@code ", 50% of each batch"} when the fraction is below 1).
   */
  @Override
  public String toString() {
    boolean fgsm =
        attack.steps() == 1 && !attack.randomStart() && attack.stepSize() == attack.eps();
    StringBuilder s = new StringBuilder(fgsm ? "fgsm" : "pgd");
    s.append(", eps ").append(brief(attack.eps()));
    if (!fgsm) {
      s.append(", ")
          .append(attack.steps())
          .append(attack.steps() == 1 ? " step of " : " steps of ")
          .append(brief(attack.stepSize()));
    }
    s.append(attack.norm() == Norm.LINF ? ", L-inf" : ", L2");
    if (!fgsm) {
      s.append(attack.randomStart() ? ", random start" : ", no random start");
    }
    if (fraction < 1) {
      s.append(String.format(Locale.ROOT, ", %s%% of each batch", brief(100 * fraction)));
    }
    return s.toString();
  }

  /** {@code v} to four significant digits: 0.05, not 0.05000000000000001. */
  private static String brief(double v) {
    return v == 0
        ? "0"
        : new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}

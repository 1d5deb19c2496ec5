package dev.grad4j.cli;

import dev.grad4j.attack.Norm;
import dev.grad4j.attack.Pgd;
import dev.grad4j.train.AdversarialTraining;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The adversarial-training options of {@code grad4j train}: {@code --adversarial fgsm|pgd}, {@code
 * --eps} and the attack's details. They are recorded in the checkpoint (so {@code --resume} takes
 * them back) and, as a description, in the model file, where {@code eval} and {@code attack} find
 * it.
 */
final class AdversarialOptions {
  /** The metadata key of the description ({@link AdversarialTraining#toString()}). */
  static final String DESCRIPTION_KEY = "adversarial_training";

  private static final String METHOD = "adversarial";
  private static final String EPS = "adv_eps";
  private static final String STEPS = "adv_steps";
  private static final String STEP_SIZE = "adv_step_size";
  private static final String NORM = "adv_norm";
  private static final String RANDOM_START = "adv_random_start";
  private static final String FRACTION = "adv_fraction";

  @Option(
      names = "--adversarial",
      paramLabel = "METHOD",
      description =
          "Adversarial training: replace each batch by fgsm or pgd adversarial examples made"
              + " against the current weights (needs --eps); default: clean training.")
  String method;

  @Option(
      names = "--eps",
      paramLabel = "E",
      description = "Radius of the adversarial-training ball, e.g. 0.1 (inputs lie in [0, 1]).")
  Double eps;

  @Option(names = "--adv-steps", paramLabel = "N", description = "PGD steps per batch; default: 5.")
  Integer steps;

  @Option(
      names = "--adv-step-size",
      paramLabel = "A",
      description = "Attack step size; default: 2.5 * eps / steps for pgd, eps for fgsm.")
  Double stepSize;

  @Option(names = "--adv-norm", paramLabel = "N", description = "linf or l2; default: linf.")
  String norm;

  @Option(
      names = "--adv-random-start",
      negatable = true,
      fallbackValue = "true",
      description =
          "Start the attack at a random point of the ball; default: on for pgd, off for fgsm.")
  Boolean randomStart;

  @Option(
      names = "--adv-fraction",
      paramLabel = "F",
      description =
          "Fraction of each batch replaced by adversarial examples, in (0, 1]; default: 1.")
  Double fraction;

  /** Whether adversarial training was asked for. */
  boolean enabled() {
    return method != null;
  }

  /** Checks the options and puts them in canonical form (method and norm in lower case). */
  void validate(CommandLine cmd) {
    if (method == null) {
      Object[][] details = {
        {"--eps", eps},
        {"--adv-steps", steps},
        {"--adv-step-size", stepSize},
        {"--adv-norm", norm},
        {"--adv-random-start", randomStart},
        {"--adv-fraction", fraction}
      };
      for (Object[] d : details) {
        if (d[1] != null) {
          throw new ParameterException(cmd, d[0] + " needs --adversarial fgsm|pgd");
        }
      }
      return;
    }
    method = method.toLowerCase(Locale.ROOT);
    if (!method.equals("fgsm") && !method.equals("pgd")) {
      throw new ParameterException(cmd, "--adversarial must be fgsm or pgd, got " + method);
    }
    if (eps == null) {
      throw new ParameterException(cmd, "--adversarial " + method + " needs --eps (e.g. 0.1)");
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new ParameterException(cmd, "--eps must be positive, got " + eps);
    }
    if (method.equals("fgsm") && steps != null && steps != 1) {
      throw new ParameterException(
          cmd, "--adv-steps is for --adversarial pgd (fgsm takes one step), got " + steps);
    }
    if (steps != null && steps < 1) {
      throw new ParameterException(cmd, "--adv-steps must be at least 1, got " + steps);
    }
    if (stepSize != null && !(stepSize > 0 && Double.isFinite(stepSize))) {
      throw new ParameterException(cmd, "--adv-step-size must be positive, got " + stepSize);
    }
    if (norm != null) {
      try {
        norm = Norm.parse(norm) == Norm.LINF ? "linf" : "l2";
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cmd, "--adv-norm: " + e.getMessage());
      }
    }
    if (fraction != null && !(fraction > 0 && fraction <= 1)) {
      throw new ParameterException(cmd, "--adv-fraction must be in (0, 1], got " + fraction);
    }
  }

  /**
   * The adversarial training the options describe (after {@link #validate}), or null; its random
   * starts are drawn from a generator seeded with {@code seed}.
   */
  AdversarialTraining create(long seed) {
    if (method == null) {
      return null;
    }
    boolean fgsm = method.equals("fgsm");
    Pgd.Builder b = fgsm ? Pgd.fgsm(eps) : Pgd.pgd(eps).steps(steps == null ? 5 : steps);
    if (stepSize != null) {
      b.stepSize(stepSize);
    }
    if (randomStart != null) {
      b.randomStart(randomStart);
    }
    Pgd attack =
        b.norm(norm == null ? Norm.LINF : Norm.parse(norm))
            .seed(seed)
            .range(0, 1) // the loaders scale pixels to [0, 1]
            .build();
    return new AdversarialTraining(attack, fraction == null ? 1 : fraction);
  }

  /** Options not given on the command line take the values the checkpoint recorded. */
  void takeFrom(Map<String, String> saved, CommandLine.ParseResult given) {
    if (!saved.containsKey(METHOD)) {
      return;
    }
    if (!given.hasMatchedOption("--adversarial")) {
      method = saved.get(METHOD);
    }
    if (!given.hasMatchedOption("--eps") && saved.containsKey(EPS)) {
      eps = Double.parseDouble(saved.get(EPS));
    }
    if (!given.hasMatchedOption("--adv-steps") && saved.containsKey(STEPS)) {
      steps = Integer.parseInt(saved.get(STEPS));
    }
    if (!given.hasMatchedOption("--adv-step-size") && saved.containsKey(STEP_SIZE)) {
      stepSize = Double.parseDouble(saved.get(STEP_SIZE));
    }
    if (!given.hasMatchedOption("--adv-norm") && saved.containsKey(NORM)) {
      norm = saved.get(NORM);
    }
    if (!given.hasMatchedOption("--adv-random-start") && saved.containsKey(RANDOM_START)) {
      randomStart = Boolean.parseBoolean(saved.get(RANDOM_START));
    }
    if (!given.hasMatchedOption("--adv-fraction") && saved.containsKey(FRACTION)) {
      fraction = Double.parseDouble(saved.get(FRACTION));
    }
  }

  /**
   * Records {@code training} (null: nothing) in a checkpoint's metadata, for {@link #takeFrom}, and
   * its description. The step size and the random start are recorded only when they were given: the
   * defaults follow eps, the steps and the method, which a resumed run may change.
   */
  void record(AdversarialTraining training, Map<String, String> meta) {
    if (training == null) {
      return;
    }
    Pgd a = training.attack();
    meta.put(METHOD, method);
    meta.put(EPS, Double.toString(a.eps()));
    meta.put(STEPS, Integer.toString(a.steps()));
    if (stepSize != null) {
      meta.put(STEP_SIZE, Double.toString(a.stepSize()));
    }
    meta.put(NORM, a.norm() == Norm.LINF ? "linf" : "l2");
    if (randomStart != null) {
      meta.put(RANDOM_START, Boolean.toString(a.randomStart()));
    }
    meta.put(FRACTION, Double.toString(training.fraction()));
    meta.put(DESCRIPTION_KEY, training.toString());
  }

  /**
   * The line {@code eval} and {@code attack} print for a model file's metadata, e.g. "trained
   * adversarially (pgd, eps 0.1, ...)", or null for a model trained on clean data.
   */
  static String note(Map<String, String> modelMetadata) {
    String d = modelMetadata.get(DESCRIPTION_KEY);
    return d == null ? null : "trained adversarially (" + d + ")";
  }
}

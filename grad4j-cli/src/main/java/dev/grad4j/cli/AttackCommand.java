package dev.grad4j.cli;

import dev.grad4j.Tensor;
import dev.grad4j.attack.Attack;
import dev.grad4j.attack.Norm;
import dev.grad4j.attack.Pgd;
import dev.grad4j.attack.RobustAccuracy;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.nn.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grad4j attack}: robust accuracy under FGSM or PGD over a sweep of ε, and a picture. */
@Command(
    name = "attack",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Attacks a model saved by 'grad4j train' with adversarial examples (FGSM or PGD): prints"
          + " clean and robust accuracy for each eps and writes a PNG grid of originals,"
          + " perturbations (scaled to be visible) and adversarial images with the predicted"
          + " class and confidence. Inputs are taken to lie in [0, 1].",
      ""
    })
final class AttackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "FILE", required = true, description = "The model file.")
  Path modelFile;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "digits",
      description = "digits, fashion, or a directory of IDX files; default: ${DEFAULT-VALUE}.")
  String data;

  @Option(
      names = "--method",
      paramLabel = "M",
      defaultValue = "fgsm",
      description = "fgsm or pgd; default: ${DEFAULT-VALUE}.")
  String method;

  @Option(
      names = "--eps",
      paramLabel = "E,...",
      split = ",",
      defaultValue = "0.05,0.1,0.2",
      description = "Radii of the ball; default: ${DEFAULT-VALUE}.")
  double[] eps;

  @Option(
      names = "--norm",
      paramLabel = "N",
      defaultValue = "linf",
      description = "linf or l2; default: ${DEFAULT-VALUE}.")
  String norm;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "10",
      description = "PGD steps; default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--step-size",
      paramLabel = "A",
      description = "PGD step size; default: 2.5 * eps / steps.")
  Double stepSize;

  @Option(
      names = "--no-random-start",
      negatable = false,
      description = "PGD: start at the input instead of a random point of the ball.")
  boolean noRandomStart;

  @Option(
      names = "--targeted",
      paramLabel = "K",
      description = "Targeted attack towards class K (default: untargeted).")
  Integer targeted;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Test examples to evaluate (0 = all); default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(
      names = "--examples",
      paramLabel = "N",
      defaultValue = "6",
      description = "Examples in the picture; default: ${DEFAULT-VALUE}.")
  int examples;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "250",
      description = "Examples per attack batch; default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random start.")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "runs/attack",
      description = "Where to write attack.png; default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--threads", paramLabel = "N", description = "Threads for the math kernels.")
  Integer threads;

  @Override
  public Integer call() throws IOException {
    TrainCommand.setThreads(spec, threads);
    String m = method.toLowerCase(Locale.ROOT);
    if (!m.equals("fgsm") && !m.equals("pgd")) {
      throw new ParameterException(
          spec.commandLine(), "--method must be fgsm or pgd, got " + method);
    }
    Norm nrm;
    try {
      nrm = Norm.parse(norm);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--norm: " + e.getMessage());
    }
    for (double e : eps) {
      if (!(e >= 0) || Double.isInfinite(e)) {
        throw new ParameterException(spec.commandLine(), "--eps values must be >= 0, got " + e);
      }
    }
    if (steps < 1 || batchSize < 1 || examples < 0 || limit < 0) {
      throw new ParameterException(
          spec.commandLine(), "--steps and --batch-size must be >= 1, --examples and --limit >= 0");
    }
    if (targeted != null && (targeted < 0 || targeted >= TrainCommand.CLASSES)) {
      throw new ParameterException(
          spec.commandLine(), "--targeted must be a class in 0..9, got " + targeted);
    }
    EvalCommand.Saved saved = EvalCommand.read(modelFile);
    Module model = saved.model();
    TensorDataset test = Datasets.resolve(data).test();
    TrainCommand.checkData("test", test);
    String[] names = Datasets.classNames(data);
    DoubleFunction<Attack> attackFor =
        e -> {
          Pgd.Builder b =
              m.equals("fgsm")
                  ? Pgd.fgsm(e)
                  : Pgd.pgd(e).steps(steps).randomStart(!noRandomStart).seed(seed);
          if (m.equals("pgd") && stepSize != null) {
            b.stepSize(stepSize);
          }
          return b.norm(nrm).targeted(targeted != null).build();
        };
    int target = targeted == null ? -1 : targeted;
    List<RobustAccuracy.Row> rows =
        RobustAccuracy.sweep(model, test, eps, attackFor, target, batchSize, limit);
    PrintWriter o = spec.commandLine().getOut();
    String what =
        (m.equals("fgsm") ? "FGSM" : "PGD-" + steps)
            + " ("
            + (nrm == Norm.LINF ? "L-inf" : "L2")
            + (targeted == null ? ", untargeted" : ", targeted at class " + targeted)
            + ")";
    o.printf(
        Locale.ROOT,
        "%s on %s, %s, %d test examples%n",
        what,
        modelFile,
        data,
        rows.get(0).count());
    String note = AdversarialOptions.note(saved.metadata());
    if (note != null) {
      o.println("The model was " + note + ".");
    }
    o.print(RobustAccuracy.format(rows, targeted != null));
    if (examples > 0) {
      Path png = out.resolve("attack.png");
      Pictures.write(picture(model, test, names, attackFor, target, what), png);
      o.println("wrote " + png);
    }
    o.flush();
    return 0;
  }

  /** Rows: examples; columns: the original, then for each eps the perturbation and the result. */
  private java.awt.image.BufferedImage picture(
      Module model,
      TensorDataset test,
      String[] names,
      DoubleFunction<Attack> attackFor,
      int target,
      String what) {
    int n = Math.min(examples, test.size());
    Tensor x = test.inputs().narrow(0, 0, n);
    Tensor y = test.labels().narrow(0, 0, n);
    Tensor labels = target < 0 ? y : Tensor.full(y.dtype(), target, n);
    List<List<Pictures.Cell>> grid = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      grid.add(new ArrayList<>());
    }
    double[][] p0 = probs(model, x);
    for (int i = 0; i < n; i++) {
      int k = Pictures.argmax(p0[i]);
      grid.get(i)
          .add(
              new Pictures.Cell(
                  Pictures.gray(Pictures.plane(x.select(0, i)), 0, 1),
                  "orig: " + Pictures.label(names, k, p0[i][k])));
    }
    for (double e : eps) {
      Tensor adv = attackFor.apply(e).perturb(model, x, labels);
      double[][] p = probs(model, adv);
      Tensor delta;
      try (var g = GradMode.disabled()) {
        delta = adv.sub(x);
      }
      for (int i = 0; i < n; i++) {
        double[][] d = Pictures.plane(delta.select(0, i));
        double max = 0;
        for (double[] row : d) {
          for (double v : row) {
            max = Math.max(max, Math.abs(v));
          }
        }
        int k = Pictures.argmax(p[i]);
        grid.get(i)
            .add(
                new Pictures.Cell(
                    Pictures.signed(d, max),
                    String.format(Locale.ROOT, "delta eps=%s", TrainCommand.shortNum(e))));
        grid.get(i)
            .add(
                new Pictures.Cell(
                    Pictures.gray(Pictures.plane(adv.select(0, i)), 0, 1),
                    "adv: " + Pictures.label(names, k, p[i][k])));
      }
    }
    return Pictures.grid(
        what + "; perturbations scaled to their max (grey = 0, white +, black -)", grid);
  }

  static double[][] probs(Module model, Tensor x) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try (var g = GradMode.disabled()) {
      return Pictures.probabilities(model.forward(x));
    } finally {
      model.train(wasTraining);
    }
  }
}

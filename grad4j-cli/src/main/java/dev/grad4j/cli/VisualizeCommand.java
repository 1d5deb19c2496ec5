package dev.grad4j.cli;

import dev.grad4j.Tensor;
import dev.grad4j.data.Datasets;
import dev.grad4j.explain.FeatureVisualization;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.Sequential;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grad4j visualize}: synthesise inputs that maximise a class logit or a hidden unit. */
@Command(
    name = "visualize",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Feature visualisation for a model saved by 'grad4j train': gradient ascent on a 28x28"
          + " input in [0, 1] to maximise a class logit (--class) or a unit of a layer"
          + " (--layer L --unit U), with L2 and total-variation penalties and jitter."
          + " Writes visualize.png with one captioned image per class or unit.",
      ""
    })
final class VisualizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "FILE", required = true, description = "The model file.")
  Path modelFile;

  @Option(
      names = "--class",
      paramLabel = "K,...",
      split = ",",
      description = "Classes to synthesise (default: all ten).")
  int[] classes;

  @Option(
      names = "--layer",
      paramLabel = "L",
      description = "Maximise units of layer L (its index in the model) instead of a class.")
  Integer layer;

  @Option(
      names = "--unit",
      paramLabel = "U,...",
      split = ",",
      description = "With --layer: the units (channels of a conv layer); default: 0..7.")
  int[] units;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "digits",
      description = "Only for class names: digits or fashion; default: ${DEFAULT-VALUE}.")
  String data;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "200", description = "Ascent steps.")
  int steps;

  @Option(
      names = "--step-size",
      paramLabel = "A",
      defaultValue = "0.05",
      description = "Normalised step size; default: ${DEFAULT-VALUE}.")
  double stepSize;

  @Option(names = "--l2", paramLabel = "W", defaultValue = "0.01", description = "L2 weight.")
  double l2;

  @Option(
      names = "--tv",
      paramLabel = "W",
      defaultValue = "0.05",
      description = "Total-variation weight.")
  double tv;

  @Option(names = "--jitter", paramLabel = "PX", defaultValue = "1", description = "Jitter.")
  int jitter;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Start noise.")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "runs/visualize",
      description = "Where to write visualize.png; default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--threads", paramLabel = "N", description = "Threads for the math kernels.")
  Integer threads;

  @Override
  public Integer call() throws IOException {
    TrainCommand.setThreads(spec, threads);
    if (steps < 0 || jitter < 0 || !(stepSize > 0) || !(l2 >= 0) || !(tv >= 0)) {
      throw new ParameterException(
          spec.commandLine(), "--steps, --jitter, --l2, --tv must be >= 0 and --step-size > 0");
    }
    Module loaded = EvalCommand.load(modelFile, new String[1]);
    if (!(loaded instanceof Sequential model)) {
      throw new IllegalArgumentException(modelFile + " does not hold a Sequential model");
    }
    var o =
        FeatureVisualization.Options.defaults()
            .withSteps(steps)
            .withStepSize(stepSize)
            .withRegularisers(l2, tv)
            .withJitter(jitter)
            .withSeed(seed);
    int[] shape = {1, 28, 28};
    String[] names = Datasets.classNames(data);
    int lay = layer == null ? model.size() - 1 : layer;
    if (lay < 0 || lay >= model.size()) {
      throw new ParameterException(
          spec.commandLine(), "--layer must be in 0.." + (model.size() - 1) + ", got " + layer);
    }
    int[] which;
    if (layer == null) {
      which = classes != null ? classes : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    } else {
      which = units != null ? units : new int[] {0, 1, 2, 3, 4, 5, 6, 7};
    }
    PrintWriter pw = spec.commandLine().getOut();
    List<Pictures.Cell> cells = new ArrayList<>();
    for (int u : which) {
      FeatureVisualization.Result r = FeatureVisualization.maximize(model, lay, u, shape, o);
      Tensor img = r.image();
      String caption;
      if (layer == null) {
        double[] p = AttackCommand.probs(model, img)[0];
        caption =
            String.format(
                Locale.ROOT,
                "%s: p=%.0f%%",
                u < names.length ? names[u] : Integer.toString(u),
                100 * p[u]);
      } else {
        caption = String.format(Locale.ROOT, "layer %d unit %d", lay, u);
      }
      pw.printf(
          Locale.ROOT,
          "%s: activation %.3f -> %.3f%n",
          layer == null ? "class " + u : "layer " + lay + " unit " + u,
          r.initialActivation(),
          r.finalActivation());
      cells.add(new Pictures.Cell(Pictures.gray(Pictures.plane(img.select(0, 0)), 0, 1), caption));
    }
    List<List<Pictures.Cell>> grid = new ArrayList<>();
    for (int i = 0; i < cells.size(); i += 5) {
      grid.add(cells.subList(i, Math.min(cells.size(), i + 5)));
    }
    Path png = out.resolve("visualize.png");
    Pictures.write(
        Pictures.grid(
            layer == null
                ? "inputs that maximise each class logit (caption: softmax probability)"
                : "inputs that maximise units of layer " + lay,
            grid),
        png);
    pw.println("wrote " + png);
    pw.flush();
    return 0;
  }
}

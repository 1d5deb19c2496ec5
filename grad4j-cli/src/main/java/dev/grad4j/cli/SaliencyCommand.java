package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.explain.Saliency;
import dev.grad4j.nn.Module;
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

/** {@code grad4j saliency}: heat maps of which input pixels a prediction depends on. */
@Command(
    name = "saliency",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Saliency maps of a model saved by 'grad4j train' for the first test examples: the"
          + " gradient of the class logit (vanilla), gradient x input, SmoothGrad, and integrated"
          + " gradients from a black baseline. Writes saliency.png: one row per example, the"
          + " input and one heat map (|attribution|, black to white) per method.",
      ""
    })
final class SaliencyCommand implements Callable<Integer> {
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
      paramLabel = "M,...",
      split = ",",
      defaultValue = "vanilla,gradxinput,smoothgrad,ig",
      description = "vanilla, gradxinput, smoothgrad, ig; default: ${DEFAULT-VALUE}.")
  List<String> methods;

  @Option(
      names = "--class",
      paramLabel = "K",
      description = "Explain class K for every example (default: each one's predicted class).")
  Integer classIndex;

  @Option(
      names = "--examples",
      paramLabel = "N",
      defaultValue = "6",
      description = "Test examples to explain; default: ${DEFAULT-VALUE}.")
  int examples;

  @Option(
      names = "--samples",
      paramLabel = "N",
      defaultValue = "25",
      description = "SmoothGrad samples; default: ${DEFAULT-VALUE}.")
  int samples;

  @Option(
      names = "--sigma",
      paramLabel = "S",
      defaultValue = "0.15",
      description = "SmoothGrad noise std (input units); default: ${DEFAULT-VALUE}.")
  double sigma;

  @Option(
      names = "--ig-steps",
      paramLabel = "N",
      defaultValue = "50",
      description = "Integrated-gradients intervals; default: ${DEFAULT-VALUE}.")
  int igSteps;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "SmoothGrad seed.")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "runs/saliency",
      description = "Where to write saliency.png; default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--threads", paramLabel = "N", description = "Threads for the math kernels.")
  Integer threads;

  @Override
  public Integer call() throws IOException {
    TrainCommand.setThreads(spec, threads);
    List<Saliency.Method> ms = new ArrayList<>();
    try {
      for (String m : methods) {
        ms.add(Saliency.Method.parse(m));
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--method: " + e.getMessage());
    }
    if (examples < 1 || samples < 1 || igSteps < 1 || !(sigma >= 0)) {
      throw new ParameterException(
          spec.commandLine(), "--examples, --samples and --ig-steps must be >= 1 and --sigma >= 0");
    }
    if (classIndex != null && (classIndex < 0 || classIndex >= TrainCommand.CLASSES)) {
      throw new ParameterException(spec.commandLine(), "--class must be in 0..9");
    }
    Module model = EvalCommand.load(modelFile, new String[1]);
    TensorDataset test = Datasets.resolve(data).test();
    TrainCommand.checkData("test", test);
    String[] names = Datasets.classNames(data);
    int n = Math.min(examples, test.size());
    Tensor x = test.inputs().narrow(0, 0, n);
    double[][] p = AttackCommand.probs(model, x);
    double[] cls = new double[n];
    for (int i = 0; i < n; i++) {
      cls[i] = classIndex != null ? classIndex : Pictures.argmax(p[i]);
    }
    Tensor classes = Tensor.of(cls, n);
    List<List<Pictures.Cell>> grid = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Pictures.Cell> row = new ArrayList<>();
      int k = Pictures.argmax(p[i]);
      row.add(
          new Pictures.Cell(
              Pictures.gray(Pictures.plane(x.select(0, i)), 0, 1),
              "pred " + Pictures.label(names, k, p[i][k])));
      grid.add(row);
    }
    PrintWriter o = spec.commandLine().getOut();
    for (Saliency.Method m : ms) {
      Tensor a =
          Saliency.compute(m, model, x, classes, sigma, samples, igSteps, new Generator(seed));
      for (int i = 0; i < n; i++) {
        grid.get(i)
            .add(
                new Pictures.Cell(
                    Pictures.heat(Pictures.plane(a.select(0, i))),
                    m.name().toLowerCase(Locale.ROOT) + " (class " + (int) cls[i] + ")"));
      }
    }
    Path png = out.resolve("saliency.png");
    Pictures.write(Pictures.grid("saliency of the class logit; heat = |attribution|", grid), png);
    o.println("wrote " + png);
    o.flush();
    return 0;
  }
}

package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.nn.Module;
import dev.grad4j.train.Checkpoint;
import dev.grad4j.train.Models;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grad4j eval}: accuracy, per-class accuracy and the confusion matrix of a saved model. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluates a model saved by 'grad4j train' (or one of its checkpoints): accuracy,"
          + " accuracy per class, and the confusion matrix.",
      ""
    })
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      required = true,
      description = "The model file (its metadata says mlp or cnn), or a checkpoint.")
  Path modelFile;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "digits",
      description =
          "digits, fashion, or a directory of MNIST IDX files; default: ${DEFAULT-VALUE}.")
  String data;

  @Option(
      names = "--split",
      paramLabel = "SPLIT",
      defaultValue = "test",
      description = "test or train; default: ${DEFAULT-VALUE}.")
  String split;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Examples per forward pass; default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Threads for the math kernels (default: GRAD4J_NUM_THREADS, else the cores).")
  Integer threads;

  @Override
  public Integer call() throws IOException {
    TrainCommand.setThreads(spec, threads);
    if (!split.equals("test") && !split.equals("train")) {
      throw new ParameterException(
          spec.commandLine(), "--split must be test or train, got " + split);
    }
    if (batchSize < 1) {
      throw new ParameterException(
          spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
    }
    Saved saved = read(modelFile);
    Module model = saved.model();
    var sets = Datasets.resolve(data);
    TensorDataset set = split.equals("test") ? sets.test() : sets.train();
    TrainCommand.checkData(split, set);
    Trainer.Evaluation ev = Trainer.evaluate(model, set, batchSize);
    PrintWriter o = spec.commandLine().getOut();
    o.print(render(saved.arch(), modelFile, data, split, Datasets.classNames(data), ev));
    String note = AdversarialOptions.note(saved.metadata());
    if (note != null) {
      o.println("\nThe model was " + note + ".");
    }
    o.flush();
    return 0;
  }

  /** The model in {@code file}, built from the {@code model} entry of its metadata. */
  static Module load(Path file, String[] name) throws IOException {
    Saved saved = read(file);
    name[0] = saved.arch();
    return saved.model();
  }

  /**
   * A model read from a file: the network, its architecture's name and the file's metadata.
   *
   * @param metadata the model file's metadata, or the checkpoint's
   */
  record Saved(Module model, String arch, Map<String, String> metadata) {}

  /** The model in {@code file} (a model file or a checkpoint) with its metadata. */
  static Saved read(Path file) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, String> meta = c.metadata();
    String arch = meta.get("model");
    if (arch == null) {
      throw new IllegalArgumentException(
          file
              + " does not say which model it holds (no model="
              + String.join("|", Models.NAMES)
              + " in its metadata); save models with grad4j train");
    }
    Map<String, Tensor> state = c.tensors();
    if (Checkpoint.FORMAT.equals(meta.get("format"))) {
      state = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
        if (e.getKey().startsWith("model.")) {
          state.put(e.getKey().substring(6), e.getValue());
        }
      }
    }
    Module model = Models.create(arch, new Generator(0));
    try {
      model.loadStateDict(state, true);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          file + " does not hold a " + arch + " model: " + e.getMessage(), e);
    }
    return new Saved(model, arch, meta);
  }

  static String render(
      String arch, Path file, String data, String split, String[] classes, Trainer.Evaluation ev) {
    StringBuilder s = new StringBuilder();
    long right = 0;
    for (int c = 0; c < ev.classes(); c++) {
      right += ev.confusion()[c][c];
    }
    s.append(
        String.format(
            Locale.ROOT,
            "%s from %s on %s (%s set, %,d images)%n",
            arch,
            file,
            data,
            split,
            ev.count()));
    s.append(
        String.format(
            Locale.ROOT,
            "accuracy %.2f%% (%,d of %,d right), mean loss %.4f%n%n",
            100 * ev.accuracy(),
            right,
            ev.count(),
            ev.loss()));
    int nameWidth = "class".length();
    for (int c = 0; c < ev.classes(); c++) {
      nameWidth = Math.max(nameWidth, className(classes, c).length());
    }
    s.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  accuracy  images%n", "class"));
    for (int c = 0; c < ev.classes(); c++) {
      long n = 0;
      for (long v : ev.confusion()[c]) {
        n += v;
      }
      double a = ev.perClassAccuracy()[c];
      s.append(
          String.format(
              Locale.ROOT,
              "%-" + nameWidth + "s  %8s  %,6d%n",
              className(classes, c),
              Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * a),
              n));
    }
    s.append("\nconfusion matrix (rows: true class, columns: predicted class)\n");
    long max = 1;
    for (long[] row : ev.confusion()) {
      for (long v : row) {
        max = Math.max(max, v);
      }
    }
    int w = Math.max(Long.toString(max).length(), Integer.toString(ev.classes() - 1).length()) + 1;
    int lw = Integer.toString(ev.classes() - 1).length();
    s.append(" ".repeat(lw + 1));
    for (int p = 0; p < ev.classes(); p++) {
      s.append(String.format(Locale.ROOT, "%" + w + "d", p));
    }
    s.append('\n');
    for (int y = 0; y < ev.classes(); y++) {
      s.append(String.format(Locale.ROOT, "%" + lw + "d ", y));
      for (int p = 0; p < ev.classes(); p++) {
        s.append(String.format(Locale.ROOT, "%" + w + "d", ev.confusion()[y][p]));
      }
      s.append('\n');
    }
    return s.toString();
  }

  private static String className(String[] classes, int c) {
    String n = c < classes.length ? classes[c] : Integer.toString(c);
    return n.equals(Integer.toString(c)) ? n : c + " " + n;
  }
}

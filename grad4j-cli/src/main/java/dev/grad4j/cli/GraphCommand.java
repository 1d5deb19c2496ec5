package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.explain.GraphDot;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Module;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code grad4j graph}: the computation graph of one training step, as a Graphviz picture. */
@Command(
    name = "graph",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draws the computation graph of one training step (forward + cross-entropy loss).",
      "",
      "Writes Graphviz DOT: one box per recorded op with its output shape, the parameters by"
          + " name (1.weight, ...), and the inputs that need no gradient; arrows follow the data"
          + " from the input to the loss. With Graphviz's 'dot' on the PATH it also writes SVG"
          + " and PNG beside the .dot file.",
      ""
    })
final class GraphCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      defaultValue = "mlp",
      description = "mlp, cnn, or a model file saved by 'grad4j train'; default: ${DEFAULT-VALUE}.")
  String model;

  @Option(
      names = "--out",
      paramLabel = "FILE.dot",
      description = "Where to write the DOT file; default: graph-MODEL.dot.")
  Path out;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Batch size of the step (only the shapes change); default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (batchSize < 1) {
      throw new ParameterException(
          spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
    }
    ModelSource source;
    try {
      source = ModelSource.load(model);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    GraphDot picture = trainingStep(source.net(), source.name(), batchSize);
    GraphDot.Graph graph = picture.graph();

    Path dotFile = out != null ? out : Path.of("graph-" + fileStem(source.name()) + ".dot");
    Path parent = dotFile.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(dotFile, picture.toDot(), StandardCharsets.UTF_8);
    PrintWriter o = spec.commandLine().getOut();
    o.printf(
        "Wrote %s: %d ops, %d parameters, %d inputs without gradient, %d edges%n",
        dotFile,
        graph.count(GraphDot.Kind.OP),
        graph.count(GraphDot.Kind.PARAMETER),
        graph.count(GraphDot.Kind.INPUT),
        graph.edges().size());
    String dot = findOnPath("dot");
    if (dot == null) {
      o.println(
          "Graphviz's 'dot' is not on the PATH, so no SVG/PNG was drawn. Install it (Debian:"
              + " apt-get install graphviz) or render the file elsewhere: dot -Tsvg "
              + dotFile
              + " -o graph.svg");
      o.flush();
      return 0;
    }
    List<Path> drawn = new ArrayList<>();
    for (String format : new String[] {"svg", "png"}) {
      Path target = sibling(dotFile, format);
      render(dot, format, dotFile, target);
      drawn.add(target);
    }
    o.println("Drew " + drawn.get(0) + " and " + drawn.get(1) + " with Graphviz");
    o.flush();
    return 0;
  }

  /**
   * The graph of one training step of {@code net} (forward on a random batch of 28x28 images,
   * cross-entropy loss), its parameters named, titled with {@code name}.
   */
  static GraphDot trainingStep(Module net, String name, int batchSize) {
    Tensor x = Tensor.rand(new Generator(1), batchSize, 1, 28, 28);
    double[] labels = new double[batchSize];
    for (int i = 0; i < batchSize; i++) {
      labels[i] = i % TrainCommand.CLASSES;
    }
    Tensor loss = Losses.crossEntropy(net.forward(x), Tensor.of(labels, batchSize));
    return GraphDot.of(loss).names(net).title(name + ": one training step, batch " + batchSize);
  }

  /** Runs Graphviz's {@code dot} (at {@code dot}) to draw {@code dotFile} as {@code format}. */
  static void render(String dot, String format, Path dotFile, Path target)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(dot, "-T" + format, "-o", target.toString(), dotFile.toString())
            .redirectErrorStream(true)
            .start();
    String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("dot -T" + format + " did not finish within 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("dot -T" + format + " failed: " + messages.strip());
    }
  }

  private static String fileStem(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]+", "-");
  }

  static Path sibling(Path dotFile, String extension) {
    String name = dotFile.getFileName().toString();
    String stem = name.endsWith(".dot") ? name.substring(0, name.length() - 4) : name;
    return dotFile.resolveSibling(stem + "." + extension);
  }

  /** The program's path on the PATH, or null. */
  static String findOnPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}

package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.nn.Sequential;
import dev.grad4j.train.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A network named on the command line: {@code mlp} or {@code cnn} (fresh weights from seed 0), or a
 * model file saved by {@code grad4j train} (its metadata names the architecture).
 */
record ModelSource(String name, Sequential net) {
  static ModelSource load(String spec) throws IOException {
    String lower = spec.toLowerCase(Locale.ROOT);
    if (Models.NAMES.contains(lower)) {
      return new ModelSource(lower, Models.create(lower, new Generator(0)));
    }
    Path file = Path.of(spec);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "--model must be one of "
              + String.join(", ", Models.NAMES)
              + " or a model file saved by 'grad4j train'; "
              + spec
              + " is neither");
    }
    SafeTensors.Contents contents = SafeTensors.read(file);
    String arch = contents.metadata().get("model");
    if (arch == null) {
      arch = guess(contents.tensors());
    }
    Sequential net = Models.create(arch, new Generator(0));
    net.loadStateDict(contents.tensors());
    return new ModelSource(arch + " from " + file.getFileName(), net);
  }

  // Files without metadata: the CNN starts with a 4-D convolution kernel, the MLP with a Linear.
  private static String guess(Map<String, Tensor> tensors) {
    Tensor first = tensors.get("0.weight");
    if (first != null && first.dim() == 4) {
      return "cnn";
    }
    if (tensors.containsKey("1.weight")) {
      return "mlp";
    }
    throw new IllegalArgumentException(
        "the model file names no architecture (metadata 'model') and its tensors fit neither "
            + String.join(" nor ", Models.NAMES));
  }
}

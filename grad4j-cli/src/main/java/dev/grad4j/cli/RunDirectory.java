package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.io.Json;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.nn.Sequential;
import dev.grad4j.train.Checkpoint;
import dev.grad4j.train.Models;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run directory written by {@code grad4j train}, read back for {@code grad4j dashboard}:
 * metrics.jsonl (one line per epoch), batches.csv (one line per batch), the checkpoint's metadata
 * (the run's options) and the model file (for the layer table and the graph picture).
 *
 * @param dir the directory
 * @param record its metrics, ready to serve
 * @param graph the training-step graph of its model, or null when the directory has neither a model
 *     file nor a checkpoint naming the architecture
 */
record RunDirectory(Path dir, TrainingRecord record, GraphPicture graph) {
  static final String MODEL_FILE = "model.safetensors";

  private static final String[] EPOCH_KEYS = {
    "epoch",
    "step",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "lr",
    "seconds",
    "examples_per_second"
  };

  /**
   * Reads {@code dir}.
   *
   * @throws IllegalArgumentException when {@code dir} is not a directory, holds neither
   *     metrics.jsonl nor batches.csv, or one of its files is malformed (the message names the
   *     file, the line and what is wrong)
   * @throws IOException when a file cannot be read
   */
  static RunDirectory load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          dir
              + " is not a directory; give the run directory that 'grad4j train' wrote"
              + " (e.g. runs/mlp-digits)");
    }
    Path metrics = dir.resolve(TrainCommand.METRICS_FILE);
    Path batches = dir.resolve(BatchLog.FILE);
    if (!Files.isRegularFile(metrics) && !Files.isRegularFile(batches)) {
      throw new IllegalArgumentException(
          dir
              + " holds neither "
              + TrainCommand.METRICS_FILE
              + " nor "
              + BatchLog.FILE
              + "; is it a run directory written by 'grad4j train'?");
    }
    List<Trainer.EpochResult> epochs =
        Files.isRegularFile(metrics) ? readMetrics(metrics) : List.of();
    List<TrainingRecord.Batch> rows =
        Files.isRegularFile(batches) ? readBatches(batches) : List.of();

    Map<String, String> options = options(dir);
    Path modelFile = dir.resolve(MODEL_FILE);
    String arch = options.get("model");
    Sequential net = null;
    String modelName = arch;
    if (Files.isRegularFile(modelFile)) {
      ModelSource source = ModelSource.load(modelFile.toString());
      net = source.net();
      modelName = source.name();
    } else if (arch != null && Models.NAMES.contains(arch)) {
      net = Models.create(arch, new Generator(0));
    }
    int batchSize = parseInt(options.get("batch_size"), 64);
    Sequential summaryNet = net;
    Map<String, String> facts =
        TrainingRecord.facts(options, net == null ? -1 : net.parameterCount());
    int epochsPlanned = parseInt(options.get("epochs"), epochs.size());
    int perEpoch = 0;
    for (TrainingRecord.Batch b : rows) {
      perEpoch = Math.max(perEpoch, b.batch());
    }
    if (perEpoch == 0 && !epochs.isEmpty()) {
      perEpoch = (int) (epochs.getFirst().step() / epochs.getFirst().epoch());
    }
    perEpoch = parseInt(options.get("batches_per_epoch"), perEpoch);
    String title =
        (arch != null ? arch : "model")
            + (options.containsKey("data") ? " on " + options.get("data") : "")
            + " (run "
            + dir.getFileName()
            + ")";
    TrainingRecord record =
        new TrainingRecord(
            title,
            facts,
            net == null ? null : () -> summaryNet.summary(batchSize, 1, 28, 28),
            epochsPlanned,
            perEpoch);
    rows.forEach(record::addBatch);
    epochs.forEach(record::addEpoch);
    record.end(epochs.size() >= epochsPlanned && Files.isRegularFile(modelFile));
    String graphName = modelName;
    GraphPicture graph =
        net == null
            ? null
            : GraphPicture.onPath(
                () -> GraphCommand.trainingStep(summaryNet, graphName, batchSize).toDot());
    return new RunDirectory(dir, record, graph);
  }

  /** The run's options: the checkpoint's metadata, else the model file's. */
  private static Map<String, String> options(Path dir) throws IOException {
    Path ckpt = dir.resolve(TrainCommand.CHECKPOINT_FILE);
    if (Files.isRegularFile(ckpt)) {
      return Checkpoint.metadata(ckpt);
    }
    Path model = dir.resolve(MODEL_FILE);
    if (Files.isRegularFile(model)) {
      return SafeTensors.read(model).metadata();
    }
    return Map.of();
  }

  private static int parseInt(String s, int otherwise) {
    if (s == null) {
      return otherwise;
    }
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** The epochs of a metrics.jsonl file. */
  static List<Trainer.EpochResult> readMetrics(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Trainer.EpochResult> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String where = file.getFileName() + " line " + (i + 1);
      Object value;
      try {
        value = Json.parseValue(line);
      } catch (Json.ParseException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      if (!(value instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(where + ": expected a JSON object, one per line");
      }
      double[] v = new double[EPOCH_KEYS.length];
      for (int k = 0; k < EPOCH_KEYS.length; k++) {
        if (!m.containsKey(EPOCH_KEYS[k])) {
          throw new IllegalArgumentException(where + ": no \"" + EPOCH_KEYS[k] + "\"");
        }
        Object x = m.get(EPOCH_KEYS[k]);
        if (x == null) {
          v[k] = Double.NaN; // written for a value that was not a number
        } else if (x instanceof Number n) {
          v[k] = n.doubleValue();
        } else {
          throw new IllegalArgumentException(
              where + ": \"" + EPOCH_KEYS[k] + "\" is not a number: " + x);
        }
      }
      out.add(
          new Trainer.EpochResult(
              (int) v[0], (long) v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
    }
    return out;
  }

  /** The rows of a batches.csv file. */
  static List<TrainingRecord.Batch> readBatches(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String name = file.getFileName().toString();
    if (lines.isEmpty() || !lines.getFirst().strip().equals(BatchLog.HEADER)) {
      throw new IllegalArgumentException(
          name
              + " line 1: expected the header '"
              + BatchLog.HEADER
              + "', found '"
              + (lines.isEmpty() ? "" : lines.getFirst().strip())
              + "'");
    }
    List<TrainingRecord.Batch> out = new ArrayList<>(lines.size());
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(",", -1);
      String where = name + " line " + (i + 1);
      if (f.length != TrainingRecord.Batch.COLUMNS.size()) {
        throw new IllegalArgumentException(
            where
                + ": expected "
                + TrainingRecord.Batch.COLUMNS.size()
                + " comma-separated fields, found "
                + f.length);
      }
      try {
        out.add(TrainingRecord.Batch.parse(f));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": not a number: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * The newest PNG whose name mentions "attack" in {@code dir} or its subfolders (three levels), or
   * null.
   */
  static Path newestAttackPicture(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> files = Files.find(dir, 3, (p, a) -> a.isRegularFile() && isAttack(p))) {
      Path newest = null;
      FileTime newestTime = null;
      for (Path p : (Iterable<Path>) files::iterator) {
        FileTime t = Files.getLastModifiedTime(p);
        if (newest == null || t.compareTo(newestTime) > 0) {
          newest = p;
          newestTime = t;
        }
      }
      return newest;
    } catch (IOException | java.io.UncheckedIOException e) {
      return null; // a folder that cannot be read has no picture to show
    }
  }

  private static boolean isAttack(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".png") && name.contains("attack");
  }

  /** What to run to get an attack picture for the run in {@code dir}. */
  static String attackHint(Path dir) {
    String d = dir == null ? "RUN_DIR" : dir.toString();
    return "No attack picture yet. Make one with: grad4j attack --model "
        + d
        + "/"
        + MODEL_FILE
        + " --out "
        + d;
  }
}

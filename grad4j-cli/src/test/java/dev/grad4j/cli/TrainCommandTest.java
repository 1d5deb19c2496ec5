package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.train.Checkpoint;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** grad4j train and eval on tiny synthetic IDX data (64 training and 30 test images). */
class TrainCommandTest {
  @TempDir Path tmp;

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    return run(null, args);
  }

  /** Runs the command; {@code afterBatch} is given to the train command (to stop it). */
  static Run run(BiConsumer<Trainer, Trainer.Progress> afterBatch, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    ((TrainCommand) cl.getSubcommands().get("train").getCommand()).afterBatch = afterBatch;
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  // ---------------------------------------------------------------- synthetic IDX data

  /** Writes the four IDX files: class c has a bright band in rows 2c..2c+2, plus noise. */
  static Path idx(Path dir, int train, int test, int badLabel) throws IOException {
    Files.createDirectories(dir);
    write(dir, "train", train, 1, badLabel);
    write(dir, "t10k", test, 2, -1);
    return dir;
  }

  private static void write(Path dir, String prefix, int n, long seed, int badLabel)
      throws IOException {
    var rnd = new java.util.Random(seed);
    ByteBuffer images = ByteBuffer.allocate(16 + n * 784);
    images.putInt(0x803).putInt(n).putInt(28).putInt(28);
    ByteBuffer labels = ByteBuffer.allocate(8 + n);
    labels.putInt(0x801).putInt(n);
    for (int i = 0; i < n; i++) {
      int c = i % 10;
      for (int r = 0; r < 28; r++) {
        for (int col = 0; col < 28; col++) {
          boolean band = r >= 2 * c + 4 && r < 2 * c + 7;
          images.put((byte) (band ? 200 + rnd.nextInt(55) : rnd.nextInt(40)));
        }
      }
      labels.put((byte) (i == 3 && badLabel >= 0 ? badLabel : c));
    }
    Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images.array());
    Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
  }

  private Path data() throws IOException {
    return idx(tmp.resolve("data"), 64, 30, -1);
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static void assertOneLineError(Run r, String... fragments) {
    assertEquals(1, r.exitCode(), r.out() + r.err());
    assertTrue(r.err().startsWith("grad4j: "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), r.err());
    }
  }

  // ---------------------------------------------------------------- training

  @Test
  void trainsSavesTheModelMetricsAndACheckpoint() throws IOException {
    Path data = data();
    Path model = tmp.resolve("run/model.safetensors");
    Run r =
        run(
            "train",
            "--data",
            data.toString(),
            "--epochs",
            "2",
            "--batch-size",
            "8",
            "--optimizer",
            "adam",
            "--schedule",
            "cosine",
            "--out",
            model.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("", r.err());
    String out = r.out();
    assertTrue(out.contains("Training mlp (669,706 parameters)"), out);
    assertTrue(out.contains("adam lr 0.001, batch size 8, schedule cosine, epochs 2, seed 1"), out);
    // Not a terminal: no carriage returns, a plain progress line at each quarter of an epoch.
    assertFalse(out.contains("\r"), out);
    assertTrue(out.contains("epoch 1/2 [######..................] 2/8  loss "), out);
    assertTrue(out.contains(" ex/s  ETA "), out);
    assertTrue(out.contains("epoch 2/2  train loss "), out);
    assertTrue(out.contains("test loss "), out);
    assertEquals(
        List.of("batches.csv", "checkpoint.safetensors", "metrics.jsonl", "model.safetensors"),
        files(model.getParent()));

    SafeTensors.Contents saved = SafeTensors.read(model);
    assertEquals("mlp", saved.metadata().get("model"));
    assertEquals("pt", saved.metadata().get("format"));
    assertTrue(saved.tensors().containsKey("1.weight"));

    List<String> lines = Files.readAllLines(model.resolveSibling("metrics.jsonl"));
    assertEquals(2, lines.size());
    Pattern field = Pattern.compile("\"([a-z_]+)\":(-?[0-9.eE+-]+|null)");
    for (int i = 0; i < 2; i++) {
      String line = lines.get(i);
      assertTrue(line.startsWith("{") && line.endsWith("}"), line);
      List<String> names = new ArrayList<>();
      Matcher m = field.matcher(line);
      while (m.find()) {
        names.add(m.group(1));
        if (!m.group(1).equals("epoch") && !m.group(1).equals("step")) {
          double v = Double.parseDouble(m.group(2));
          assertTrue(Double.isFinite(v) && v >= 0, line);
        }
      }
      assertEquals(
          List.of(
              "epoch",
              "step",
              "train_loss",
              "train_accuracy",
              "test_loss",
              "test_accuracy",
              "lr",
              "seconds",
              "examples_per_second"),
          names,
          line);
      assertTrue(line.startsWith("{\"epoch\":" + (i + 1) + ",\"step\":" + 8 * (i + 1) + ","), line);
    }
    // Cosine over 2 epochs: the full rate in epoch 1, half of it in epoch 2.
    assertTrue(lines.get(1).contains("\"lr\":5.0E-4"), lines.get(1));

    Map<String, String> ck = Checkpoint.metadata(model.resolveSibling("checkpoint.safetensors"));
    assertEquals("2", ck.get("epoch"));
    assertEquals("adam", ck.get("optimizer"));
    assertEquals("8", ck.get("batch_size"));
  }

  @Test
  void aStoppedRunResumesToTheSameBits() throws IOException {
    Path data = data();
    Path whole = tmp.resolve("whole/model.safetensors");
    Path parted = tmp.resolve("parted/model.safetensors");
    String[] common = {"train", "--data", data.toString(), "--epochs", "3", "--batch-size", "16"};
    assertEquals(0, run(concat(common, "--out", whole.toString())).exitCode());

    // Ctrl-C in the middle of epoch 2 (the shutdown hook calls requestStop, as here).
    Run stopped =
        run(
            (trainer, p) -> {
              if (p.epoch() == 2 && p.batch() == 2) {
                trainer.requestStop();
              }
            },
            concat(common, "--out", parted.toString()));
    assertEquals(130, stopped.exitCode(), stopped.err());
    assertTrue(stopped.out().contains("Stopped in epoch 2 after 2 of 4 batches"), stopped.out());
    Path ckpt = parted.resolveSibling("checkpoint.safetensors");
    assertTrue(stopped.out().contains("Resume with: grad4j train --resume " + ckpt), stopped.out());
    assertEquals(
        List.of("batches.csv", "checkpoint.safetensors", "metrics.jsonl"),
        files(parted.getParent()));
    assertEquals("2", Checkpoint.metadata(ckpt).get("step_in_epoch"));

    // Resume with no other options: they come from the checkpoint (--out included).
    Run resumed = run("train", "--resume", ckpt.toString());
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(resumed.out().contains("1 epochs done, and 2 batches of epoch 2"), resumed.out());
    assertFalse(resumed.out().contains("epoch 1/3  train"), resumed.out());
    Map<String, Tensor> a = SafeTensors.read(whole).tensors();
    Map<String, Tensor> b = SafeTensors.read(parted).tensors();
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }
    List<String> wholeMetrics = Files.readAllLines(whole.resolveSibling("metrics.jsonl"));
    List<String> partedMetrics = Files.readAllLines(parted.resolveSibling("metrics.jsonl"));
    assertEquals(3, partedMetrics.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(lossOf(wholeMetrics.get(i)), lossOf(partedMetrics.get(i)), "epoch " + (i + 1));
    }
    // batches.csv goes on where it stopped: each step once, and the same losses as the whole run.
    List<String> wholeBatches = Files.readAllLines(whole.resolveSibling("batches.csv"));
    List<String> partedBatches = Files.readAllLines(parted.resolveSibling("batches.csv"));
    assertEquals(1 + 3 * 4, partedBatches.size());
    for (int i = 1; i < partedBatches.size(); i++) {
      String[] w = wholeBatches.get(i).split(",");
      String[] p = partedBatches.get(i).split(",");
      assertEquals(List.of(w).subList(0, 6), List.of(p).subList(0, 6), "line " + (i + 1));
    }
  }

  static String lossOf(String metricsLine) {
    Matcher m =
        Pattern.compile(
                "\"train_loss\":([^,]+),\"train_accuracy\":([^,]+),\"test_loss\":([^,]+),\"test_accuracy\":([^,]+)")
            .matcher(metricsLine);
    assertTrue(m.find(), metricsLine);
    return m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4);
  }

  static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void evalPrintsAccuracyPerClassAndTheConfusionMatrix() throws IOException {
    Path data = data();
    Path model = tmp.resolve("run/model.safetensors");
    assertEquals(
        0,
        run(
                "train",
                "--data",
                data.toString(),
                "--epochs",
                "1",
                "--batch-size",
                "16",
                "--out",
                model.toString())
            .exitCode());
    for (Path file : List.of(model, model.resolveSibling("checkpoint.safetensors"))) {
      Run r = run("eval", "--model", file.toString(), "--data", data.toString());
      assertEquals(0, r.exitCode(), r.err());
      String out = r.out();
      assertTrue(
          out.startsWith("mlp from " + file + " on " + data + " (test set, 30 images)"), out);
      assertTrue(out.contains("accuracy "), out);
      List<String> lines = out.lines().toList();
      int header = lines.indexOf("class  accuracy  images");
      assertTrue(header > 0, out);
      for (int c = 0; c < 10; c++) {
        assertTrue(lines.get(header + 1 + c).startsWith(c + " "), out);
        assertTrue(
            lines.get(header + 1 + c).endsWith(c < 10 ? (c < 0 ? "" : (30 / 10 + "")) : ""), out);
      }
      int matrix = lines.indexOf("confusion matrix (rows: true class, columns: predicted class)");
      assertTrue(matrix > 0, out);
      long total = 0;
      long diagonal = 0;
      for (int y = 0; y < 10; y++) {
        String[] cells = lines.get(matrix + 2 + y).trim().split("\\s+");
        assertEquals(11, cells.length, lines.get(matrix + 2 + y));
        assertEquals(Integer.toString(y), cells[0]);
        long row = 0;
        for (int p = 0; p < 10; p++) {
          row += Long.parseLong(cells[1 + p]);
        }
        assertEquals(3, row, "each class has 3 test images");
        total += row;
        diagonal += Long.parseLong(cells[1 + y]);
      }
      assertEquals(30, total);
      assertTrue(out.contains("(" + diagonal + " of 30 right)"), out);
    }
  }

  // ---------------------------------------------------------------- errors

  @Test
  void aMissingDataDirectoryIsOneLine() {
    Path out = tmp.resolve("run/model.safetensors");
    Run r = run("train", "--data", tmp.resolve("nope").toString(), "--out", out.toString());
    assertOneLineError(r, tmp.resolve("nope").toString());
    assertFalse(Files.exists(out.resolveSibling("checkpoint.safetensors")));
  }

  @Test
  void aTruncatedIdxFileIsOneLine() throws IOException {
    Path data = data();
    Path images = data.resolve("train-images-idx3-ubyte");
    byte[] bytes = Files.readAllBytes(images);
    Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    Run r =
        run(
            "train",
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("run/m.safetensors").toString());
    assertOneLineError(r, "train-images-idx3-ubyte");
    assertTrue(r.err().toLowerCase(java.util.Locale.ROOT).contains("truncated"), r.err());
    assertEquals(List.of(), files(tmp.resolve("run")));
  }

  @Test
  void aLabelOutOfRangeIsOneLine() throws IOException {
    Path data = idx(tmp.resolve("bad"), 64, 30, 12);
    Run r =
        run(
            "train",
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("run/m.safetensors").toString());
    assertOneLineError(r, "label 12"); // the data layer or the command says which
    assertEquals(List.of(), files(tmp.resolve("run")));
  }

  @Test
  void anUnwritableOutputDirectoryIsOneLine() throws IOException {
    Path data = data();
    Path file = Files.writeString(tmp.resolve("file.txt"), "not a directory");
    Run r =
        run(
            "train",
            "--data",
            data.toString(),
            "--out",
            file.resolve("model.safetensors").toString());
    assertOneLineError(r, "cannot create the output directory " + file);
    r =
        run(
            "train",
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("ok/m.safetensors").toString(),
            "--checkpoint-dir",
            file.resolve("ck").toString());
    assertOneLineError(r, "cannot create the output directory " + file.resolve("ck"));
  }

  @Test
  void aResumeFileThatDoesNotMatchIsOneLine() throws IOException {
    Path data = data();
    Path model = tmp.resolve("run/model.safetensors");
    assertEquals(
        0,
        run(
                "train",
                "--data",
                data.toString(),
                "--epochs",
                "1",
                "--batch-size",
                "32",
                "--out",
                model.toString())
            .exitCode());
    Path ckpt = model.resolveSibling("checkpoint.safetensors");

    Run r = run("train", "--resume", ckpt.toString(), "--model", "cnn", "--epochs", "2");
    assertOneLineError(r, "was made for --model mlp, not cnn");
    r = run("train", "--resume", ckpt.toString(), "--optimizer", "adam", "--epochs", "2");
    assertOneLineError(r, "checkpoint " + ckpt + " does not fit: the optimizer differs");
    r = run("train", "--resume", model.toString(), "--data", data.toString());
    assertOneLineError(r, "is not a grad4j checkpoint");
    r = run("train", "--resume", tmp.resolve("missing.safetensors").toString());
    assertOneLineError(r, "missing.safetensors");
    r =
        run(
            "eval",
            "--model",
            ckpt.toString().replace("checkpoint", "nothing"),
            "--data",
            data.toString());
    assertOneLineError(r, "nothing.safetensors");
    // None of these touched the run's files.
    assertEquals(
        List.of("batches.csv", "checkpoint.safetensors", "metrics.jsonl", "model.safetensors"),
        files(model.getParent()));
  }

  @Test
  void evalNeedsToKnowTheArchitecture() throws IOException {
    Path plain = tmp.resolve("plain.safetensors");
    dev.grad4j.io.StateDicts.save(dev.grad4j.train.Models.mlp(new dev.grad4j.Generator(1)), plain);
    Run r = run("eval", "--model", plain.toString(), "--data", data().toString());
    assertOneLineError(r, "does not say which model it holds (no model=mlp|cnn in its metadata)");
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    String[][] cases = {
      {"--model", "rnn"}, {"--optimizer", "lbfgs"}, {"--schedule", "zigzag"}, {"--epochs", "0"},
      {"--batch-size", "-1"}, {"--lr", "-0.1"}, {"--momentum", "1.5"}, {"--threads", "0"},
      {"--epochs", "many"}
    };
    for (String[] c : cases) {
      Run r = run("train", c[0], c[1]);
      assertEquals(2, r.exitCode(), String.join(" ", c) + ": " + r.err());
      assertTrue(r.err().contains(c[0]) || r.err().contains("many"), r.err());
    }
    assertEquals(2, run("eval").exitCode(), "--model is required");
  }

  @Test
  void optionsParse() {
    var cl =
        Grad4j.commandLine(
            new Grad4j(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    cl.parseArgs(
        "train",
        "--model",
        "cnn",
        "--data",
        "fashion",
        "--epochs",
        "7",
        "--batch-size",
        "128",
        "--optimizer",
        "adamw",
        "--lr",
        "0.002",
        "--momentum",
        "0.8",
        "--weight-decay",
        "0.05",
        "--schedule",
        "step",
        "--seed",
        "9",
        "--threads",
        "3",
        "--out",
        "x/m.safetensors",
        "--checkpoint-dir",
        "ck",
        "--resume",
        "ck/checkpoint.safetensors");
    TrainCommand t = (TrainCommand) cl.getSubcommands().get("train").getCommand();
    assertEquals("cnn", t.model);
    assertEquals("fashion", t.data);
    assertEquals(7, t.epochs);
    assertEquals(128, t.batchSize);
    assertEquals("adamw", t.optimizer);
    assertEquals(0.002, t.lr);
    assertEquals(0.8, t.momentum);
    assertEquals(0.05, t.weightDecay);
    assertEquals("step", t.schedule);
    assertEquals(9, t.seed);
    assertEquals(3, t.threads);
    assertEquals(Path.of("x/m.safetensors"), t.out);
    assertEquals(Path.of("ck"), t.checkpointDir);
    assertEquals(Path.of("ck/checkpoint.safetensors"), t.resume);

    var defaults =
        Grad4j.commandLine(
            new Grad4j(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    defaults.parseArgs("train");
    TrainCommand d = (TrainCommand) defaults.getSubcommands().get("train").getCommand();
    assertEquals("mlp", d.model);
    assertEquals("digits", d.data);
    assertEquals("sgd", d.optimizer);
    assertEquals(null, d.lr);
    assertEquals(64, d.batchSize);
    assertEquals(
        Path.of("runs", "mlp-digits", "model.safetensors"),
        TrainCommand.defaultOut("mlp", "digits"));
    assertEquals(
        Path.of("runs", "cnn-fmnist", "model.safetensors"),
        TrainCommand.defaultOut("cnn", "/data/fmnist/"));
  }

  @Test
  void theProgressLineHasBarCountsLossAccuracyRateAndEta() {
    var p = new Trainer.Progress(2, 30, 125, 0.41234, 0.881, 2000, 3.2);
    assertEquals(
        "epoch 2/3 [#####...................]  30/125  loss 0.4123  acc  88.1%   2,000 ex/s  ETA 0:03",
        ProgressBar.line(p, 3, 64));
    assertEquals("1:01:05", ProgressBar.duration(3665));
  }

  @Test
  void onATerminalTheBarIsRedrawnInPlace() {
    var sw = new StringWriter();
    var bar = new ProgressBar(new PrintWriter(sw), true, 1, 10);
    bar.batch(new Trainer.Progress(1, 1, 2, 1.0, 0.5, 100, 0.1));
    bar.batch(new Trainer.Progress(1, 2, 2, 0.9, 0.5, 100, 0.2));
    bar.epoch(new Trainer.EpochResult(1, 2, 0.9, 0.5, 0.8, 0.6, 0.1, 0.3, 100));
    String s = sw.toString();
    assertTrue(s.startsWith("\repoch 1/1 [############............] 1/2"), s);
    assertTrue(s.contains("\repoch 1/1 [########################] 2/2"), s);
    assertTrue(
        s.endsWith(
            "\repoch 1/1  train loss 0.9000 acc 50.00%  test loss 0.8000 acc 60.00%  lr 0.1  0.3 s (100 ex/s)"
                + System.lineSeparator()),
        s);
  }
}

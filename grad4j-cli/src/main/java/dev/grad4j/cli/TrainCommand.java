package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.backend.cpu.Parallel;
import dev.grad4j.data.DataLoader;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.TensorDataset;
import dev.grad4j.io.StateDicts;
import dev.grad4j.nn.Module;
import dev.grad4j.optim.Adam;
import dev.grad4j.optim.AdamW;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.SGD;
import dev.grad4j.optim.schedule.CosineAnnealingLR;
import dev.grad4j.optim.schedule.LRScheduler;
import dev.grad4j.optim.schedule.MultiStepLR;
import dev.grad4j.train.Checkpoint;
import dev.grad4j.train.Models;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code grad4j train}: trains a classifier on 28×28 images, with a progress bar, per-epoch test
 * accuracy, metrics as JSON lines, atomic checkpoints each epoch, exact resume, and Ctrl-C
 * handling.
 *
 * <p>Ctrl-C (SIGINT) starts the JVM's shutdown; a shutdown hook asks the trainer to stop, waits (up
 * to a minute) while the current step finishes and a checkpoint is written, and the process then
 * exits with status 130. The JDK has no public API to catch SIGINT and carry on, and a shutdown
 * hook needs none.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains a network on 28x28 gray images in 10 classes: with no options, the lecture's MLP"
          + " (784-512-512-10) on the bundled MNIST digits.",
      "",
      "Prints a progress bar per epoch and a summary line with the test accuracy; saves the model"
          + " (--out), metrics.jsonl beside it (one JSON object per epoch), batches.csv (one line"
          + " per batch) and a checkpoint each"
          + " epoch (--checkpoint-dir). Ctrl-C finishes the current step, writes the checkpoint"
          + " and exits; --resume continues it with exactly the weights an uninterrupted run"
          + " would have had (same seed and --threads).",
      ""
    })
final class TrainCommand implements Callable<Integer> {
  static final String CHECKPOINT_FILE = "checkpoint.safetensors";
  static final String METRICS_FILE = "metrics.jsonl";
  static final int CLASSES = 10;

  @Spec CommandSpec spec;

  @ParentCommand Grad4j parent;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "mlp",
      description = "mlp (784-512-512-10) or cnn (two 3x3 conv layers); default: ${DEFAULT-VALUE}.")
  String model;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "digits",
      description =
          "digits (bundled, 8,000 train / 2,000 test), fashion (Fashion-MNIST from Debian's"
              + " dataset-fashion-mnist), or a directory of the four MNIST IDX files;"
              + " default: ${DEFAULT-VALUE}.")
  String data;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "5",
      description =
          "Epochs to train in all (a resumed run goes on to this); default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Examples per step; default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--optimizer",
      paramLabel = "NAME",
      defaultValue = "sgd",
      description = "sgd (with momentum), adam or adamw; default: ${DEFAULT-VALUE}.")
  String optimizer;

  @Option(
      names = "--lr",
      paramLabel = "RATE",
      description = "Learning rate; default: 0.1 for sgd, 0.001 for adam and adamw.")
  Double lr;

  @Option(
      names = "--momentum",
      paramLabel = "M",
      defaultValue = "0.9",
      description = "SGD momentum; default: ${DEFAULT-VALUE}.")
  double momentum;

  @Option(
      names = "--weight-decay",
      paramLabel = "L",
      description = "Weight decay; default: 0 for sgd and adam, 0.01 for adamw.")
  Double weightDecay;

  @Option(
      names = "--schedule",
      paramLabel = "NAME",
      defaultValue = "cosine",
      description =
          "Learning-rate schedule, stepped each epoch: none, step (x0.1 at 1/2 and 3/4 of the"
              + " epochs) or cosine (to 0 at the last epoch); default: ${DEFAULT-VALUE}.")
  String schedule;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed of the initial weights and the shuffling; default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "Threads for the math kernels (default: GRAD4J_NUM_THREADS, else the core count)."
              + " Results are reproducible for a given count.")
  Integer threads;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Where to save the trained model; default: runs/MODEL-DATA/model.safetensors.")
  Path out;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description =
          "Where to write " + CHECKPOINT_FILE + " each epoch; default: the directory of --out.")
  Path checkpointDir;

  @Option(
      names = "--resume",
      paramLabel = "FILE",
      description =
          "Continue from a checkpoint. Options not given take the values the checkpoint was"
              + " made with.")
  Path resume;

  @Mixin AdversarialOptions adversarial = new AdversarialOptions();

  @Option(
      names = "--dashboard",
      description =
          "Serve a live dashboard (curves, model, graph) on this machine; the address is printed"
              + " at start, and it keeps serving after training until Ctrl-C.")
  boolean dashboard;

  @Option(
      names = "--port",
      paramLabel = "N",
      description =
          "The dashboard's port; 0 = any free port (default: "
              + DashboardServer.DEFAULT_PORT
              + ", or any free port when that one is taken).")
  Integer port;

  /** For tests: called after each batch (e.g. to request a stop, as Ctrl-C does). */
  BiConsumer<Trainer, Trainer.Progress> afterBatch;

  /** For tests: called with the dashboard once it serves (to find its address, or close it). */
  Consumer<LiveDashboard> dashboardStarted;

  private static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
  private static final List<String> SCHEDULES = List.of("none", "step", "cosine");

  @Override
  public Integer call() throws IOException {
    setThreads(spec, threads);
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.root().commandLine().getErr();
    Map<String, String> saved = null;
    if (resume != null) {
      saved = Checkpoint.metadata(resume);
      takeFromCheckpoint(saved);
    }
    validate();
    Path modelPath = out != null ? out : defaultOut(model, data);
    Path outDir = directoryOf(modelPath);
    Path ckptDir = checkpointDir != null ? checkpointDir : outDir;
    prepareDirectory(outDir);
    prepareDirectory(ckptDir);
    Path ckptPath = ckptDir.resolve(CHECKPOINT_FILE);
    Path metricsPath = outDir.resolve(METRICS_FILE);

    var split = Datasets.resolve(data);
    checkData("train", split.train());
    checkData("test", split.test());

    Generator init = new Generator(seed);
    Module net = Models.create(model, init);
    Optimizer opt = optimizer(net);
    LRScheduler sched = schedule(opt);
    DataLoader loader =
        new DataLoader(split.train(), batchSize, true, false, new Generator(seed + 1));
    Trainer trainer =
        new Trainer(net, opt, loader, split.test())
            .scheduler(sched)
            .generator(new Generator(seed + 2))
            .adversarial(adversarial.create(seed + 3));
    if (resume != null) {
      Checkpoint.load(trainer, resume);
      String savedThreads = saved.get("threads");
      if (savedThreads != null && !savedThreads.equals(Integer.toString(Parallel.threads()))) {
        err.println(
            "grad4j: note: the checkpoint was made with "
                + savedThreads
                + " threads and this run uses "
                + Parallel.threads()
                + "; the result can differ in the last bits from an uninterrupted run");
      }
    } else {
      Files.deleteIfExists(metricsPath);
      Files.deleteIfExists(outDir.resolve(BatchLog.FILE));
    }

    o.printf(
        Locale.ROOT,
        "%s %s (%,d parameters) on %s: %,d training and %,d test images%n",
        resume != null ? "Resuming" : "Training",
        model,
        net.parameterCount(),
        data,
        split.train().size(),
        split.test().size());
    o.printf(
        Locale.ROOT,
        "%s lr %s%s, batch size %d, schedule %s, epochs %d, seed %d, threads %d%n",
        optimizer,
        num(effectiveLr()),
        describeExtras(),
        batchSize,
        schedule,
        epochs,
        seed,
        Parallel.threads());
    if (trainer.adversarial() != null) {
      o.println("adversarial training: " + trainer.adversarial());
    }
    if (resume != null) {
      o.printf(
          Locale.ROOT,
          "from %s: %d epochs done%s%n",
          resume,
          trainer.epoch(),
          trainer.stepInEpoch() > 0
              ? ", and " + trainer.stepInEpoch() + " batches of epoch " + (trainer.epoch() + 1)
              : "");
    }
    o.flush();

    Map<String, String> meta = runMetadata();
    adversarial.record(trainer.adversarial(), meta);

    LiveDashboard live = null;
    if (dashboard) {
      live =
          LiveDashboard.start(net, meta, epochs, trainer.loader().batchesPerEpoch(), outDir, port);
      o.println("Dashboard: " + live.uri() + " (served on this machine only)");
      o.flush();
      if (dashboardStarted != null) {
        dashboardStarted.accept(live);
      }
    }
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              trainer.requestStop();
              try {
                finished.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "grad4j-train-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    int status;
    try (BatchLog batchLog = new BatchLog(trainer, outDir.resolve(BatchLog.FILE))) {
      List<Trainer.Listener> also =
          live == null ? List.of(batchLog) : List.of(batchLog, live.listener(trainer));
      status = train(trainer, meta, modelPath, ckptPath, metricsPath, o, also);
    } catch (IOException | RuntimeException e) {
      if (live != null) {
        live.fail(Grad4j.oneLine(e));
        live.close();
      }
      throw e;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down (Ctrl-C): the hook is running and has what it waits for
      }
    }
    if (live != null) {
      live.end(status == 0);
      if (status == 0) {
        live.serveUntilStopped(o);
      } else {
        live.close();
      }
    }
    return status;
  }

  /**
   * Trains, handles a stop request, saves; separate from {@link #call} so tests can stop it. The
   * listeners {@code also} hear of each batch and epoch too (batches.csv, the dashboard).
   */
  int train(
      Trainer trainer,
      Map<String, String> meta,
      Path modelPath,
      Path ckptPath,
      Path metricsPath,
      PrintWriter o,
      List<Trainer.Listener> also)
      throws IOException {
    ProgressBar bar = new ProgressBar(o, parent.terminal(), epochs, batchSize);
    IOException[] failure = new IOException[1];
    trainer.fit(
        epochs,
        new Trainer.Listener() {
          @Override
          public void onBatch(Trainer.Progress p) {
            for (Trainer.Listener l : also) {
              l.onBatch(p);
            }
            bar.batch(p);
            if (afterBatch != null) {
              afterBatch.accept(trainer, p);
            }
          }

          @Override
          public void onEpoch(Trainer.EpochResult r) {
            for (Trainer.Listener l : also) {
              l.onEpoch(r);
            }
            bar.epoch(r);
            try {
              Files.writeString(
                  metricsPath,
                  metricsLine(r) + "\n",
                  StandardCharsets.UTF_8,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND);
              Checkpoint.save(trainer, meta, ckptPath);
            } catch (IOException e) {
              failure[0] = e;
              trainer.requestStop();
            }
          }
        });
    if (failure[0] != null) {
      throw failure[0];
    }
    if (trainer.stopped()) {
      bar.clear();
      Checkpoint.save(trainer, meta, ckptPath);
      o.printf(
          Locale.ROOT,
          "Stopped in epoch %d after %d of %d batches; checkpoint saved to %s%n",
          trainer.epoch() + 1,
          trainer.stepInEpoch(),
          trainer.loader().batchesPerEpoch(),
          ckptPath);
      o.println("Resume with: grad4j train --resume " + ckptPath);
      o.flush();
      return 130;
    }
    Map<String, String> modelMeta = new LinkedHashMap<>(StateDicts.MODULE_METADATA);
    modelMeta.put("model", model);
    modelMeta.put("data", data);
    modelMeta.put("epochs", Integer.toString(trainer.epoch()));
    if (trainer.adversarial() != null) {
      modelMeta.put(AdversarialOptions.DESCRIPTION_KEY, trainer.adversarial().toString());
    }
    StateDicts.save(trainer.model().stateDict(), modelMeta, modelPath);
    o.println(
        "Saved the model to "
            + modelPath
            + " and the metrics to "
            + modelPath.resolveSibling(METRICS_FILE));
    o.flush();
    return 0;
  }

  // ---------------------------------------------------------------- options

  private void validate() {
    model = model.toLowerCase(Locale.ROOT);
    optimizer = optimizer.toLowerCase(Locale.ROOT);
    schedule = schedule.toLowerCase(Locale.ROOT);
    if (!Models.NAMES.contains(model)) {
      throw usage("--model must be one of " + String.join(", ", Models.NAMES) + ", got " + model);
    }
    if (!OPTIMIZERS.contains(optimizer)) {
      throw usage(
          "--optimizer must be one of " + String.join(", ", OPTIMIZERS) + ", got " + optimizer);
    }
    if (!SCHEDULES.contains(schedule)) {
      throw usage(
          "--schedule must be one of " + String.join(", ", SCHEDULES) + ", got " + schedule);
    }
    if (epochs < 1) {
      throw usage("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw usage("--batch-size must be at least 1, got " + batchSize);
    }
    if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
      throw usage("--lr must be positive, got " + lr);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw usage("--momentum must be in [0, 1), got " + momentum);
    }
    if (weightDecay != null && !(weightDecay >= 0 && Double.isFinite(weightDecay))) {
      throw usage("--weight-decay must be zero or positive, got " + weightDecay);
    }
    adversarial.validate(spec.commandLine());

    if (port != null && !dashboard) {
      throw usage("--port is the dashboard's: add --dashboard");
    }
    if (port != null && (port < 0 || port > 65535)) {
      throw usage("--port must be 0 to 65535, got " + port);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Sets the kernels' thread count before any tensor work; warns when it cannot. */
  static void setThreads(CommandSpec spec, Integer threads) {
    if (threads == null) {
      return;
    }
    if (threads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--threads must be at least 1, got " + threads);
    }
    System.setProperty("grad4j.threads", Integer.toString(threads));
    if (Parallel.threads() != threads) {
      PrintWriter err = spec.root().commandLine().getErr();
      err.println(
          "grad4j: note: using "
              + Parallel.threads()
              + " threads, not "
              + threads
              + (System.getenv("GRAD4J_NUM_THREADS") != null
                  ? " (GRAD4J_NUM_THREADS is set)"
                  : " (the kernels had already started)"));
      err.flush();
    }
  }

  /** Options not given on the command line take the checkpoint's values. */
  private void takeFromCheckpoint(Map<String, String> saved) {
    var parsed = spec.commandLine().getParseResult();
    try {
      if (!parsed.hasMatchedOption("--model") && saved.containsKey("model")) {
        model = saved.get("model");
      }
      if (!parsed.hasMatchedOption("--data") && saved.containsKey("data")) {
        data = saved.get("data");
      }
      if (!parsed.hasMatchedOption("--epochs") && saved.containsKey("epochs")) {
        epochs = Integer.parseInt(saved.get("epochs"));
      }
      if (!parsed.hasMatchedOption("--batch-size") && saved.containsKey("batch_size")) {
        batchSize = Integer.parseInt(saved.get("batch_size"));
      }
      if (!parsed.hasMatchedOption("--optimizer") && saved.containsKey("optimizer")) {
        optimizer = saved.get("optimizer");
      }
      if (!parsed.hasMatchedOption("--lr") && saved.containsKey("lr")) {
        lr = Double.parseDouble(saved.get("lr"));
      }
      if (!parsed.hasMatchedOption("--momentum") && saved.containsKey("momentum")) {
        momentum = Double.parseDouble(saved.get("momentum"));
      }
      if (!parsed.hasMatchedOption("--weight-decay") && saved.containsKey("weight_decay")) {
        weightDecay = Double.parseDouble(saved.get("weight_decay"));
      }
      if (!parsed.hasMatchedOption("--schedule") && saved.containsKey("schedule")) {
        schedule = saved.get("schedule");
      }
      if (!parsed.hasMatchedOption("--seed") && saved.containsKey("seed")) {
        seed = Long.parseLong(saved.get("seed"));
      }
      if (!parsed.hasMatchedOption("--out") && saved.containsKey("out")) {
        out = Path.of(saved.get("out"));
      }
      adversarial.takeFrom(saved, parsed);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "checkpoint " + resume + " has a malformed option in its metadata: " + e.getMessage());
    }
    if (saved.containsKey("model") && !saved.get("model").equalsIgnoreCase(model)) {
      throw new IllegalArgumentException(
          "checkpoint "
              + resume
              + " was made for --model "
              + saved.get("model")
              + ", not "
              + model);
    }
  }

  /** The options that made this run, recorded in each checkpoint. */
  private Map<String, String> runMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("data", data);
    m.put("epochs", Integer.toString(epochs));
    m.put("batch_size", Integer.toString(batchSize));
    m.put("optimizer", optimizer);
    m.put("lr", Double.toString(effectiveLr()));
    m.put("momentum", Double.toString(momentum));
    if (weightDecay != null) {
      m.put("weight_decay", Double.toString(weightDecay));
    }
    m.put("schedule", schedule);
    m.put("seed", Long.toString(seed));
    m.put("threads", Integer.toString(Parallel.threads()));
    if (out != null) {
      m.put("out", out.toString());
    }
    return m;
  }

  private double effectiveLr() {
    return lr != null ? lr : optimizer.equals("sgd") ? 0.1 : 1e-3;
  }

  private String describeExtras() {
    StringBuilder s = new StringBuilder();
    if (optimizer.equals("sgd")) {
      s.append(" momentum ").append(num(momentum));
    }
    if (weightDecay != null) {
      s.append(" weight decay ").append(num(weightDecay));
    } else if (optimizer.equals("adamw")) {
      s.append(" weight decay 0.01");
    }
    return s.toString();
  }

  private Optimizer optimizer(Module net) {
    double rate = effectiveLr();
    return switch (optimizer) {
      case "sgd" ->
          new SGD(
              net.parameters(),
              SGD.options()
                  .lr(rate)
                  .momentum(momentum)
                  .weightDecay(weightDecay == null ? 0 : weightDecay));
      case "adam" ->
          new Adam(
              net.parameters(),
              Adam.options().lr(rate).weightDecay(weightDecay == null ? 0 : weightDecay));
      default ->
          new AdamW(
              net.parameters(),
              weightDecay == null
                  ? AdamW.options().lr(rate)
                  : AdamW.options().lr(rate).weightDecay(weightDecay));
    };
  }

  private LRScheduler schedule(Optimizer opt) {
    return switch (schedule) {
      case "step" ->
          new MultiStepLR(
              opt, new int[] {Math.max(1, epochs / 2), Math.max(2, epochs * 3 / 4)}, 0.1);
      case "cosine" -> new CosineAnnealingLR(opt, epochs);
      default -> null;
    };
  }

  // ---------------------------------------------------------------- files and data

  static Path defaultOut(String model, String data) {
    String name =
        Path.of(data).getFileName() == null ? "data" : Path.of(data).getFileName().toString();
    return Path.of("runs", model + "-" + name, "model.safetensors");
  }

  static Path directoryOf(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    return dir == null ? Path.of(".").toAbsolutePath() : dir;
  }

  /** Creates {@code dir} if needed and checks that files can be written in it. */
  static void prepareDirectory(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (FileSystemException e) {
      String why = e instanceof AccessDeniedException ? "permission denied" : e.getReason();
      throw new IOException(
          "cannot create the output directory " + dir + (why == null ? "" : " (" + why + ")"), e);
    }
    if (!Files.isWritable(dir)) {
      throw new IOException("cannot write to the output directory " + dir + " (permission denied)");
    }
  }

  /** Checks images [N, 1, 28, 28] and integer labels in 0..9. */
  static void checkData(String which, TensorDataset set) {
    int[] shape = set.inputShape();
    if (!Arrays.equals(shape, new int[] {1, 28, 28})) {
      throw new IllegalArgumentException(
          "the "
              + which
              + " images are "
              + Arrays.toString(shape)
              + "; the models need [1, 28, 28] (28x28 gray)");
    }
    if (set.size() == 0) {
      throw new IllegalArgumentException("the " + which + " set is empty");
    }
    double[] labels = set.labels().toDoubleArray();
    for (int i = 0; i < labels.length; i++) {
      double y = labels[i];
      if (!(y >= 0 && y < CLASSES && y == Math.rint(y))) {
        throw new IllegalArgumentException(
            "the "
                + which
                + " set's label "
                + num(y)
                + " (example "
                + i
                + ") is out of range: labels must be 0 to "
                + (CLASSES - 1));
      }
    }
  }

  static String metricsLine(Trainer.EpochResult r) {
    return "{\"epoch\":"
        + r.epoch()
        + ",\"step\":"
        + r.step()
        + ",\"train_loss\":"
        + json(r.trainLoss())
        + ",\"train_accuracy\":"
        + json(r.trainAccuracy())
        + ",\"test_loss\":"
        + json(r.testLoss())
        + ",\"test_accuracy\":"
        + json(r.testAccuracy())
        + ",\"lr\":"
        + json(r.lr())
        + ",\"seconds\":"
        + json(r.seconds())
        + ",\"examples_per_second\":"
        + json(r.examplesPerSecond())
        + "}";
  }

  static String json(double v) {
    return Double.isFinite(v) ? num(v) : "null";
  }

  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** {@code v} to four significant digits, for people (0.08536, not 0.08535533905932738). */
  static String shortNum(double v) {
    if (!Double.isFinite(v) || v == 0) {
      return num(v);
    }
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(4))
        .stripTrailingZeros()
        .toPlainString();
  }
}

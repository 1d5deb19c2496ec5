package dev.grad4j.cli;

import dev.grad4j.train.Trainer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The metrics of one training run, kept for the dashboard: one row per batch and one {@link
 * Trainer.EpochResult} per epoch, plus what describes the run (its options, the model summary) and
 * its status.
 *
 * <p>One thread writes (the training loop), any number read (the web server). Adding a batch takes
 * no lock and allocates nothing except when the columns grow (doubling), so the training loop pays
 * next to nothing; a reader sees a consistent prefix of the rows without blocking the writer.
 */
final class TrainingRecord {
  /**
   * One batch's row. Its fields, in order, are the columns of batches.csv and of the dashboard's
   * batch table, named by {@link #COLUMNS}.
   */
  record Batch(
      int epoch,
      int batch,
      long step,
      double loss,
      double accuracy,
      double lr,
      double examplesPerSecond,
      double seconds) {
    /** The column names in field order: batches.csv's header and the dashboard's JSON keys. */
    static final List<String> COLUMNS =
        List.of(
            "epoch", "batch", "step", "loss", "accuracy", "lr", "examples_per_second", "seconds");

    /** This row's values in the order of {@link #COLUMNS}. */
    List<Number> values() {
      return List.of(epoch, batch, step, loss, accuracy, lr, examplesPerSecond, seconds);
    }

    /**
     * The row whose {@link #values} are {@code fields}, as written by {@code String.valueOf}.
     *
     * @throws NumberFormatException when a field is not a number of its column's type
     */
    static Batch parse(String[] fields) {
      return new Batch(
          Integer.parseInt(fields[0]),
          Integer.parseInt(fields[1]),
          Long.parseLong(fields[2]),
          Double.parseDouble(fields[3]),
          Double.parseDouble(fields[4]),
          Double.parseDouble(fields[5]),
          Double.parseDouble(fields[6]),
          Double.parseDouble(fields[7]));
    }
  }

  /** Where a run is. */
  enum Status {
    /** Training is under way. */
    TRAINING,
    /** All epochs are done. */
    FINISHED,
    /** Stopped before the last epoch (Ctrl-C, or a run directory whose run did not finish). */
    STOPPED,
    /** Training ended with an error; {@link #failure()} says which. */
    FAILED
  }

  // Column storage, replaced (never changed below `size`) when it grows: readers take `size`
  // first, then `columns`, and every columns object they can see holds the first `size` rows.
  private static final class Columns {
    final int[] epoch;
    final int[] batch;
    final long[] step;
    final double[] loss;
    final double[] accuracy;
    final double[] lr;
    final double[] examplesPerSecond;
    final double[] seconds;

    Columns(int capacity) {
      epoch = new int[capacity];
      batch = new int[capacity];
      step = new long[capacity];
      loss = new double[capacity];
      accuracy = new double[capacity];
      lr = new double[capacity];
      examplesPerSecond = new double[capacity];
      seconds = new double[capacity];
    }

    Columns grown(int size) {
      Columns c = new Columns(epoch.length * 2);
      System.arraycopy(epoch, 0, c.epoch, 0, size);
      System.arraycopy(batch, 0, c.batch, 0, size);
      System.arraycopy(step, 0, c.step, 0, size);
      System.arraycopy(loss, 0, c.loss, 0, size);
      System.arraycopy(accuracy, 0, c.accuracy, 0, size);
      System.arraycopy(lr, 0, c.lr, 0, size);
      System.arraycopy(examplesPerSecond, 0, c.examplesPerSecond, 0, size);
      System.arraycopy(seconds, 0, c.seconds, 0, size);
      return c;
    }
  }

  private final String title;
  private final Map<String, String> facts;
  private final Supplier<String> summarySource;
  private String summary;
  private final int epochs;
  private final int batchesPerEpoch;
  private volatile Columns columns = new Columns(1024);
  private volatile int size;
  private final List<Trainer.EpochResult> epochResults = new CopyOnWriteArrayList<>();
  private volatile Status status = Status.TRAINING;
  private volatile String failure;

  /**
   * An empty record.
   *
   * @param title what the page heading says (e.g. "mlp on digits")
   * @param facts the run's options and sizes, in display order
   * @param summary makes the model's layer table ({@link dev.grad4j.nn.Module#summary}, a forward
   *     pass) when the page first asks for it, not on the training thread; may return null
   * @param epochs epochs the run is to train in all
   * @param batchesPerEpoch batches in one epoch
   */
  TrainingRecord(
      String title,
      Map<String, String> facts,
      Supplier<String> summary,
      int epochs,
      int batchesPerEpoch) {
    this.title = title;
    this.facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    this.summarySource = summary;
    this.epochs = epochs;
    this.batchesPerEpoch = batchesPerEpoch;
  }

  /** The run options shown on the page, in this order, when present. */
  private static final List<String> FACT_KEYS =
      List.of(
          "model",
          "data",
          "optimizer",
          "lr",
          "momentum",
          "weight_decay",
          "schedule",
          "batch_size",
          "epochs",
          "seed",
          "threads");

  /**
   * The facts to show for a run made with {@code options} (a checkpoint's metadata), with the
   * parameter count ({@code parameters} < 0: unknown).
   */
  static Map<String, String> facts(Map<String, String> options, long parameters) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String key : FACT_KEYS) {
      String v = options.get(key);
      if (v != null) {
        facts.put(key, v);
      }
      if (key.equals("model") && parameters >= 0) {
        facts.put("parameters", String.format(java.util.Locale.ROOT, "%,d", parameters));
      }
    }
    return facts;
  }

  String title() {
    return title;
  }

  Map<String, String> facts() {
    return facts;
  }

  /** The model's layer table (made on the first call), or null. */
  synchronized String summary() {
    if (summary == null && summarySource != null) {
      summary = summarySource.get();
    }
    return summary;
  }

  int epochs() {
    return epochs;
  }

  int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /** Adds a batch's row; called by one thread only (the one that trains). */
  void addBatch(
      int epoch,
      int batch,
      long step,
      double loss,
      double accuracy,
      double lr,
      double examplesPerSecond,
      double seconds) {
    int n = size;
    Columns c = columns;
    if (n == c.epoch.length) {
      c = c.grown(n);
      columns = c;
    }
    c.epoch[n] = epoch;
    c.batch[n] = batch;
    c.step[n] = step;
    c.loss[n] = loss;
    c.accuracy[n] = accuracy;
    c.lr[n] = lr;
    c.examplesPerSecond[n] = examplesPerSecond;
    c.seconds[n] = seconds;
    size = n + 1; // publishes the row
  }

  /** Adds a batch's row; called by one thread only. */
  void addBatch(Batch b) {
    addBatch(
        b.epoch(),
        b.batch(),
        b.step(),
        b.loss(),
        b.accuracy(),
        b.lr(),
        b.examplesPerSecond(),
        b.seconds());
  }

  /** Adds an epoch's result. */
  void addEpoch(Trainer.EpochResult result) {
    epochResults.add(result);
  }

  /** The number of batch rows so far. */
  int batchCount() {
    return size;
  }

  /** Batch rows {@code from} (inclusive) to {@code to} (exclusive), at most {@link #batchCount}. */
  List<Batch> batches(int from, int to) {
    Columns c = columns;
    Batch[] out = new Batch[Math.max(0, to - from)];
    for (int i = from; i < to; i++) {
      out[i - from] =
          new Batch(
              c.epoch[i],
              c.batch[i],
              c.step[i],
              c.loss[i],
              c.accuracy[i],
              c.lr[i],
              c.examplesPerSecond[i],
              c.seconds[i]);
    }
    return List.of(out);
  }

  /** The epochs finished so far, in order. */
  List<Trainer.EpochResult> epochResults() {
    return List.copyOf(epochResults);
  }

  Status status() {
    return status;
  }

  /** Why training failed, or null. */
  String failure() {
    return failure;
  }

  /** Marks the run finished (all epochs) or stopped early. */
  void end(boolean finished) {
    status = finished ? Status.FINISHED : Status.STOPPED;
  }

  /** Marks the run failed with {@code message}. */
  void fail(String message) {
    failure = message;
    status = Status.FAILED;
  }

  /**
   * A listener that records {@code trainer}'s batches (with the optimizer's current learning rate
   * and step) and epochs here.
   */
  Trainer.Listener listener(Trainer trainer) {
    return new Trainer.Listener() {
      @Override
      public void onBatch(Trainer.Progress p) {
        addBatch(
            p.epoch(),
            p.batch(),
            trainer.step(),
            p.loss(),
            p.accuracy(),
            trainer.optimizer().paramGroups().get(0).lr(),
            p.examplesPerSecond(),
            p.seconds());
      }

      @Override
      public void onEpoch(Trainer.EpochResult r) {
        addEpoch(r);
      }
    };
  }
}

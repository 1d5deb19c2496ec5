package dev.grad4j.train;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.data.Batch;
import dev.grad4j.data.DataLoader;
import dev.grad4j.data.Dataset;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Module;
import dev.grad4j.nn.Reduction;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.schedule.LRScheduler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The training loop for classifiers: cross-entropy loss on the model's logits [B, C], one optimizer
 * step per batch, an optional learning-rate schedule stepped once per epoch, and the test set
 * evaluated after each epoch.
 *
 * <pre>{@code
 * var trainer = new Trainer(model, optimizer, new DataLoader(train, 64, true, false, gen), test);
 * List<Trainer.EpochResult> epochs = trainer.fit(3, Trainer.Listener.NONE);
 * }</pre>
 *
 * <p><b>Counting.</b> {@link #fit(int, Listener) fit(epochs, ...)} trains until {@link #epoch()}
 * (the number of finished epochs) reaches {@code epochs}: after {@link Checkpoint#load} it
 * continues where the checkpoint left off. {@link #step()} counts optimizer steps over the whole
 * run.
 *
 * <p><b>Stopping and resuming.</b> {@link #requestStop()} (from any thread, e.g. a Ctrl-C handler)
 * makes {@code fit} return before the next batch, with {@link #stopped()} true; the trainer then
 * remembers how many batches of the current epoch are done and the loader's generator state from
 * the start of that epoch, so {@link Checkpoint#save} can record a mid-epoch position. Resuming
 * replays that epoch's permutation and skips the batches already done, and the weights end up
 * exactly those of a run that never stopped (same seed, same thread count).
 *
 * <p><b>Randomness.</b> The loader's generator draws each epoch's order; the model's own randomness
 * (dropout) comes from {@link #generator()}, {@link Generator#getDefault()} unless set with {@link
 * #generator(Generator)}. Both are saved in checkpoints, and so is the random-start generator of
 * {@link #adversarial(AdversarialTraining) adversarial training}.
 */
public final class Trainer {

  /**
   * Progress within an epoch, after a batch.
   *
   * @param epoch the epoch, counting from 1
   * @param batch batches done in this epoch, counting from 1
   * @param batches batches per epoch
   * @param loss mean training loss over this epoch's batches so far
   * @param accuracy fraction of this epoch's training examples so far classified right
   * @param examplesPerSecond training throughput since this epoch's batches started (in this
   *     process)
   * @param seconds seconds spent on this epoch so far
   */
  public record Progress(
      int epoch,
      int batch,
      int batches,
      double loss,
      double accuracy,
      double examplesPerSecond,
      double seconds) {}

  /**
   * The outcome of one epoch.
   *
   * @param epoch the epoch, counting from 1
   * @param step optimizer steps taken so far in the run
   * @param trainLoss mean training loss over the epoch's batches (weighted by batch size)
   * @param trainAccuracy fraction of the epoch's training examples classified right while training
   * @param testLoss mean test loss after the epoch, NaN without a test set
   * @param testAccuracy test accuracy after the epoch, NaN without a test set
   * @param lr the learning rate of the first parameter group during the epoch
   * @param seconds time for the epoch, evaluation included
   * @param examplesPerSecond training throughput of the epoch
   */
  public record EpochResult(
      int epoch,
      long step,
      double trainLoss,
      double trainAccuracy,
      double testLoss,
      double testAccuracy,
      double lr,
      double seconds,
      double examplesPerSecond) {}

  /**
   * A classifier's results on a dataset.
   *
   * @param loss mean cross-entropy
   * @param accuracy fraction classified right
   * @param perClassAccuracy for each class, the fraction of its examples classified right (NaN for
   *     a class with no examples)
   * @param confusion {@code confusion[label][predicted]} counts; all entries sum to {@code count}
   * @param count the number of examples
   */
  public record Evaluation(
      double loss, double accuracy, double[] perClassAccuracy, long[][] confusion, int count) {
    /** The number of classes. */
    public int classes() {
      return confusion.length;
    }
  }

  /** Receives progress; both methods do nothing unless overridden. */
  public interface Listener {
    /** A listener that ignores everything. */
    Listener NONE = new Listener() {};

    /** Called after each training batch. */
    default void onBatch(Progress progress) {}

    /**
     * Called after each epoch, when the trainer's state is that of the epoch boundary: a {@link
     * Checkpoint#save} here writes an epoch checkpoint.
     */
    default void onEpoch(EpochResult result) {}
  }

  private final Module model;
  private final Optimizer optimizer;
  private final DataLoader loader;
  private final Dataset test;
  private LRScheduler scheduler;
  private Generator generator = Generator.getDefault();
  private AdversarialTraining adversarial;
  private int evalBatchSize = 1000;
  private volatile boolean stopRequested;
  private boolean stopped;

  // Position in the run. stepInEpoch > 0 means an epoch is under way; epochStartLoaderState is
  // then the loader's generator state from before that epoch drew its order.
  private int epoch;
  private long step;
  private int stepInEpoch;
  private long[] epochStartLoaderState;
  // Running sums of the epoch under way.
  private double epochLossSum;
  private long epochCorrect;
  private long epochSeen;
  private double epochSeconds;

  /**
   * A trainer of {@code model} with {@code optimizer} (made for the model's parameters) on the
   * batches of {@code train}, evaluating on {@code test} (may be null) after each epoch.
   */
  public Trainer(Module model, Optimizer optimizer, DataLoader train, Dataset test) {
    if (model == null || optimizer == null || train == null) {
      throw new IllegalArgumentException("Trainer: model, optimizer and loader must not be null");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.loader = train;
    this.test = test;
  }

  /** Sets a learning-rate schedule (or null for none), stepped after each epoch. Returns this. */
  public Trainer scheduler(LRScheduler scheduler) {
    if (scheduler != null && scheduler.optimizer() != optimizer) {
      throw new IllegalArgumentException("Trainer: the schedule is for another optimizer");
    }
    this.scheduler = scheduler;
    return this;
  }

  /**
   * Sets the generator the model draws its own random numbers from (dropout), saved in checkpoints;
   * {@link Generator#getDefault()} unless set. Returns this.
   */
  public Trainer generator(Generator generator) {
    if (generator == null) {
      throw new IllegalArgumentException("Trainer: generator is null");
    }
    this.generator = generator;
    return this;
  }

  /**
   * Trains on adversarial examples made by {@code adversarial} for each batch (null: on the clean
   * batches). The training loss and accuracy of {@link Progress} and {@link EpochResult} are then
   * those on the batches trained on. Returns this.
   */
  public Trainer adversarial(AdversarialTraining adversarial) {
    this.adversarial = adversarial;
    return this;
  }

  /** The adversarial training, or null. */
  public AdversarialTraining adversarial() {
    return adversarial;
  }

  /** Sets the batch size used to evaluate the test set (default 1000). Returns this. */
  public Trainer evalBatchSize(int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("Trainer: eval batch size must be positive: " + batchSize);
    }
    this.evalBatchSize = batchSize;
    return this;
  }

  /** The model. */
  public Module model() {
    return model;
  }

  /** The optimizer. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** The schedule, or null. */
  public LRScheduler scheduler() {
    return scheduler;
  }

  /** The training loader. */
  public DataLoader loader() {
    return loader;
  }

  /** The generator of the model's own randomness. */
  public Generator generator() {
    return generator;
  }

  /** Finished epochs. */
  public int epoch() {
    return epoch;
  }

  /** Optimizer steps taken in the whole run. */
  public long step() {
    return step;
  }

  /** Batches done in the epoch under way (0 at an epoch boundary). */
  public int stepInEpoch() {
    return stepInEpoch;
  }

  /**
   * Asks {@link #fit} to return before its next batch. Safe to call from any thread, e.g. a signal
   * or shutdown handler; the request stays until {@code fit} honours it.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** Whether the last {@link #fit} returned early because of {@link #requestStop()}. */
  public boolean stopped() {
    return stopped;
  }

  /**
   * Trains until {@link #epoch()} reaches {@code epochs}, or until {@link #requestStop()}.
   *
   * @return the results of the epochs finished by this call
   * @throws IllegalStateException if the loss becomes NaN or infinite (the message says where)
   */
  public List<EpochResult> fit(int epochs, Listener listener) {
    Listener l = listener == null ? Listener.NONE : listener;
    List<EpochResult> results = new ArrayList<>();
    stopped = false;
    int batches = loader.batchesPerEpoch();
    if (batches == 0) {
      throw new IllegalArgumentException(
          "Trainer: the training set has no complete batch (size "
              + loader.dataset().size()
              + ", batch size "
              + loader.batchSize()
              + ")");
    }
    while (epoch < epochs) {
      if (stopRequested) {
        stopRequested = false;
        stopped = true;
        return results;
      }
      if (stepInEpoch == 0) {
        epochStartLoaderState = loader.generatorState();
      } else {
        loader.restoreGeneratorState(epochStartLoaderState);
      }
      Iterator<Batch> it = loader.iterator();
      for (int i = 0; i < stepInEpoch; i++) {
        it.next(); // replay the epoch's order past the batches a checkpoint says are done
      }
      double lr = optimizer.paramGroups().get(0).lr();
      long start = System.nanoTime();
      long seenHere = 0;
      while (stepInEpoch < batches) {
        if (stopRequested) {
          stopRequested = false;
          stopped = true;
          epochSeconds += (System.nanoTime() - start) * 1e-9;
          return results;
        }
        Batch b = it.next();
        trainStep(b);
        seenHere += b.size();
        double seconds = (System.nanoTime() - start) * 1e-9;
        l.onBatch(
            new Progress(
                epoch + 1,
                stepInEpoch,
                batches,
                epochLossSum / epochSeen,
                (double) epochCorrect / epochSeen,
                seconds > 0 ? seenHere / seconds : 0,
                epochSeconds + seconds));
      }
      double trainSeconds = (System.nanoTime() - start) * 1e-9;
      Evaluation ev = test == null ? null : evaluate(model, test, evalBatchSize);
      if (scheduler != null) {
        scheduler.step();
      }
      double seconds = epochSeconds + (System.nanoTime() - start) * 1e-9;
      EpochResult r =
          new EpochResult(
              epoch + 1,
              step,
              epochLossSum / epochSeen,
              (double) epochCorrect / epochSeen,
              ev == null ? Double.NaN : ev.loss(),
              ev == null ? Double.NaN : ev.accuracy(),
              lr,
              seconds,
              trainSeconds > 0 ? seenHere / trainSeconds : 0);
      epoch++;
      stepInEpoch = 0;
      epochStartLoaderState = null;
      epochLossSum = 0;
      epochCorrect = 0;
      epochSeen = 0;
      epochSeconds = 0;
      results.add(r);
      l.onEpoch(r);
    }
    return results;
  }

  private void trainStep(Batch clean) {
    model.train();
    Batch b = adversarial == null ? clean : adversarial.perturb(model, clean);
    optimizer.zeroGrad();
    Tensor logits = model.forward(b.inputs());
    Tensor loss = Losses.crossEntropy(logits, b.labels());
    loss.backward();
    double value = loss.item();
    if (!Double.isFinite(value)) {
      throw new IllegalStateException(
          "the loss is "
              + value
              + " at step "
              + (step + 1)
              + " (epoch "
              + (epoch + 1)
              + ", batch "
              + (stepInEpoch + 1)
              + "): lower the learning rate or clip gradients");
    }
    optimizer.step();
    step++;
    stepInEpoch++;
    epochLossSum += value * b.size();
    epochSeen += b.size();
    double[] predicted = predictions(logits);
    double[] labels = b.labels().toDoubleArray();
    for (int i = 0; i < predicted.length; i++) {
      if (predicted[i] == labels[i]) {
        epochCorrect++;
      }
    }
  }

  private static double[] predictions(Tensor logits) {
    try (var g = GradMode.disabled()) {
      return logits.detach().argmax(1, false).toDoubleArray();
    }
  }

  /**
   * Evaluates a classifier on {@code dataset} in batches of {@code batchSize}, in order, under
   * {@link GradMode#disabled()} and in eval mode (the model's training mode is restored after). The
   * number of classes is the width of the model's output.
   *
   * @throws IllegalArgumentException for an empty dataset, or a label that is not an integer in
   *     0..classes-1 (the message names the example)
   */
  public static Evaluation evaluate(Module model, Dataset dataset, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("evaluate: batch size must be positive: " + batchSize);
    }
    int n = dataset.size();
    if (n == 0) {
      throw new IllegalArgumentException("evaluate: the dataset is empty");
    }
    boolean wasTraining = model.isTraining();
    model.eval();
    long[][] confusion = null;
    double lossSum = 0;
    long correct = 0;
    try (var g = GradMode.disabled()) {
      for (int from = 0; from < n; from += batchSize) {
        int[] indices = new int[Math.min(batchSize, n - from)];
        for (int i = 0; i < indices.length; i++) {
          indices[i] = from + i;
        }
        Batch b = dataset.batch(indices);
        Tensor logits = model.forward(b.inputs());
        if (logits.dim() != 2 || logits.size(0) != indices.length) {
          throw new IllegalArgumentException(
              "evaluate: the model must output logits [batch, classes], got "
                  + Arrays.toString(logits.shape()));
        }
        int classes = logits.size(1);
        if (confusion == null) {
          confusion = new long[classes][classes];
        }
        double[] labels = b.labels().toDoubleArray();
        for (int i = 0; i < labels.length; i++) {
          double y = labels[i];
          if (!(y >= 0 && y < classes && y == Math.rint(y))) {
            throw new IllegalArgumentException(
                "label "
                    + Checkpoint.format(y)
                    + " of example "
                    + (from + i)
                    + " is not a class index in 0.."
                    + (classes - 1));
          }
        }
        lossSum += Losses.crossEntropy(logits, b.labels(), Reduction.SUM).item();
        double[] predicted = predictions(logits);
        for (int i = 0; i < labels.length; i++) {
          int y = (int) labels[i];
          int p = (int) predicted[i];
          confusion[y][p]++;
          if (y == p) {
            correct++;
          }
        }
      }
    } finally {
      model.train(wasTraining);
    }
    double[] perClass = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long total = 0;
      for (long v : confusion[c]) {
        total += v;
      }
      perClass[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }
    return new Evaluation(lossSum / n, (double) correct / n, perClass, confusion, n);
  }

  // ---------------------------------------------------------------- for Checkpoint

  /** The running state that a checkpoint records besides the state dicts. */
  record Position(
      int epoch,
      long step,
      int stepInEpoch,
      long[] loaderState,
      double lossSum,
      long correct,
      long seen,
      double seconds) {}

  Position position() {
    long[] loaderState = stepInEpoch > 0 ? epochStartLoaderState.clone() : loader.generatorState();
    return new Position(
        epoch, step, stepInEpoch, loaderState, epochLossSum, epochCorrect, epochSeen, epochSeconds);
  }

  void restore(Position p) {
    loader.restoreGeneratorState(p.loaderState());
    epoch = p.epoch();
    step = p.step();
    stepInEpoch = p.stepInEpoch();
    epochStartLoaderState = p.stepInEpoch() > 0 ? p.loaderState().clone() : null;
    epochLossSum = p.lossSum();
    epochCorrect = p.correct();
    epochSeen = p.seen();
    epochSeconds = p.seconds();
    stopped = false;
  }
}

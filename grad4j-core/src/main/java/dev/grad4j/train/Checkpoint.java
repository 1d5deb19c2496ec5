package dev.grad4j.train;

import dev.grad4j.Tensor;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.io.StateDicts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a {@link Trainer} needs to resume exactly, in one safetensors file, written atomically
 * (a crash or a full disk leaves the previous file, never a partial one).
 *
 * <p>Tensors: {@code model.*} (the model's state dict), {@code optimizer.*} (the optimizer's),
 * {@code scheduler.*} (the schedule's, when there is one), {@code rng.loader} (the data loader's
 * generator at the start of the epoch under way, or of the next epoch) and {@code rng.model} (the
 * trainer's {@link Trainer#generator()}, used by dropout) and, with {@link AdversarialTraining},
 * {@code rng.adversarial} (its attack's random-start generator). A generator state (six longs) is
 * stored as twelve float64 values, each an unsigned 32-bit half, high half first, so it survives
 * exactly.
 *
 * <p>Metadata: {@code format=grad4j-checkpoint}, {@code epoch} (finished epochs), {@code step}
 * (optimizer steps), {@code step_in_epoch} (batches done in the epoch under way; 0 at an epoch
 * boundary), {@code batches_per_epoch}, the epoch's running sums ({@code loss_sum}, {@code
 * correct}, {@code seen}, {@code seconds}), and whatever the caller adds (e.g. {@code model=mlp}
 * and the command-line options).
 */
public final class Checkpoint {
  /** The value of the {@code format} metadata key. */
  public static final String FORMAT = "grad4j-checkpoint";

  private static final String[] OWN_KEYS = {
    "format",
    "epoch",
    "step",
    "step_in_epoch",
    "batches_per_epoch",
    "loss_sum",
    "correct",
    "seen",
    "seconds"
  };

  private static final String ADVERSARIAL_RNG = "rng.adversarial";

  private Checkpoint() {}

  /**
   * Writes the trainer's state to {@code path} atomically, with {@code metadata} (may be null)
   * added to the checkpoint's own keys.
   *
   * @throws IllegalArgumentException if {@code metadata} uses one of the checkpoint's own keys
   * @throws IOException if the directory is missing or unwritable, or the disk fails; no file is
   *     left behind then
   */
  public static void save(Trainer trainer, Map<String, String> metadata, Path path)
      throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    prefix("model.", trainer.model().stateDict(), tensors);
    prefix("optimizer.", trainer.optimizer().stateDict(), tensors);
    if (trainer.scheduler() != null) {
      prefix("scheduler.", trainer.scheduler().stateDict(), tensors);
    }
    Trainer.Position p = trainer.position();
    tensors.put("rng.loader", encode(p.loaderState()));
    tensors.put("rng.model", encode(trainer.generator().getState()));
    if (trainer.adversarial() != null) {
      tensors.put(ADVERSARIAL_RNG, encode(trainer.adversarial().attack().generator().getState()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("epoch", Integer.toString(p.epoch()));
    meta.put("step", Long.toString(p.step()));
    meta.put("step_in_epoch", Integer.toString(p.stepInEpoch()));
    meta.put("batches_per_epoch", Integer.toString(trainer.loader().batchesPerEpoch()));
    meta.put("loss_sum", Double.toString(p.lossSum()));
    meta.put("correct", Long.toString(p.correct()));
    meta.put("seen", Long.toString(p.seen()));
    meta.put("seconds", Double.toString(p.seconds()));
    if (metadata != null) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (meta.containsKey(e.getKey())) {
          throw new IllegalArgumentException(
              "Checkpoint.save: metadata key '" + e.getKey() + "' is the checkpoint's own");
        }
        meta.put(e.getKey(), e.getValue());
      }
    }
    StateDicts.save(tensors, meta, path);
  }

  /**
   * Reads a checkpoint's metadata (to check it before building the trainer).
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a grad4j checkpoint
   */
  public static Map<String, String> metadata(Path path) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(path);
    check(path, c.metadata());
    return c.metadata();
  }

  /**
   * Restores the trainer's model, optimizer, schedule, generators and position from {@code path},
   * and returns the file's metadata. The trainer must have been built like the one that saved it
   * (same architecture, optimizer kind, schedule, adversarial training or not, and batches per
   * epoch for a mid-epoch checkpoint).
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not a grad4j checkpoint or does not fit the
   *     trainer; the message names the file and what differs (after a failure the trainer may be
   *     partly restored: build a new one)
   */
  public static Map<String, String> load(Trainer trainer, Path path) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(path);
    Map<String, String> meta = c.metadata();
    check(path, meta);
    Map<String, Tensor> model = new LinkedHashMap<>();
    Map<String, Tensor> optimizer = new LinkedHashMap<>();
    Map<String, Tensor> scheduler = new LinkedHashMap<>();
    Map<String, Tensor> rng = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      String k = e.getKey();
      if (k.startsWith("model.")) {
        model.put(k.substring(6), e.getValue());
      } else if (k.startsWith("optimizer.")) {
        optimizer.put(k.substring(10), e.getValue());
      } else if (k.startsWith("scheduler.")) {
        scheduler.put(k.substring(10), e.getValue());
      } else if (k.startsWith("rng.")) {
        rng.put(k, e.getValue());
      } else {
        throw mismatch(path, "unexpected tensor '" + k + "'");
      }
    }
    int epoch = intMeta(path, meta, "epoch");
    long step = longMeta(path, meta, "step");
    int stepInEpoch = intMeta(path, meta, "step_in_epoch");
    int savedBatches = intMeta(path, meta, "batches_per_epoch");
    int batches = trainer.loader().batchesPerEpoch();
    if (stepInEpoch > 0 && savedBatches != batches) {
      throw mismatch(
          path,
          "it was written in the middle of an epoch of "
              + savedBatches
              + " batches, but the loader now has "
              + batches
              + " (use the same data and batch size)");
    }
    if (stepInEpoch >= Math.max(1, savedBatches)) {
      throw mismatch(path, "step_in_epoch " + stepInEpoch + " is not below " + savedBatches);
    }
    long[] loaderState = decode(path, rng.get("rng.loader"), "rng.loader");
    long[] modelRng = decode(path, rng.get("rng.model"), "rng.model");
    boolean savedAdversarial = rng.containsKey(ADVERSARIAL_RNG);
    if (savedAdversarial && trainer.adversarial() == null) {
      throw mismatch(
          path, "it was made with adversarial training and the trainer trains on clean data");
    }
    if (!savedAdversarial && trainer.adversarial() != null) {
      throw mismatch(
          path, "it was made without adversarial training and the trainer trains adversarially");
    }
    long[] adversarialRng =
        savedAdversarial ? decode(path, rng.get(ADVERSARIAL_RNG), ADVERSARIAL_RNG) : null;
    if (trainer.scheduler() == null && !scheduler.isEmpty()) {
      throw mismatch(path, "it has a learning-rate schedule and the trainer has none");
    }
    if (trainer.scheduler() != null && scheduler.isEmpty()) {
      throw mismatch(path, "it has no learning-rate schedule and the trainer has one");
    }
    try {
      trainer.model().loadStateDict(model, true);
    } catch (IllegalArgumentException e) {
      throw mismatch(path, "the model differs: " + e.getMessage());
    }
    try {
      trainer.optimizer().loadStateDict(optimizer);
    } catch (IllegalArgumentException e) {
      throw mismatch(path, "the optimizer differs: " + e.getMessage());
    }
    if (trainer.scheduler() != null) {
      try {
        trainer.scheduler().loadStateDict(scheduler);
      } catch (IllegalArgumentException e) {
        throw mismatch(path, "the learning-rate schedule differs: " + e.getMessage());
      }
    }
    trainer.generator().setState(modelRng);
    if (adversarialRng != null) {
      trainer.adversarial().attack().generator().setState(adversarialRng);
    }
    trainer.restore(
        new Trainer.Position(
            epoch,
            step,
            stepInEpoch,
            loaderState,
            doubleMeta(path, meta, "loss_sum"),
            longMeta(path, meta, "correct"),
            longMeta(path, meta, "seen"),
            doubleMeta(path, meta, "seconds")));
    return meta;
  }

  private static void check(Path path, Map<String, String> meta) {
    if (!FORMAT.equals(meta.get("format"))) {
      throw new IllegalArgumentException(
          path + " is not a grad4j checkpoint (its metadata has no format=" + FORMAT + ")");
    }
    for (String k : OWN_KEYS) {
      if (!meta.containsKey(k)) {
        throw mismatch(path, "its metadata lacks '" + k + "'");
      }
    }
  }

  private static void prefix(String prefix, Map<String, Tensor> from, Map<String, Tensor> to) {
    from.forEach((k, v) -> to.put(prefix + k, v));
  }

  private static IllegalArgumentException mismatch(Path path, String why) {
    return new IllegalArgumentException("checkpoint " + path + " does not fit: " + why);
  }

  private static long longMeta(Path path, Map<String, String> meta, String key) {
    try {
      long v = Long.parseLong(meta.get(key));
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw mismatch(path, key + " is not a count: '" + meta.get(key) + "'");
    }
  }

  private static int intMeta(Path path, Map<String, String> meta, String key) {
    long v = longMeta(path, meta, key);
    if (v > Integer.MAX_VALUE) {
      throw mismatch(path, key + " is too large: " + v);
    }
    return (int) v;
  }

  private static double doubleMeta(Path path, Map<String, String> meta, String key) {
    try {
      return Double.parseDouble(meta.get(key));
    } catch (NumberFormatException e) {
      throw mismatch(path, key + " is not a number: '" + meta.get(key) + "'");
    }
  }

  /** A generator state as float64 halves (exact: each half is below 2^32). */
  static Tensor encode(long[] state) {
    double[] halves = new double[state.length * 2];
    for (int i = 0; i < state.length; i++) {
      halves[2 * i] = state[i] >>> 32;
      halves[2 * i + 1] = state[i] & 0xFFFFFFFFL;
    }
    return Tensor.of(halves, halves.length);
  }

  private static long[] decode(Path path, Tensor t, String name) {
    if (t == null) {
      throw mismatch(path, "it has no '" + name + "'");
    }
    if (t.dim() != 1 || t.numel() != 12) {
      throw mismatch(path, "'" + name + "' must hold 12 values, got " + t.numel());
    }
    double[] halves = t.toDoubleArray();
    long[] state = new long[6];
    for (int i = 0; i < 6; i++) {
      double hi = halves[2 * i];
      double lo = halves[2 * i + 1];
      if (!isHalf(hi) || !isHalf(lo)) {
        throw mismatch(path, "'" + name + "' holds a value that is not a 32-bit half");
      }
      state[i] = ((long) hi << 32) | (long) lo;
    }
    return state;
  }

  private static boolean isHalf(double v) {
    return v >= 0 && v <= 0xFFFFFFFFL && v == Math.rint(v);
  }

  /** A number without a needless ".0". */
  static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}

package dev.grad4j.data;

import dev.grad4j.Generator;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Iterates over a dataset in mini-batches, one epoch per {@link #iterator()} call. With shuffling,
 * each epoch draws a fresh permutation from the loader's own generator, so the sequence of batches
 * is fixed by the seed; {@link #generatorState()} and {@link #restoreGeneratorState} let a
 * checkpoint resume the exact sequence.
 *
 * <pre>{@code
 * var loader = new DataLoader(train, 64, true, false, new Generator(seed));
 * for (Batch b : loader) { ... }
 * }</pre>
 */
public final class DataLoader implements Iterable<Batch> {
  private final Dataset dataset;
  private final int batchSize;
  private final boolean shuffle;
  private final boolean dropLast;
  private final Generator generator;

  /**
   * @param shuffle draw a new order each epoch from {@code generator}
   * @param dropLast skip a last batch smaller than {@code batchSize}
   */
  public DataLoader(
      Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException(
          "DataLoader: batch size must be positive, got " + batchSize);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator;
  }

  /** The dataset. */
  public Dataset dataset() {
    return dataset;
  }

  /** The batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** Batches per epoch. */
  public int batchesPerEpoch() {
    int n = dataset.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The shuffling generator's state (for checkpoints). */
  public long[] generatorState() {
    return generator.getState();
  }

  /** Restores the shuffling generator's state from a checkpoint. */
  public void restoreGeneratorState(long[] state) {
    generator.setState(state);
  }

  /**
   * The same batches in the same order, built up to {@code depth} ahead on a background daemon
   * thread (see {@link Prefetcher} for the threading and early-stop rules):
   *
   * <pre>{@code
   * for (Batch b : loader.prefetch(2)) { ... }
   * }</pre>
   */
  public Prefetcher prefetch(int depth) {
    return new Prefetcher(this, depth);
  }

  /** Starts an epoch: draws the order now, then yields batches lazily. */
  @Override
  public Iterator<Batch> iterator() {
    int n = dataset.size();
    int[] order = shuffle ? generator.permutation(n) : identity(n);
    int batches = batchesPerEpoch();
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < batches;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int from = next * batchSize;
        int to = Math.min(n, from + batchSize);
        int[] indices = new int[to - from];
        System.arraycopy(order, from, indices, 0, indices.length);
        next++;
        return dataset.batch(indices);
      }
    };
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}

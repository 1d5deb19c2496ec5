package dev.grad4j.data;

import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DataLoader} whose batches are built ahead on a background thread, so that gathering the
 * next batch overlaps with training on the current one. Made by {@link DataLoader#prefetch(int)}.
 *
 * <p><b>Same batches, same order.</b> Each {@link #iterator()} call starts an epoch exactly as the
 * loader's own iterator does: the shuffled order is drawn right away, on the calling thread, from
 * the loader's generator. The background thread then only gathers the batches of that fixed order,
 * one after another. So a prefetched epoch yields the very batches the plain loader would, and
 * leaves the generator in the same state (checkpoints and resume behave the same).
 *
 * <p><b>Threads.</b> Each epoch has its own daemon thread ({@code grad4j-prefetch-N}) that keeps at
 * most {@code depth} finished batches waiting, and ends when the epoch's last batch is taken. When
 * iteration stops early, {@link BatchIterator#close()} stops the thread at once (use the iterator
 * in try-with-resources if you break out of the loop); an iterator that is simply dropped is closed
 * when the garbage collector finds it unreachable, so an abandoned epoch never keeps a thread
 * forever. An exception thrown while building a batch is rethrown by the consumer's {@code
 * hasNext()} or {@code next()}.
 *
 * <pre>{@code
 * for (Batch b : loader.prefetch(2)) { ... }           // whole epochs
 * try (var it = loader.prefetch(2).iterator()) {       // stopping early
 *   while (it.hasNext() && !stop) { train(it.next()); }
 * }
 * }</pre>
 */
public final class Prefetcher implements Iterable<Batch> {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Object END = new Object();

  private final DataLoader loader;
  private final int depth;

  Prefetcher(DataLoader loader, int depth) {
    if (depth <= 0) {
      throw new IllegalArgumentException("prefetch: depth must be positive, got " + depth);
    }
    this.loader = loader;
    this.depth = depth;
  }

  /** The loader whose batches this prefetches. */
  public DataLoader loader() {
    return loader;
  }

  /** How many finished batches may wait in the queue. */
  public int depth() {
    return depth;
  }

  /** Batches per epoch, as {@link DataLoader#batchesPerEpoch()}. */
  public int batchesPerEpoch() {
    return loader.batchesPerEpoch();
  }

  /** Starts an epoch: draws its order now (on this thread) and starts the background thread. */
  @Override
  public BatchIterator iterator() {
    return new BatchIterator(loader.iterator(), depth);
  }

  /** A failure of the background thread, handed to the consumer. */
  private record Failure(Throwable error) {}

  /**
   * What the producer thread and the cleaning action share. It must not refer to the {@link
   * BatchIterator}, or the iterator could never become unreachable.
   */
  private static final class Shared implements Runnable {
    final BlockingQueue<Object> queue;
    volatile boolean closed;
    volatile Thread thread;

    Shared(int depth) {
      queue = new ArrayBlockingQueue<>(depth);
    }

    /** The cleaning action: stops the producer and drops the batches it made. */
    @Override
    public void run() {
      closed = true;
      Thread t = thread;
      if (t != null) {
        t.interrupt();
      }
      queue.clear();
    }
  }

  private static void produce(Iterator<Batch> source, Shared shared) {
    try {
      while (source.hasNext()) {
        if (shared.closed) {
          return;
        }
        shared.queue.put(source.next());
      }
      shared.queue.put(END);
    } catch (InterruptedException e) {
      // closed by the consumer
    } catch (Throwable t) {
      if (!shared.closed) {
        try {
          shared.queue.put(new Failure(t));
        } catch (InterruptedException e) {
          // closed by the consumer
        }
      }
    }
  }

  /** One prefetched epoch. Close it when you stop before the end (closing twice is harmless). */
  public static final class BatchIterator implements Iterator<Batch>, AutoCloseable {
    private final Shared shared;
    private final Cleaner.Cleanable cleanable;
    private Object pending;
    private boolean done;

    BatchIterator(Iterator<Batch> source, int depth) {
      Shared s = new Shared(depth);
      this.shared = s;
      this.cleanable = CLEANER.register(this, s);
      Thread t =
          Thread.ofPlatform()
              .name("grad4j-prefetch-" + THREADS.incrementAndGet())
              .daemon(true)
              .unstarted(() -> produce(source, s));
      s.thread = t;
      t.start();
    }

    @Override
    public boolean hasNext() {
      if (done) {
        return false;
      }
      if (pending == null) {
        try {
          pending = shared.queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close();
          throw new IllegalStateException("prefetch: interrupted while waiting for a batch", e);
        }
      }
      if (pending == END) {
        close();
        return false;
      }
      if (pending instanceof Failure f) {
        close();
        if (f.error() instanceof RuntimeException r) {
          throw r;
        }
        if (f.error() instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException("prefetch: building a batch failed", f.error());
      }
      return true;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Batch b = (Batch) pending;
      pending = null;
      return b;
    }

    /** Stops the background thread and drops any batches it made ahead. */
    @Override
    public void close() {
      done = true;
      pending = null;
      cleanable.clean();
    }

    /** Whether the background thread has ended (for tests and diagnostics). */
    public boolean threadFinished() {
      Thread t = shared.thread;
      return t == null || !t.isAlive();
    }

    /** Waits up to {@code millis} for the background thread to end; true if it has. */
    public boolean awaitThread(long millis) throws InterruptedException {
      Thread t = shared.thread;
      return t == null || t.join(java.time.Duration.ofMillis(millis));
    }
  }
}

package dev.grad4j.backend.cpu;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads that compute the pieces {@link Parallel#forRange} offers. After its last piece a
 * worker keeps looking for the next one for {@value #SPIN_NANOS} ns before it sleeps: a sleeping
 * thread takes 5-15 us to wake, as long as a whole small product, and the products of a training
 * step come microseconds apart (OpenBLAS's and OpenMP's threads wait the same way).
 */
final class Workers {
  static final long SPIN_NANOS = 200_000;

  private final ConcurrentLinkedQueue<Piece> queue = new ConcurrentLinkedQueue<>();
  private final Worker[] threads;
  // 1 while that worker sleeps (or is about to), so that offer knows whom to wake.
  private final AtomicIntegerArray sleeping;

  /** Starts {@code count} daemon worker threads. */
  Workers(int count) {
    threads = new Worker[count];
    sleeping = new AtomicIntegerArray(count);
    for (int i = 0; i < count; i++) {
      threads[i] = new Worker(this, i);
      threads[i].start();
    }
  }

  /** Whether {@code thread} is one of the workers of any pool. */
  static boolean isWorker(Thread thread) {
    return thread instanceof Worker;
  }

  /** Queues the pieces and wakes the workers that sleep. */
  void offer(Piece[] pieces) {
    for (Piece piece : pieces) {
      queue.add(piece);
    }
    for (int i = 0; i < threads.length; i++) {
      if (sleeping.get(i) == 1) {
        LockSupport.unpark(threads[i]);
      }
    }
  }

  private void work(int index) {
    long idleSince = System.nanoTime();
    while (true) {
      Piece piece = queue.poll();
      if (piece != null) {
        piece.runIfUnclaimed();
        idleSince = System.nanoTime();
      } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        // Announce the sleep before the last look at the queue: a piece offered after that look
        // finds the flag set and unparks this thread (an unpark before park makes park return).
        sleeping.set(index, 1);
        if (queue.isEmpty()) {
          LockSupport.park(this);
        }
        sleeping.set(index, 0);
        idleSince = System.nanoTime();
      }
    }
  }

  private static final class Worker extends Thread {
    Worker(Workers pool, int index) {
      super(() -> pool.work(index), "grad4j-worker-" + (index + 1) + "-of-" + pool.threads.length);
      setDaemon(true);
    }
  }

  /**
   * One piece of split work, computed exactly once by whichever of a worker and the caller claims
   * it first, or by nobody when the caller cancels it.
   */
  static final class Piece {
    private final Runnable body;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile boolean done;
    private volatile Throwable failure;
    private volatile Thread waiter;

    Piece(Runnable body) {
      this.body = body;
    }

    /** Computes the piece unless someone has claimed it already; a failure is kept. */
    void runIfUnclaimed() {
      if (!claimed.compareAndSet(false, true)) {
        return;
      }
      try {
        body.run();
      } catch (Throwable t) {
        failure = t;
      } finally {
        finish();
      }
    }

    /** Makes sure the piece is not running and never will: cancels it, or waits for it. */
    void cancelOrAwait() {
      if (claimed.compareAndSet(false, true)) {
        finish();
        return;
      }
      // Spin briefly (pieces end within microseconds of each other), then sleep until finish.
      long start = System.nanoTime();
      while (!done && System.nanoTime() - start < SPIN_NANOS) {
        Thread.onSpinWait();
      }
      if (!done) {
        waiter = Thread.currentThread();
        while (!done) {
          LockSupport.park(this);
        }
      }
    }

    /** Throws what the piece's computation threw, if anything. */
    void rethrowFailure() {
      Throwable t = failure;
      if (t instanceof RuntimeException e) {
        throw e;
      }
      if (t instanceof Error e) {
        throw e;
      }
      if (t != null) {
        throw new IllegalStateException(t);
      }
    }

    private void finish() {
      done = true;
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }
}

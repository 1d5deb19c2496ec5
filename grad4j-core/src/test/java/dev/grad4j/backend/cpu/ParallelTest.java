package dev.grad4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The split of {@link Parallel#forRange}: pieces, the caller's share, nesting and failures. */
class ParallelTest {

  @Test
  void everyIndexIsVisitedOnceInTheSamePiecesForEveryRun() {
    for (int threads = 1; threads <= 4; threads++) {
      for (int n : new int[] {1, 2, 3, 7, 100}) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        Set<String> pieces = ConcurrentHashMap.newKeySet();
        Parallel.withThreads(
            threads,
            () -> {
              Parallel.forRange(
                  n,
                  1,
                  (from, to) -> {
                    pieces.add(from + ".." + to);
                    for (int i = from; i < to; i++) {
                      seen.incrementAndGet(i);
                    }
                  });
              return null;
            });
        // The even split into one piece per thread, whichever thread computed each.
        int count = Math.min(threads, n);
        Set<String> expected = new HashSet<>();
        for (int p = 0; p < count; p++) {
          expected.add((long) n * p / count + ".." + (long) n * (p + 1) / count);
        }
        assertEquals(expected, pieces, "threads=" + threads + " n=" + n);
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen.get(i), "index " + i + " threads=" + threads + " n=" + n);
        }
      }
    }
  }

  @Test
  void workNestedInAPieceRunsOnThatPiecesThread() {
    AtomicInteger mismatches = new AtomicInteger();
    AtomicInteger inner = new AtomicInteger();
    Parallel.withThreads(
        2,
        () -> {
          Parallel.forRange(
              2,
              1,
              (from, to) -> {
                Thread outer = Thread.currentThread();
                Parallel.forRange(
                    8,
                    1,
                    (f, t) -> {
                      inner.addAndGet(t - f);
                      if (Thread.currentThread() != outer || f != 0 || t != 8) {
                        mismatches.incrementAndGet();
                      }
                    });
              });
          return null;
        });
    assertEquals(16, inner.get());
    assertEquals(0, mismatches.get());
  }

  @Test
  void aWorkerThatFellAsleepWakesForTheNextSplit() throws InterruptedException {
    for (int call = 0; call < 3; call++) {
      // Longer than a worker polls before it sleeps.
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(20 * Workers.SPIN_NANOS) + 1);
      // Both pieces wait for each other: the call only ends if a worker computes the second one
      // while the caller is held in the first.
      CyclicBarrier both = new CyclicBarrier(2);
      Set<String> threads = ConcurrentHashMap.newKeySet();
      Parallel.withThreads(
          2,
          () -> {
            Parallel.forRange(
                2,
                1,
                (from, to) -> {
                  threads.add(Thread.currentThread().getName());
                  try {
                    both.await(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    throw new IllegalStateException("piece " + from + " waited alone", e);
                  }
                });
            return null;
          });
      assertEquals(2, threads.size(), threads.toString());
    }
  }

  @Test
  void aFailingPieceFailsTheCallAfterEveryPieceHasStopped() {
    for (int failing = 0; failing < 2; failing++) {
      int f = failing;
      AtomicInteger running = new AtomicInteger();
      IllegalStateException thrown =
          assertThrows(
              IllegalStateException.class,
              () ->
                  Parallel.withThreads(
                      2,
                      () -> {
                        Parallel.forRange(
                            2,
                            1,
                            (from, to) -> {
                              running.incrementAndGet();
                              try {
                                if (from == f) {
                                  throw new IllegalStateException("piece " + f);
                                }
                              } finally {
                                running.decrementAndGet();
                              }
                            });
                        return null;
                      }));
      // Rethrown as is, or (from a pool thread) as a copy with it as the cause.
      assertTrue(thrown.getMessage().contains("piece " + f), thrown.getMessage());
      assertEquals(0, running.get());
    }
  }
}

package dev.grad4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
  /** n examples: input i is [i, -i], label i. */
  private static TensorDataset numbers(int n) {
    float[] x = new float[2 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = i;
      x[2 * i + 1] = -i;
      y[i] = i;
    }
    return new TensorDataset(Tensor.of(x, n, 2), Tensor.of(y, n));
  }

  /** The labels of one epoch, batch by batch, checking that inputs and labels stay paired. */
  private static List<int[]> epoch(Iterable<Batch> loader) {
    List<int[]> out = new ArrayList<>();
    for (Batch b : loader) {
      double[] labels = b.labels().toDoubleArray();
      float[] inputs = b.inputs().toFloatArray();
      int[] ints = new int[labels.length];
      for (int i = 0; i < labels.length; i++) {
        ints[i] = (int) labels[i];
        assertEquals(labels[i], inputs[2 * i], 0.0);
        assertEquals(-labels[i], inputs[2 * i + 1], 0.0);
      }
      assertEquals(b.size(), ints.length);
      out.add(ints);
    }
    return out;
  }

  private static int[] concat(List<int[]> batches) {
    return batches.stream().flatMapToInt(Arrays::stream).toArray();
  }

  private static String str(List<int[]> batches) {
    return batches.stream().map(Arrays::toString).toList().toString();
  }

  @Test
  void batchesInOrderWithoutShuffling() {
    var loader = new DataLoader(numbers(10), 4, false, false, new Generator(1));
    assertEquals(3, loader.batchesPerEpoch());
    assertEquals("[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]", str(epoch(loader)));
    assertEquals(str(epoch(loader)), str(epoch(loader)), "every epoch the same");
  }

  @Test
  void dropLastSkipsTheShortBatch() {
    var loader = new DataLoader(numbers(10), 4, false, true, new Generator(1));
    assertEquals(2, loader.batchesPerEpoch());
    assertEquals("[[0, 1, 2, 3], [4, 5, 6, 7]]", str(epoch(loader)));
    var exact = new DataLoader(numbers(8), 4, true, true, new Generator(1));
    assertEquals(2, exact.batchesPerEpoch());
    var tooBig = new DataLoader(numbers(3), 4, false, true, new Generator(1));
    assertEquals(0, tooBig.batchesPerEpoch());
    assertFalse(tooBig.iterator().hasNext());
  }

  @Test
  void shufflingVisitsEveryExampleOncePerEpochInANewOrder() {
    var loader = new DataLoader(numbers(100), 16, true, false, new Generator(7));
    int[] first = concat(epoch(loader));
    int[] second = concat(epoch(loader));
    assertNotEquals(Arrays.toString(first), Arrays.toString(second));
    int[] identity = new int[100];
    Arrays.setAll(identity, i -> i);
    assertNotEquals(Arrays.toString(identity), Arrays.toString(first));
    assertArrayEquals(identity, Arrays.stream(first).sorted().toArray());
    assertArrayEquals(identity, Arrays.stream(second).sorted().toArray());
  }

  @Test
  void theSeedFixesTheOrder() {
    var a = new DataLoader(numbers(50), 8, true, false, new Generator(42));
    var b = new DataLoader(numbers(50), 8, true, false, new Generator(42));
    var c = new DataLoader(numbers(50), 8, true, false, new Generator(43));
    for (int e = 0; e < 3; e++) {
      String ea = str(epoch(a));
      assertEquals(ea, str(epoch(b)), "epoch " + e);
      assertNotEquals(ea, str(epoch(c)), "epoch " + e);
    }
    // the order is Generator.permutation's, drawn once per epoch
    var d = new DataLoader(numbers(50), 50, true, false, new Generator(42));
    assertArrayEquals(new Generator(42).permutation(50), epoch(d).get(0));
  }

  @Test
  void restoringTheGeneratorStateResumesTheSequence() {
    var a = new DataLoader(numbers(40), 8, true, true, new Generator(3));
    epoch(a);
    long[] state = a.generatorState();
    String second = str(epoch(a));
    String third = str(epoch(a));
    var b = new DataLoader(numbers(40), 8, true, true, new Generator(999));
    b.restoreGeneratorState(state);
    assertEquals(second, str(epoch(b)));
    assertEquals(third, str(epoch(b)));
  }

  @Test
  void rejectsBadBatchSizes() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new DataLoader(numbers(3), 0, false, false, new Generator(1)));
    assertEquals("DataLoader: batch size must be positive, got 0", e.getMessage());
  }

  // ---------------------------------------------------------------- prefetch

  @Test
  void prefetchGivesTheSameBatchesInTheSameOrder() {
    for (int depth : new int[] {1, 2, 5}) {
      for (boolean dropLast : new boolean[] {false, true}) {
        var plain = new DataLoader(numbers(103), 8, true, dropLast, new Generator(11));
        var ahead = new DataLoader(numbers(103), 8, true, dropLast, new Generator(11));
        var prefetched = ahead.prefetch(depth);
        assertEquals(plain.batchesPerEpoch(), prefetched.batchesPerEpoch());
        for (int e = 0; e < 3; e++) {
          List<int[]> expected = epoch(plain);
          assertEquals(str(expected), str(epoch(prefetched)), "depth " + depth + " epoch " + e);
          assertEquals(dropLast ? 12 : 13, expected.size());
        }
        assertArrayEquals(plain.generatorState(), ahead.generatorState(), "generator state");
      }
    }
  }

  @Test
  void prefetchBuildsBatchesOnADaemonThread() {
    Set<Thread> builders = ConcurrentHashMap.newKeySet();
    var loader =
        new DataLoader(recording(numbers(20), builders, -1), 5, false, false, new Generator(1));
    assertEquals(4, epoch(loader.prefetch(2)).size());
    assertEquals(1, builders.size());
    Thread t = builders.iterator().next();
    assertTrue(t.getName().startsWith("grad4j-prefetch-"), t.getName());
    assertTrue(t.isDaemon());
    assertNotEquals(Thread.currentThread(), t);
  }

  @Test
  void closingEarlyStopsTheThread() throws InterruptedException {
    var loader = new DataLoader(numbers(1000), 1, true, false, new Generator(5));
    var plain = new DataLoader(numbers(1000), 1, true, false, new Generator(5));
    var expected = plain.iterator();
    try (var it = loader.prefetch(3).iterator()) {
      for (int i = 0; i < 3; i++) {
        assertTrue(it.hasNext());
        assertEquals(expected.next().labels().item(), it.next().labels().item());
      }
      it.close();
      assertTrue(it.awaitThread(10_000), "the prefetch thread ends after close()");
      assertFalse(it.hasNext());
      assertThrows(java.util.NoSuchElementException.class, it::next);
    }
  }

  @Test
  void theThreadEndsAfterTheLastBatch() throws InterruptedException {
    var loader = new DataLoader(numbers(10), 3, false, false, new Generator(5));
    var it = loader.prefetch(1).iterator();
    int n = 0;
    while (it.hasNext()) {
      it.next();
      n++;
    }
    assertEquals(4, n);
    assertTrue(it.awaitThread(10_000));
    assertTrue(it.threadFinished());
  }

  @Test
  void anAbandonedIteratorsThreadIsStoppedByTheGarbageCollector() throws InterruptedException {
    Set<Thread> builders = ConcurrentHashMap.newKeySet();
    var loader =
        new DataLoader(recording(numbers(1000), builders, -1), 1, false, false, new Generator(1));
    abandon(loader);
    Thread t = builders.iterator().next();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (t.isAlive() && System.nanoTime() < deadline) {
      System.gc();
      t.join(50);
    }
    assertFalse(t.isAlive(), "the thread of an unreachable prefetch iterator is stopped");
  }

  private static void abandon(DataLoader loader) {
    for (Batch b : loader.prefetch(2)) {
      if (b.labels().item() == 2) {
        break; // leaves the for-each without closing the iterator
      }
    }
  }

  @Test
  void errorsWhileBuildingABatchReachTheConsumer() {
    var loader =
        new DataLoader(
            recording(numbers(20), ConcurrentHashMap.newKeySet(), 10),
            5,
            false,
            false,
            new Generator(1));
    var it = loader.prefetch(2).iterator();
    assertEquals(0, it.next().labels().get(0));
    assertEquals(5, it.next().labels().get(0));
    var e = assertThrows(IllegalStateException.class, it::hasNext);
    assertEquals("test dataset: refusing index 10", e.getMessage());
    assertFalse(it.hasNext());
  }

  @Test
  void rejectsBadDepths() {
    var loader = new DataLoader(numbers(3), 1, false, false, new Generator(1));
    var e = assertThrows(IllegalArgumentException.class, () -> loader.prefetch(0));
    assertEquals("prefetch: depth must be positive, got 0", e.getMessage());
    assertSame(loader, loader.prefetch(1).loader());
  }

  /** A dataset that records the threads building its batches and fails at index {@code fail}. */
  private static Dataset recording(TensorDataset inner, Set<Thread> threads, int fail) {
    return new Dataset() {
      @Override
      public int size() {
        return inner.size();
      }

      @Override
      public Batch batch(int[] indices) {
        threads.add(Thread.currentThread());
        for (int i : indices) {
          if (i == fail) {
            throw new IllegalStateException("test dataset: refusing index " + i);
          }
        }
        return inner.batch(indices);
      }

      @Override
      public int[] inputShape() {
        return inner.inputShape();
      }
    };
  }
}

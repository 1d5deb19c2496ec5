package dev.grad4j;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Float arrays of cleared gradients that nothing else references, handed to the next product of the
 * same size instead of a new array: a fresh array costs the JVM a zeroing pass over memory not in
 * cache (about 250 us a step for the MLP's 2.7 MB of weight gradients) that the product then
 * overwrites anyway. Held weakly, so that the buffers of a model no longer trained go with the next
 * collection, and at most {@value #CAPACITY} of them.
 */
final class RecycledBuffers {
  private RecycledBuffers() {}

  /** Smaller gradients are not worth a reuse: their zeroing costs less than the bookkeeping. */
  static final int MIN_FLOATS = 1 << 14;

  private static final int CAPACITY = 32;

  private static final ArrayDeque<WeakReference<float[]>> FREE = new ArrayDeque<>();

  /** Offers an array that no storage references any more. */
  static synchronized void offer(float[] data) {
    if (FREE.size() == CAPACITY) {
      FREE.removeFirst();
    }
    FREE.addLast(new WeakReference<>(data));
  }

  /** An offered array of exactly {@code size} floats, no longer offered, or null. */
  static synchronized float[] take(int size) {
    if (size < MIN_FLOATS) {
      return null;
    }
    for (Iterator<WeakReference<float[]>> it = FREE.iterator(); it.hasNext(); ) {
      float[] data = it.next().get();
      if (data == null) {
        it.remove();
      } else if (data.length == size) {
        it.remove();
        return data;
      }
    }
    return null;
  }
}

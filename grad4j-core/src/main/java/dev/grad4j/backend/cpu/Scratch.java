package dev.grad4j.backend.cpu;

/**
 * A per-thread float array that grows to the largest size asked of it: scratch space a kernel
 * reuses across calls instead of allocating (and zeroing) it each time.
 */
final class Scratch {
  private final ThreadLocal<float[][]> holder =
      ThreadLocal.withInitial(() -> new float[][] {new float[0]});

  /** This thread's array, at least {@code size} long; it holds whatever the last user left. */
  float[] get(int size) {
    float[][] h = holder.get();
    if (h[0].length < size) {
      h[0] = new float[size];
    }
    return h[0];
  }
}

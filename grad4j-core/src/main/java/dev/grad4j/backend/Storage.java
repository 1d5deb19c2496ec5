package dev.grad4j.backend;

import dev.grad4j.DType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat, heap-backed buffer of elements of one dtype, shared by a tensor and all of its views.
 *
 * <p>The version counter counts in-place writes. Autograd records it when it saves a tensor for
 * backward and compares it when backward runs, so that a saved tensor changed in place in between
 * is reported instead of silently giving a wrong gradient.
 */
public final class Storage {
  // Serials of allocated storages; 0 is kept for wrapped arrays, which the caller may still hold.
  private static final AtomicLong SERIALS = new AtomicLong();

  private final DType dtype;
  private final float[] floats;
  private final double[] doubles;
  private int version;
  private final long serial;

  private Storage(DType dtype, float[] floats, double[] doubles, long serial) {
    this.dtype = dtype;
    this.floats = floats;
    this.doubles = doubles;
    this.serial = serial;
  }

  /** A zero-filled storage of {@code size} elements. */
  public static Storage allocate(DType dtype, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("storage size must be >= 0, got " + size);
    }
    return dtype == DType.FLOAT32
        ? new Storage(dtype, new float[size], null, SERIALS.incrementAndGet())
        : new Storage(dtype, null, new double[size], SERIALS.incrementAndGet());
  }

  /**
   * A storage over {@code data} (neither copied nor cleared) with a new serial, as if just
   * allocated: for an array that no other storage references any more and that the caller
   * overwrites whole.
   */
  public static Storage adopt(float[] data) {
    return new Storage(DType.FLOAT32, data, null, SERIALS.incrementAndGet());
  }

  /** Wraps (does not copy) a float array. */
  public static Storage wrap(float[] data) {
    return new Storage(DType.FLOAT32, data, null, 0);
  }

  /** Wraps (does not copy) a double array. */
  public static Storage wrap(double[] data) {
    return new Storage(DType.FLOAT64, null, data, 0);
  }

  public DType dtype() {
    return dtype;
  }

  public int size() {
    return floats != null ? floats.length : doubles.length;
  }

  /** The backing array of a float32 storage. */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("storage is " + dtype + ", not float32");
    }
    return floats;
  }

  /** The backing array of a float64 storage. */
  public double[] doubles() {
    if (doubles == null) {
      throw new IllegalStateException("storage is " + dtype + ", not float64");
    }
    return doubles;
  }

  public double get(int index) {
    return floats != null ? floats[index] : doubles[index];
  }

  public void set(int index, double value) {
    if (floats != null) {
      floats[index] = (float) value;
    } else {
      doubles[index] = value;
    }
  }

  /**
   * The allocation serial: every {@link #allocate} takes the next number, so a larger serial means
   * a later allocation; 0 for storages that wrap a caller's array.
   */
  public long serial() {
    return serial;
  }

  /** The serial the next {@link #allocate} will exceed: the last one handed out. */
  public static long lastSerial() {
    return SERIALS.get();
  }

  /** Number of in-place writes so far. */
  public int version() {
    return version;
  }

  /** Records one in-place write. */
  public void bumpVersion() {
    version++;
  }
}

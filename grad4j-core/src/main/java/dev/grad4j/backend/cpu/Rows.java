package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.Storage;

/** Moves strided rows between storages of either dtype and float64 scratch buffers. */
final class Rows {
  private Rows() {}

  static void load(Storage s, int offset, int stride, int n, double[] buf) {
    if (s.dtype() == DType.FLOAT32) {
      float[] a = s.floats();
      if (stride == 1) {
        for (int i = 0; i < n; i++) buf[i] = a[offset + i];
      } else {
        for (int i = 0, p = offset; i < n; i++, p += stride) buf[i] = a[p];
      }
    } else {
      double[] a = s.doubles();
      if (stride == 1) {
        System.arraycopy(a, offset, buf, 0, n);
      } else {
        for (int i = 0, p = offset; i < n; i++, p += stride) buf[i] = a[p];
      }
    }
  }

  static void store(double[] buf, int n, Storage s, int offset, int stride) {
    if (s.dtype() == DType.FLOAT32) {
      float[] a = s.floats();
      if (stride == 1) {
        for (int i = 0; i < n; i++) a[offset + i] = (float) buf[i];
      } else {
        for (int i = 0, p = offset; i < n; i++, p += stride) a[p] = (float) buf[i];
      }
    } else {
      double[] a = s.doubles();
      if (stride == 1) {
        System.arraycopy(buf, 0, a, offset, n);
      } else {
        for (int i = 0, p = offset; i < n; i++, p += stride) a[p] = buf[i];
      }
    }
  }

  /** Copies n elements between storages of the same dtype, bit for bit. */
  static void copy(
      Storage src, int from, int srcStride, Storage dst, int to, int dstStride, int n) {
    if (src.dtype() == DType.FLOAT32) {
      float[] a = src.floats();
      float[] b = dst.floats();
      if (srcStride == 1 && dstStride == 1) {
        System.arraycopy(a, from, b, to, n);
      } else {
        for (int i = 0; i < n; i++) b[to + i * dstStride] = a[from + i * srcStride];
      }
    } else {
      double[] a = src.doubles();
      double[] b = dst.doubles();
      if (srcStride == 1 && dstStride == 1) {
        System.arraycopy(a, from, b, to, n);
      } else {
        for (int i = 0; i < n; i++) b[to + i * dstStride] = a[from + i * srcStride];
      }
    }
  }
}

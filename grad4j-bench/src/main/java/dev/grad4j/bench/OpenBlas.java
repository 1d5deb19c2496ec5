package dev.grad4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The system OpenBLAS's {@code cblas_sgemm}, called through the FFM API, for side-by-side
 * comparisons. Only the benchmark module uses it; grad4j itself never loads native code.
 *
 * <p>OpenBLAS reads {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_NUM_THREADS} from the environment
 * when it loads, so set them in the shell (for example {@code OPENBLAS_CORETYPE=SkylakeX} on an
 * AVX-512 machine it does not recognise, {@code Haswell} on AVX2); {@link #coreName()} reports the
 * kernels actually in use.
 */
public final class OpenBlas {
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;
  private static final OpenBlas INSTANCE = load();

  private final MethodHandle sgemm;
  private final MethodHandle setThreads;
  private final MethodHandle coreName;

  private OpenBlas(MethodHandle sgemm, MethodHandle setThreads, MethodHandle coreName) {
    this.sgemm = sgemm;
    this.setThreads = setThreads;
    this.coreName = coreName;
  }

  /** The loaded library, or null when {@code libopenblas.so.0} is not installed. */
  public static OpenBlas get() {
    return INSTANCE;
  }

  private static OpenBlas load() {
    try {
      SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
      Linker linker = Linker.nativeLinker();
      ValueLayout i = ValueLayout.JAVA_INT;
      ValueLayout f = ValueLayout.JAVA_FLOAT;
      ValueLayout ptr = ValueLayout.ADDRESS;
      MethodHandle sgemm =
          linker.downcallHandle(
              lib.findOrThrow("cblas_sgemm"),
              FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, ptr, i, ptr, i, f, ptr, i));
      MethodHandle setThreads =
          linker.downcallHandle(
              lib.findOrThrow("openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
      MethodHandle coreName =
          linker.downcallHandle(
              lib.findOrThrow("openblas_get_corename"), FunctionDescriptor.of(ptr));
      return new OpenBlas(sgemm, setThreads, coreName);
    } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
      return null;
    }
  }

  /** The kernel family OpenBLAS chose (e.g. "SkylakeX", "Haswell"). */
  public String coreName() {
    try {
      MemorySegment s = (MemorySegment) coreName.invokeExact();
      return s.reinterpret(64).getString(0);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Sets OpenBLAS's thread count. */
  public void setThreads(int n) {
    try {
      setThreads.invokeExact(n);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Row-major {@code C = op(A) op(B)} with C [m, n]. A is stored [m, k] (or [k, m] when transA), B
   * [k, n] (or [n, k] when transB), all dense in native memory.
   */
  public void sgemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      MemorySegment a,
      MemorySegment b,
      MemorySegment c) {
    try {
      sgemm.invokeExact(
          ROW_MAJOR,
          transA ? TRANS : NO_TRANS,
          transB ? TRANS : NO_TRANS,
          m,
          n,
          k,
          1f,
          a,
          transA ? m : k,
          b,
          transB ? k : n,
          0f,
          c,
          n);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** A native copy of a float array. */
  public static MemorySegment copy(Arena arena, float[] data) {
    MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, data.length);
    MemorySegment.copy(data, 0, s, ValueLayout.JAVA_FLOAT, 0, data.length);
    return s;
  }
}

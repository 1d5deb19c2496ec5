package dev.grad4j.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The system OpenBLAS's {@code cblas_sgemm}, called through the FFM API, for side-by-side
 * comparisons ({@code grad4j bench} and the benchmark module); grad4j's own kernels never load
 * native code.
 *
 * <p>OpenBLAS reads {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_NUM_THREADS} from the environment
 * when it loads. Older releases do not recognise newer AVX-512 CPUs and fall back to their AVX2
 * (Haswell) kernels, so when the JVM's preferred vector is 512 bits wide and {@code
 * OPENBLAS_CORETYPE} is unset, this class sets it to {@code SkylakeX} (through libc's {@code
 * setenv}) before loading the library. {@link #coreName()} reports the kernels actually in use.
 *
 * <p>After each multi-threaded call OpenBLAS's worker threads spin for 2^28 cycles (about 0.1 s)
 * before they sleep, burning a core that a grad4j call timed right after it needs: on 2 cores that
 * corrupts every comparison that alternates the two libraries. Unless {@code
 * OPENBLAS_THREAD_TIMEOUT} is set, this class sets it to {@value #THREAD_TIMEOUT} (2^22 cycles,
 * about 2 ms): long enough that back-to-back calls find the workers awake.
 */
public final class OpenBlas {
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;
  private static final String THREAD_TIMEOUT = "22";
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
      preferAvx512Kernels();
      setenvUnlessSet("OPENBLAS_THREAD_TIMEOUT", THREAD_TIMEOUT);
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

  private static void preferAvx512Kernels() {
    if (jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512) {
      setenvUnlessSet("OPENBLAS_CORETYPE", "SkylakeX");
    }
  }

  /**
   * Sets an environment variable of this process through libc's {@code setenv}, where the library
   * reads it when it loads, unless the user set it; keeps OpenBLAS's default where that fails.
   */
  private static void setenvUnlessSet(String name, String value) {
    if (System.getenv(name) != null) {
      return;
    }
    Linker linker = Linker.nativeLinker();
    linker
        .defaultLookup()
        .find("setenv")
        .ifPresent(
            setenv -> {
              MethodHandle h =
                  linker.downcallHandle(
                      setenv,
                      FunctionDescriptor.of(
                          ValueLayout.JAVA_INT,
                          ValueLayout.ADDRESS,
                          ValueLayout.ADDRESS,
                          ValueLayout.JAVA_INT));
              try (Arena arena = Arena.ofConfined()) {
                int unused =
                    (int) h.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
              } catch (Throwable t) {
                // Keep OpenBLAS's own default.
              }
            });
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

package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.cli.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square float32 matrix product of [N, N] matrices, neither requiring grad (so no graph is
 * recorded), through the public {@link Tensor#matmul}, in each operand layout that forward and
 * backward use: {@code NN} is {@code A B}; {@code NT} is {@code A B^T} (B a transposed view, as in
 * {@code Linear}'s forward and every input gradient); {@code TN} is {@code A^T B} (as in every
 * weight gradient). {@link #openblas} runs the same product with the system OpenBLAS's {@code
 * cblas_sgemm} through the FFM API when {@code libopenblas.so.0} is installed (see {@link
 * OpenBlas}; it does nothing otherwise), so that both figures come from the same run. {@link
 * MatmulCompare} prints the same comparison as a GFLOP/s table.
 *
 * <p>The score is the average time of one product, including the allocation of the [N, N] result.
 * Each product costs {@code 2 N^3} floating-point operations, so the throughput is {@code GFLOP/s =
 * 2 N^3 / (time in ns)}; for example N = 1024 at 200 ms/op is 10.7 GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "-XX:+UseTransparentHugePages",
      "--enable-native-access=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class MatmulBench {

  /** The side of the square matrices. */
  @Param({"256", "512", "1024", "2048"})
  public int n;

  /** The operand layout: NN, NT or TN. */
  @Param({"NN", "NT", "TN"})
  public String layout;

  private Tensor a;
  private Tensor b;
  private Arena arena;
  private MemorySegment na;
  private MemorySegment nb;
  private MemorySegment nc;

  /** Builds the two random N x N operands (and native copies for OpenBLAS) once per trial. */
  @Setup
  public void setUp() {
    Generator gen = new Generator(42);
    Tensor as = Tensor.randn(gen, n, n);
    Tensor bs = Tensor.randn(gen, n, n);
    a = layout.charAt(0) == 'T' ? as.transpose(0, 1) : as;
    b = layout.charAt(1) == 'T' ? bs.transpose(0, 1) : bs;
    OpenBlas blas = OpenBlas.get();
    if (blas != null) {
      blas.setThreads(dev.grad4j.backend.cpu.Parallel.threads());
      arena = Arena.ofShared();
      na = OpenBlas.copy(arena, as.toFloatArray());
      nb = OpenBlas.copy(arena, bs.toFloatArray());
      nc = OpenBlas.copy(arena, new float[n * n]);
    }
  }

  /** Frees the native copies. */
  @TearDown
  public void tearDown() {
    if (arena != null) {
      arena.close();
    }
  }

  /** One float32 [N, N] x [N, N] product through grad4j. */
  @Benchmark
  public Tensor matmul() {
    return a.matmul(b);
  }

  /** The same product through OpenBLAS's cblas_sgemm (a no-op when it is not installed). */
  @Benchmark
  public MemorySegment openblas() {
    OpenBlas blas = OpenBlas.get();
    if (blas != null) {
      blas.sgemm(layout.charAt(0) == 'T', layout.charAt(1) == 'T', n, n, n, na, nb, nc);
    }
    return nc;
  }
}

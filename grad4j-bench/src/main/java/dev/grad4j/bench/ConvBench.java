package dev.grad4j.bench;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import dev.grad4j.cli.OpenBlas;
import dev.grad4j.nn.Functional;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The seed CNN's convolution layers at batch 64, 3×3 kernels, no padding: {@code layer=1} is 1→32
 * channels on 28×28 images, {@code layer=2} 32→64 on 13×13. {@link #forward} is the convolution,
 * {@link #backward} both gradients (input and weight) through autograd, the graph recorded in an
 * untimed per-invocation setup. {@link #openblas} is OpenBLAS's sgemm of the same product shape
 * ([out, in·9] x [in·9, 64·L], L output positions per image), the rate to compare with.
 *
 * <p>FLOPs: forward and each gradient 2·64·out·in·9·L: layer 1 24.9 M, layer 2 285.5 M.
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
      "--enable-native-access=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class ConvBench {

  /** Which of the CNN's two conv layers. */
  @Param({"1", "2"})
  public int layer;

  private Tensor x;
  private Tensor w;
  private Tensor g;
  private Tensor y;
  private Arena arena;
  private MemorySegment[] blas;
  private int[] gemm;

  /** Builds the layer's input, weight and output gradient, and OpenBLAS's operands. */
  @Setup
  public void setUp() {
    int in = layer == 1 ? 1 : 32;
    int out = layer == 1 ? 32 : 64;
    int side = layer == 1 ? 28 : 13;
    int o = side - 2;
    Generator gen = new Generator(3);
    x = Tensor.randn(gen, 64, in, side, side).requiresGrad(true);
    w = Tensor.randn(gen, out, in, 3, 3).mul(0.1).detach().requiresGrad(true);
    g = Tensor.randn(gen, 64, out, o, o);
    gemm = new int[] {out, 64 * o * o, in * 9};
    arena = Arena.ofShared();
    blas =
        new MemorySegment[] {
          OpenBlas.copy(arena, Tensor.randn(gen, gemm[0] * gemm[2]).toFloatArray()),
          OpenBlas.copy(arena, Tensor.randn(gen, gemm[2] * gemm[1]).toFloatArray()),
          OpenBlas.copy(arena, new float[gemm[0] * gemm[1]])
        };
  }

  /** Frees OpenBLAS's operands. */
  @TearDown
  public void tearDown() {
    arena.close();
  }

  /** Records the forward pass whose backward the next {@link #backward} call times. */
  @Setup(Level.Invocation)
  public void record() {
    x.zeroGrad();
    w.zeroGrad();
    y = Functional.conv2d(x, w, null);
  }

  /** The convolution, no graph recorded. */
  @Benchmark
  @SuppressWarnings("try") // the scope is only opened and closed
  public Tensor forward() {
    try (var noGrad = GradMode.disabled()) {
      return Functional.conv2d(x, w, null);
    }
  }

  /** Input and weight gradients of the recorded convolution. */
  @Benchmark
  public Tensor backward() {
    y.backward(g);
    return w.grad();
  }

  /** OpenBLAS's sgemm of the same shape (a no-op without OpenBLAS). */
  @Benchmark
  public MemorySegment openblas() {
    OpenBlas lib = OpenBlas.get();
    if (lib != null) {
      lib.sgemm(false, false, gemm[0], gemm[1], gemm[2], blas[0], blas[1], blas[2]);
    }
    return blas[2];
  }
}

package dev.grad4j.bench;

import dev.grad4j.Tensor;
import dev.grad4j.autograd.GradMode;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-op overhead on tiny tensors: a scalar add with gradient recording (shape checks, dispatch to
 * the backend, the result tensor and its graph node) and the same add with recording off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-modules",
      "jdk.incubator.vector",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class OverheadBench {
  private Tensor a;
  private Tensor b;

  /** Two float32 scalars, one requiring a gradient. */
  @Setup
  public void setUp() {
    a = Tensor.scalar(1.5).requiresGrad(true);
    b = Tensor.scalar(2.5);
  }

  /** {@code a + b} recorded for backward. */
  @Benchmark
  public Tensor scalarAddWithGrad() {
    return a.add(b);
  }

  /** {@code a + b} with recording off. */
  @Benchmark
  @SuppressWarnings("try") // the scope is only opened and closed
  public Tensor scalarAddNoGrad() {
    try (var noGrad = GradMode.disabled()) {
      return a.add(b);
    }
  }
}

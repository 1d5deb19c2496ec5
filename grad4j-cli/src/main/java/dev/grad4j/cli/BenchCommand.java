package dev.grad4j.cli;

import dev.grad4j.backend.cpu.Parallel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code grad4j bench}: how fast this machine runs grad4j's CPU kernels, as a short table: GEMM
 * GFLOP/s, memory-bound ops in GB/s against a plain Java triad loop (each returning a fresh result
 * and written into a reused output, beside the cost of the allocation alone), the CNN's convolution
 * layers, MLP and CNN training steps per second, per-op overhead, GC share and thread scaling, each
 * beside OpenBLAS's {@code cblas_sgemm} when the system has {@code libopenblas.so.0}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures grad4j's CPU kernels on this machine and prints a short table: matrix product"
          + " GFLOP/s, memory-bound ops in GB/s (against a plain Java triad loop; each op"
          + " returning a fresh tensor and, beside it, its kernel writing into a reused output),"
          + " the CNN's convolution layers, MLP and CNN training steps per second, per-op overhead, GC"
          + " share and 2-thread scaling. With OpenBLAS installed (libopenblas0-pthread) its"
          + " sgemm is measured alongside. Takes about two minutes; --quick runs tiny sizes in a"
          + " few seconds.",
      ""
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--quick",
      description = "Tiny sizes and few repetitions: checks that everything runs, in seconds.")
  boolean quick;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "The thread count to compare with 1; default: the backend's, at least 2.")
  Integer threads;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int many = threads != null ? Math.max(1, threads) : Math.max(2, Parallel.threads());
    SpeedBench.Sizes sizes = quick ? SpeedBench.Sizes.QUICK : SpeedBench.Sizes.FULL;
    OpenBlas blas = OpenBlas.get();
    SpeedBench bench = new SpeedBench(sizes, blas);
    out.printf(
        Locale.ROOT,
        "grad4j bench%s: float32, %d cores, threads 1 and %d, best of %d runs; OpenBLAS: %s%n%n",
        quick ? " --quick" : "",
        Runtime.getRuntime().availableProcessors(),
        many,
        sizes.runs(),
        blas == null ? "not installed (libopenblas.so.0)" : blas.coreName() + " kernels");
    out.flush();

    int n = sizes.gemmN();
    double flops = 2.0 * n * n * n;
    double g1 = SpeedBench.withThreads(1, () -> bench.gemm(n));
    double gm = SpeedBench.withThreads(many, () -> bench.gemm(n));
    out.printf(
        Locale.ROOT, "Matrix product [%d,%d]x[%d,%d]          GFLOP/s   OpenBLAS%n", n, n, n, n);
    out.printf(
        Locale.ROOT,
        "  1 thread                              %7.1f   %s%n",
        flops / g1 / 1e9,
        blasRate(bench, 1, n, flops));
    out.printf(
        Locale.ROOT,
        "  %d threads                             %7.1f   %s%n",
        many,
        flops / gm / 1e9,
        blasRate(bench, many, n, flops));
    out.printf(Locale.ROOT, "  %d-thread speedup                      %7.2fx%n%n", many, g1 / gm);
    out.flush();

    SpeedBench.MemoryRow triad = bench.triad(many);
    out.printf(
        Locale.ROOT, "Memory-bound ops, %d floats, %d threads%n", sizes.memoryFloats(), many);
    out.printf(
        Locale.ROOT,
        "  %-34s %16s %6s %8s | %21s %6s %8s%n",
        "",
        "fresh result: ms",
        "GB/s",
        "vs triad",
        "into a reused one: ms",
        "GB/s",
        "vs triad");
    printMemory(out, triad, triad);
    for (SpeedBench.MemoryRow r : bench.memoryOps(many)) {
      printMemory(out, r, triad);
    }
    printMemory(out, bench.allocation(), triad);
    out.println();
    out.flush();

    out.printf(
        Locale.ROOT,
        "Convolution, batch %d (fwd / bwd: GFLOP/s)  1 thread       %d threads    OpenBLAS sgemm%n",
        sizes.batch(),
        many);
    SpeedBench.ConvRow[] c1 = bench.conv(1);
    SpeedBench.ConvRow[] cm = bench.conv(many);
    for (int i = 0; i < c1.length; i++) {
      SpeedBench.ConvRow a = c1[i];
      SpeedBench.ConvRow b = cm[i];
      out.printf(
          Locale.ROOT,
          "  %-24s %6.1f / %-6.1f  %6.1f / %-6.1f  %s%n",
          a.name(),
          a.flops() / a.forward() / 1e9,
          2 * a.flops() / a.backward() / 1e9,
          b.flops() / b.forward() / 1e9,
          2 * b.flops() / b.backward() / 1e9,
          Double.isNaN(b.blasSeconds())
              ? "-"
              : String.format(
                  Locale.ROOT,
                  "%.1f (fwd %.0f%%, bwd %.0f%%)",
                  b.flops() / b.blasSeconds() / 1e9,
                  100 * b.blasSeconds() / b.forward(),
                  100 * 2 * b.blasSeconds() / b.backward()));
    }
    out.printf(
        Locale.ROOT,
        "  %d-thread speedup (fwd + bwd)     %s%n%n",
        many,
        String.format(
            Locale.ROOT,
            "%.2fx, %.2fx",
            (c1[0].forward() + c1[0].backward()) / (cm[0].forward() + cm[0].backward()),
            (c1[1].forward() + c1[1].backward()) / (cm[1].forward() + cm[1].backward())));
    out.flush();

    out.printf(
        Locale.ROOT,
        "Training steps, batch %d, SGD momentum     1 thread   %d threads   GC%n",
        sizes.batch(),
        many);
    for (String model : new String[] {"mlp", "cnn"}) {
      SpeedBench.StepRow s1 = bench.trainStep(model, 1);
      SpeedBench.StepRow sm = bench.trainStep(model, many);
      out.printf(
          Locale.ROOT,
          "  %s steps/s                           %8.1f   %8.1f   %4.1f%%%n",
          model.toUpperCase(Locale.ROOT),
          1 / s1.seconds(),
          1 / sm.seconds(),
          100 * sm.gcShare());
      if (model.equals("mlp")) {
        double own = bench.mlpGemms(many);
        out.printf(
            Locale.ROOT,
            "  MLP step / its 8 GEMMs in grad4j (%d threads):   %.2fx (%.2f ms / %.2f ms)%n",
            many,
            sm.seconds() / own,
            1e3 * sm.seconds(),
            1e3 * own);
        if (blas != null) {
          double gemms = bench.mlpGemmsUnderBlas(many);
          out.printf(
              Locale.ROOT,
              "  MLP step / its 8 GEMMs under OpenBLAS (%d threads): %.2fx (%.2f ms / %.2f ms)%n",
              many,
              sm.seconds() / gemms,
              1e3 * sm.seconds(),
              1e3 * gemms);
        }
      }
      out.flush();
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Per-op overhead: scalar add with grad recording  %.2f us%n",
        1e6 * bench.scalarAddOverhead());
    out.flush();
    return 0;
  }

  private static String blasRate(SpeedBench bench, int threads, int n, double flops) {
    if (OpenBlas.get() == null) {
      return "-";
    }
    return String.format(Locale.ROOT, "%7.1f", flops / bench.blasGemm(threads, n, n, n) / 1e9);
  }

  private static void printMemory(PrintWriter out, SpeedBench.MemoryRow r, SpeedBench.MemoryRow t) {
    out.printf(
        Locale.ROOT,
        "  %-34s %16.2f %6.1f %7.0f%% | %s%n",
        r.name(),
        1e3 * r.seconds(),
        r.gbPerSecond(),
        100 * r.gbPerSecond() / t.gbPerSecond(),
        Double.isNaN(r.intoSeconds())
            ? String.format(Locale.ROOT, "%21s", "-")
            : String.format(
                Locale.ROOT,
                "%21.2f %6.1f %7.0f%%",
                1e3 * r.intoSeconds(),
                r.intoGbPerSecond(),
                100 * r.intoGbPerSecond() / t.gbPerSecond()));
  }
}

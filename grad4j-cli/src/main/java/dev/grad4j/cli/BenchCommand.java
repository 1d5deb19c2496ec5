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
 * beside OpenBLAS's {@code cblas_sgemm} when the system has {@code libopenblas.so.0}. The two sides
 * of every ratio are timed side by side ({@link SideBySide}), so that a machine whose speed drifts
 * does not skew them.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures grad4j's CPU kernels on this machine and prints a short table: matrix product"
          + " GFLOP/s, memory-bound ops in GB/s (against a plain Java triad loop; each op"
          + " returning a fresh tensor and, beside it, the kernel of its into-form, such as"
          + " x.add(y, out), writing into a reused output),"
          + " the CNN's convolution layers, MLP and CNN training steps per second, per-op overhead, GC"
          + " share and 2-thread scaling. With OpenBLAS installed (libopenblas0-pthread) its"
          + " sgemm is measured alongside. The figures a ratio compares are timed side by side,"
          + " round by round. Takes about two minutes; --quick runs tiny sizes in a few seconds.",
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
    SpeedBench bench = new SpeedBench(sizes, blas, many);
    SideBySide.Plan plan = sizes.plan();
    out.printf(
        Locale.ROOT,
        "grad4j bench%s: float32, %d cores, threads 1 and %d; OpenBLAS: %s%n",
        quick ? " --quick" : "",
        Runtime.getRuntime().availableProcessors(),
        many,
        blas == null ? "not installed (libopenblas.so.0)" : blas.coreName() + " kernels");
    out.printf(
        Locale.ROOT,
        "Figures compared are timed side by side: %d rounds, each calling every contestant %d"
            + " times;%nspeeds are the best round, ratios and speedups the median of per-round"
            + " ratios.%n%n",
        plan.rounds(),
        plan.callsPerRound());
    out.flush();

    printGemm(out, bench.gemm(sizes.gemmN()), sizes.gemmN(), many);
    out.flush();

    printMemoryOps(out, bench.memoryOps(), sizes.memoryFloats(), many);
    out.flush();

    printConv(out, bench.conv(), sizes.batch(), many);
    out.flush();

    printSteps(out, bench.mlpStep(), bench.cnnStep(), sizes.batch(), many, blas != null);
    out.println();
    out.printf(
        Locale.ROOT,
        "Per-op overhead: scalar add with grad recording  %.2f us%n",
        1e6 * bench.scalarAddOverhead());
    out.flush();
    return 0;
  }

  private static void printMemoryOps(
      PrintWriter out, SpeedBench.MemoryRow[] rows, int floats, int many) {
    out.printf(
        Locale.ROOT,
        "Memory-bound ops, %d floats, %d threads (vs triad: speed as %% of the triad's)%n",
        floats,
        many);
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
    for (SpeedBench.MemoryRow r : rows) {
      printMemory(out, r);
    }
    out.println();
  }

  private static void printSteps(
      PrintWriter out,
      SpeedBench.MlpRow mlp,
      SpeedBench.StepRow cnn,
      int batch,
      int many,
      boolean withBlas) {
    out.printf(
        Locale.ROOT,
        "%-41s %8s %10s %10s %7s%n",
        "Training steps, batch " + batch + ", SGD momentum",
        "1 thread",
        many + " threads",
        "speedup",
        "GC");
    printStep(out, "MLP", mlp.step());
    out.printf(
        Locale.ROOT,
        "  MLP step / its 8 GEMMs in grad4j (%d threads):     %.2fx (best %.2f ms / %.2f ms)%n",
        many,
        mlp.overGemms(),
        1e3 * mlp.step().many(),
        1e3 * mlp.gemms());
    if (withBlas) {
      out.printf(
          Locale.ROOT,
          "  MLP step / its 8 GEMMs under OpenBLAS (%d threads): %.2fx (best %.2f ms / %.2f ms)%n",
          many,
          mlp.overBlas(),
          1e3 * mlp.step().many(),
          1e3 * mlp.blasGemms());
    }
    printStep(out, "CNN", cnn);
  }

  private static void printGemm(PrintWriter out, SpeedBench.GemmRow g, int n, int many) {
    out.printf(
        Locale.ROOT,
        "%-39s %8s %10s %17s%n",
        String.format(Locale.ROOT, "Matrix product [%d,%d]x[%d,%d]", n, n, n, n),
        "GFLOP/s",
        "OpenBLAS",
        "grad4j/OpenBLAS");
    String row = "  %-37s %8.1f %10s %17s%n";
    out.printf(
        Locale.ROOT,
        row,
        "1 thread",
        g.flops() / g.one() / 1e9,
        rate(g.flops(), g.blasOne()),
        times(g.vsBlasOne()));
    out.printf(
        Locale.ROOT,
        row,
        many + " threads",
        g.flops() / g.many() / 1e9,
        rate(g.flops(), g.blasMany()),
        times(g.vsBlasMany()));
    out.printf(
        Locale.ROOT,
        "  %-37s %8s %10s%n%n",
        many + "-thread speedup",
        times(g.speedup()),
        times(g.blasSpeedup()));
  }

  private static void printConv(PrintWriter out, SpeedBench.ConvRow[] rows, int batch, int many) {
    out.printf(
        Locale.ROOT,
        "Convolution, batch %d: GFLOP/s at 1 and %d threads (%% of OpenBLAS sgemm, same shape)%n",
        batch,
        many);
    String t = many + "T ";
    out.printf(
        Locale.ROOT,
        "  %-30s %6s %5s %6s %5s  %6s %5s %6s %5s %9s%n",
        "",
        "1T fwd",
        "",
        "1T bwd",
        "",
        t + "fwd",
        "",
        t + "bwd",
        "",
        "speedup");
    for (SpeedBench.ConvRow r : rows) {
      out.printf(
          Locale.ROOT,
          "  %-30s %s %s  %s %s %9s%n",
          r.name(),
          convRate(r.flops(), r.one().forward(), r.one().forwardVsBlas()),
          convRate(2 * r.flops(), r.one().backward(), r.one().backwardVsBlas()),
          convRate(r.flops(), r.many().forward(), r.many().forwardVsBlas()),
          convRate(2 * r.flops(), r.many().backward(), r.many().backwardVsBlas()),
          times(r.speedup()));
      if (!Double.isNaN(r.one().forwardInto())) {
        printForwardOnly(
            out,
            "fwd into a reused output",
            convRate(r.flops(), r.one().forwardInto(), r.one().forwardIntoVsBlas()),
            convRate(r.flops(), r.many().forwardInto(), r.many().forwardIntoVsBlas()),
            r.intoSpeedup());
      }
      printForwardOnly(
          out,
          "fwd in training (reused)",
          convRate(r.flops(), r.one().forwardTraining(), r.one().forwardTrainingVsBlas()),
          convRate(r.flops(), r.many().forwardTraining(), r.many().forwardTrainingVsBlas()),
          r.trainingSpeedup());
      if (!Double.isNaN(r.one().blas())) {
        printForwardOnly(
            out,
            "OpenBLAS sgemm",
            convRate(r.flops(), r.one().blas(), Double.NaN),
            convRate(r.flops(), r.many().blas(), Double.NaN),
            r.blasSpeedup());
      }
    }
    out.println();
  }

  // A line under a conv layer with figures in the forward columns only.
  private static void printForwardOnly(
      PrintWriter out, String label, String one, String many, double speedup) {
    out.printf(
        Locale.ROOT, "    %-28s %s %12s  %s %12s %9s%n", label, one, "", many, "", times(speedup));
  }

  /** GFLOP/s and, unless NaN, the share of OpenBLAS's speed in parentheses: 12 characters. */
  private static String convRate(double flops, double seconds, double vsBlas) {
    return String.format(
        Locale.ROOT,
        "%6.1f %-5s",
        flops / seconds / 1e9,
        Double.isNaN(vsBlas) ? "" : String.format(Locale.ROOT, "(%.0f%%)", 100 * vsBlas));
  }

  private static void printStep(PrintWriter out, String model, SpeedBench.StepRow s) {
    out.printf(
        Locale.ROOT,
        "  %-39s %8.1f %10.1f %10s %6.1f%%%n",
        model + " steps/s",
        1 / s.one(),
        1 / s.many(),
        times(s.speedup()),
        100 * s.gcShare());
  }

  /** GFLOP/s, or "-" for a figure not measured (NaN). */
  private static String rate(double flops, double seconds) {
    return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.1f", flops / seconds / 1e9);
  }

  /** A ratio as "1.23x", or "-" when not measured. */
  private static String times(double ratio) {
    return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
  }

  private static void printMemory(PrintWriter out, SpeedBench.MemoryRow r) {
    out.printf(
        Locale.ROOT,
        "  %-34s %16.2f %6.1f %7.0f%% | %s%n",
        r.name(),
        1e3 * r.seconds(),
        r.gbPerSecond(),
        100 * r.vsTriad(),
        Double.isNaN(r.intoSeconds())
            ? String.format(Locale.ROOT, "%21s", "-")
            : String.format(
                Locale.ROOT,
                "%21.2f %6.1f %7.0f%%",
                1e3 * r.intoSeconds(),
                r.intoGbPerSecond(),
                100 * r.intoVsTriad()));
  }
}

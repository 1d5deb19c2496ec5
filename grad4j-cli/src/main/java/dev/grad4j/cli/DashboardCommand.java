package dev.grad4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code grad4j dashboard RUN_DIR}: the dashboard of a finished (or stopped) training run. */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves the dashboard of a run that 'grad4j train' wrote: loss and accuracy curves (per"
          + " batch from batches.csv, per epoch from metrics.jsonl), learning rate, throughput,"
          + " the model's layers and graph, and the newest attack picture in the directory.",
      "",
      "Serves on this machine only, until Ctrl-C. For a run as it trains: grad4j train"
          + " --dashboard.",
      ""
    })
final class DashboardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "RUN_DIR",
      description = "The run's directory, e.g. runs/mlp-digits (where model.safetensors is).")
  Path runDir;

  @Option(
      names = "--port",
      paramLabel = "N",
      description =
          "The port; 0 = any free port (default: "
              + DashboardServer.DEFAULT_PORT
              + ", or any free port when that one is taken).")
  Integer port;

  /** For tests: called with the server once it serves; closing it ends the command. */
  Consumer<DashboardServer> started;

  @Override
  public Integer call() throws IOException {
    if (port != null && (port < 0 || port > 65535)) {
      throw new ParameterException(spec.commandLine(), "--port must be 0 to 65535, got " + port);
    }
    if (!Files.isDirectory(runDir)) {
      throw new ParameterException(
          spec.commandLine(),
          runDir
              + " is not a directory; give the run directory that 'grad4j train' wrote (e.g."
              + " runs/mlp-digits)");
    }
    RunDirectory run = RunDirectory.load(runDir);
    try (DashboardServer server =
        DashboardServer.start(run.record(), run.graph(), run.dir(), port)) {
      PrintWriter o = spec.commandLine().getOut();
      o.printf(
          "Dashboard of %s (%d epochs, %d batches): %s (served on this machine only; Ctrl-C stops"
              + " it)%n",
          runDir, run.record().epochResults().size(), run.record().batchCount(), server.uri());
      o.flush();
      if (started != null) {
        started.accept(server);
      }
      server.awaitClose();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}

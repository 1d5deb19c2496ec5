package dev.grad4j.cli;

import dev.grad4j.Generator;
import dev.grad4j.nn.Module;
import dev.grad4j.train.Models;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code grad4j train --dashboard}: records the run as it trains and serves it to the browser (a
 * resumed run with what its files hold of the run so far). The training thread only appends numbers
 * to a {@link TrainingRecord}; JSON is built by the server's own thread when the page asks for it.
 */
final class LiveDashboard implements AutoCloseable {
  private final TrainingRecord record;
  private final DashboardServer server;

  private LiveDashboard(TrainingRecord record, DashboardServer server) {
    this.record = record;
    this.server = server;
  }

  /**
   * Starts serving a run of {@code net}, made with {@code options} (the checkpoint metadata: model,
   * data, optimizer, ...), that trains {@code epochs} epochs of {@code batchesPerEpoch} batches and
   * writes its files in {@code runDir}.
   *
   * @param port see {@link DashboardServer#start}
   */
  static LiveDashboard start(
      Module net,
      Map<String, String> options,
      int epochs,
      int batchesPerEpoch,
      Path runDir,
      Integer port)
      throws IOException {
    String model = options.get("model");
    int batchSize = Integer.parseInt(options.get("batch_size"));
    String title = model + " on " + options.get("data");
    // The layer table and the graph are of a fresh copy of the architecture, so the live model is
    // left alone, and are made on the server's thread when the page first asks for them: a
    // forward pass on a cold JVM costs about half a second of CPU that training need not pay.
    TrainingRecord record =
        new TrainingRecord(
            title,
            TrainingRecord.facts(options, net.parameterCount()),
            () -> Models.create(model, new Generator(0)).summary(batchSize, 1, 28, 28),
            epochs,
            batchesPerEpoch);
    // A resumed run appends to its files (a fresh run has just deleted them): show the run so far.
    Path batches = runDir.resolve(BatchLog.FILE);
    Path metrics = runDir.resolve(TrainCommand.METRICS_FILE);
    if (Files.isRegularFile(batches)) {
      RunDirectory.readBatches(batches).forEach(record::addBatch);
    }
    if (Files.isRegularFile(metrics)) {
      RunDirectory.readMetrics(metrics).forEach(record::addEpoch);
    }
    GraphPicture graph =
        GraphPicture.onPath(
            () ->
                GraphCommand.trainingStep(Models.create(model, new Generator(0)), model, batchSize)
                    .toDot());
    DashboardServer server = DashboardServer.start(record, graph, runDir, port);
    return new LiveDashboard(record, server);
  }

  /** The page's address. */
  URI uri() {
    return server.uri();
  }

  /** The record served. */
  TrainingRecord record() {
    return record;
  }

  /** The listener that feeds the record from {@code trainer}. */
  Trainer.Listener listener(Trainer trainer) {
    return record.listener(trainer);
  }

  /** Marks the run finished (true) or stopped early. */
  void end(boolean finished) {
    record.end(finished);
  }

  /** Marks the run failed. */
  void fail(String message) {
    record.fail(message);
  }

  /**
   * Keeps serving the finished run until the process is stopped (Ctrl-C), this thread is
   * interrupted, or {@link #close} is called.
   */
  void serveUntilStopped(PrintWriter o) {
    o.println("The dashboard keeps serving the finished run at " + uri() + " ; Ctrl-C stops it.");
    o.flush();
    try {
      server.awaitClose();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close();
    }
  }

  @Override
  public void close() {
    server.close();
  }
}

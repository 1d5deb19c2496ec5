package dev.grad4j.cli;

import dev.grad4j.train.Trainer;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes {@value #FILE}, one line per training batch, beside metrics.jsonl, so that {@code grad4j
 * dashboard RUN_DIR} can draw a finished run's curves batch by batch. The loss and accuracy are the
 * running means over the epoch so far (what the progress bar shows). Lines are buffered and flushed
 * after each epoch.
 */
final class BatchLog implements Trainer.Listener, Closeable {
  /** The file's name in the run directory. */
  static final String FILE = "batches.csv";

  /** The first line: the column names. */
  static final String HEADER = String.join(",", TrainingRecord.Batch.COLUMNS);

  private final Trainer trainer;
  private final BufferedWriter out;

  /**
   * Opens {@code file} for appending (a resumed run goes on where it stopped), writing the header
   * first when the file is new or empty.
   */
  BatchLog(Trainer trainer, Path file) throws IOException {
    this.trainer = trainer;
    boolean fresh = !Files.exists(file) || Files.size(file) == 0;
    this.out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (fresh) {
      out.write(HEADER);
      out.write('\n');
    }
  }

  @Override
  public void onBatch(Trainer.Progress p) {
    try {
      TrainingRecord.Batch row =
          new TrainingRecord.Batch(
              p.epoch(),
              p.batch(),
              trainer.step(),
              p.loss(),
              p.accuracy(),
              trainer.optimizer().paramGroups().get(0).lr(),
              p.examplesPerSecond(),
              p.seconds());
      List<Number> values = row.values();
      for (int i = 0; i < values.size(); i++) {
        out.write(i == 0 ? "" : ",");
        out.write(String.valueOf(values.get(i)));
      }
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void onEpoch(Trainer.EpochResult r) {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}

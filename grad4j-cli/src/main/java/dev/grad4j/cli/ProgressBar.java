package dev.grad4j.cli;

import dev.grad4j.train.Trainer;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The training progress display. On a terminal, one line per epoch redrawn in place (with {@code
 * \r}, at most ten times a second); elsewhere (a file, a pipe, CI logs) a plain line at each
 * quarter of the epoch. Then one summary line per epoch.
 */
final class ProgressBar {
  private static final int WIDTH = 24;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private final int epochs;
  private final int batchSize;
  private long lastDraw;
  private int lastQuarter;
  private int lastEpoch;
  private int drawnLength;

  ProgressBar(PrintWriter out, boolean terminal, int epochs, int batchSize) {
    this.out = out;
    this.terminal = terminal;
    this.epochs = epochs;
    this.batchSize = batchSize;
  }

  void batch(Trainer.Progress p) {
    if (terminal) {
      long now = System.nanoTime();
      if (now - lastDraw < REDRAW_NANOS && p.batch() < p.batches()) {
        return;
      }
      lastDraw = now;
      String line = line(p);
      out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
      drawnLength = line.length();
      out.flush();
    } else {
      int quarter = 4 * p.batch() / p.batches();
      if (p.epoch() != lastEpoch) { // a new epoch, or a resumed one: count quarters from here
        lastEpoch = p.epoch();
        lastQuarter = 4 * (p.batch() - 1) / p.batches();
      }
      if (quarter > lastQuarter && p.batch() < p.batches()) {
        lastQuarter = quarter;
        out.println(line(p));
        out.flush();
      }
    }
  }

  void epoch(Trainer.EpochResult r) {
    clear();
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "epoch %d/%d  train loss %.4f acc %.2f%%",
            r.epoch(),
            epochs,
            r.trainLoss(),
            100 * r.trainAccuracy()));
    if (!Double.isNaN(r.testAccuracy())) {
      s.append(
          String.format(
              Locale.ROOT, "  test loss %.4f acc %.2f%%", r.testLoss(), 100 * r.testAccuracy()));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "  lr %s  %.1f s (%,.0f ex/s)",
            TrainCommand.shortNum(r.lr()),
            r.seconds(),
            r.examplesPerSecond()));
    out.println(s);
    out.flush();
  }

  /** Erases a half-drawn bar (terminal only). */
  void clear() {
    if (terminal && drawnLength > 0) {
      out.print("\r" + " ".repeat(drawnLength) + "\r");
      drawnLength = 0;
      out.flush();
    }
  }

  static String line(Trainer.Progress p, int epochs, int batchSize) {
    int filled = (int) ((long) WIDTH * p.batch() / p.batches());
    String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
    double rate = p.examplesPerSecond();
    String eta =
        rate > 0 ? duration((p.batches() - p.batch()) * (double) batchSize / rate) : "--:--";
    int digits = Integer.toString(p.batches()).length();
    return String.format(
        Locale.ROOT,
        "epoch %d/%d [%s] %" + digits + "d/%d  loss %.4f  acc %5.1f%%  %,6.0f ex/s  ETA %s",
        p.epoch(),
        epochs,
        bar,
        p.batch(),
        p.batches(),
        p.loss(),
        100 * p.accuracy(),
        rate,
        eta);
  }

  private String line(Trainer.Progress p) {
    return line(p, epochs, batchSize);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}

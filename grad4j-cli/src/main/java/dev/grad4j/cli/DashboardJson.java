package dev.grad4j.cli;

import dev.grad4j.io.Json;
import dev.grad4j.train.Trainer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The dashboard's {@code /api/state} answer: a {@link TrainingRecord} as JSON.
 *
 * <pre>{@code
 * {"title": "...", "status": "training|finished|stopped|failed", "failure": null,
 *  "facts": {"model": "mlp", ...}, "summary": "layer table", "epochs": 5, "batches_per_epoch": 125,
 *  "graph": "svg|dot|none", "attack": "attack.png" or null,
 *  "batch_count": 300, "since": 250,
 *  "batches": {"epoch": [...], "batch": [...], "step": [...], "loss": [...], "accuracy": [...],
 *              "lr": [...], "examples_per_second": [...], "seconds": [...]},
 *  "epoch_results": [ the lines of metrics.jsonl ]}
 * }</pre>
 *
 * <p>{@code batches} holds the rows from {@code since} on, so a page that polls sends only what it
 * has not seen; non-finite numbers are {@code null}.
 */
final class DashboardJson {
  private DashboardJson() {}

  /** What the page should show besides the record: how the graph is drawn, the attack picture. */
  record Extras(String graph, String attack) {}

  /** The state of {@code record} with the batch rows from {@code since} on. */
  static String state(TrainingRecord record, int since, Extras extras) {
    int count = record.batchCount();
    int from = Math.clamp(since, 0, count);
    List<TrainingRecord.Batch> rows = record.batches(from, count);
    StringBuilder s = new StringBuilder(256 + rows.size() * 120);
    s.append("{\"title\":");
    Json.writeString(s, record.title(), "title");
    s.append(",\"status\":");
    Json.writeString(s, record.status().name().toLowerCase(Locale.ROOT), "status");
    s.append(",\"failure\":");
    string(s, record.failure());
    s.append(",\"facts\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : record.facts().entrySet()) {
      if (!first) {
        s.append(',');
      }
      first = false;
      Json.writeString(s, e.getKey(), "fact name");
      s.append(':');
      Json.writeString(s, e.getValue(), "fact");
    }
    s.append("},\"summary\":");
    string(s, record.summary());
    s.append(",\"epochs\":").append(record.epochs());
    s.append(",\"batches_per_epoch\":").append(record.batchesPerEpoch());
    s.append(",\"graph\":");
    string(s, extras.graph());
    s.append(",\"attack\":");
    string(s, extras.attack());
    s.append(",\"batch_count\":").append(count);
    s.append(",\"since\":").append(from);
    s.append(",\"batches\":{");
    List<List<Number>> values = rows.stream().map(TrainingRecord.Batch::values).toList();
    for (int c = 0; c < TrainingRecord.Batch.COLUMNS.size(); c++) {
      if (c > 0) {
        s.append(',');
      }
      column(s, c, values);
    }
    s.append("},\"epoch_results\":[");
    List<Trainer.EpochResult> epochs = record.epochResults();
    for (int i = 0; i < epochs.size(); i++) {
      if (i > 0) {
        s.append(',');
      }
      s.append(TrainCommand.metricsLine(epochs.get(i)));
    }
    return s.append("]}").toString();
  }

  private static void string(StringBuilder s, String value) {
    if (value == null) {
      s.append("null");
    } else {
      Json.writeString(s, value, "text");
    }
  }

  /** Column {@code c} of the rows as {@code "name":[v, ...]}, non-finite values as null. */
  private static void column(StringBuilder s, int c, List<List<Number>> rows) {
    s.append('"').append(TrainingRecord.Batch.COLUMNS.get(c)).append("\":[");
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0) {
        s.append(',');
      }
      Number v = rows.get(i).get(c);
      s.append(v instanceof Double d ? TrainCommand.json(d) : v.toString());
    }
    s.append(']');
  }
}

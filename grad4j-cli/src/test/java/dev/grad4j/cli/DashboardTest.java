package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.io.Json;
import dev.grad4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The dashboard without a browser: its JSON, its server, train --dashboard and run directories. */
class DashboardTest {
  @TempDir Path tmp;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static TrainingRecord record() {
    TrainingRecord r =
        new TrainingRecord(
            "mlp on \"digits\"",
            Map.of("model", "mlp"),
            () -> "Layer  Output\n0 Linear [64, 10]\n",
            3,
            2);
    r.addBatch(1, 1, 1, 2.0, 0.25, 0.1, 1000, 0.5);
    r.addBatch(1, 2, 2, 1.5, 0.5, 0.1, 1100, 1.0);
    r.addEpoch(new Trainer.EpochResult(1, 2, 1.5, 0.5, 1.25, 0.6, 0.1, 1.2, 1100));
    r.addBatch(2, 1, 3, Double.NaN, 0.75, 0.05, 1200, 0.4);
    return r;
  }

  private static Map<?, ?> parse(String json) throws Json.ParseException {
    return (Map<?, ?>) Json.parseValue(json);
  }

  private static HttpResponse<String> get(URI base, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  // ---------------------------------------------------------------- JSON

  @Test
  void stateHoldsTheRunTheBatchRowsSinceAndTheEpochs() throws Exception {
    TrainingRecord r = record();
    Map<?, ?> s = parse(DashboardJson.state(r, 0, new DashboardJson.Extras("svg", null)));
    assertEquals("mlp on \"digits\"", s.get("title"));
    assertEquals("training", s.get("status"));
    assertEquals(Map.of("model", "mlp"), s.get("facts"));
    assertEquals("Layer  Output\n0 Linear [64, 10]\n", s.get("summary"));
    assertEquals(3L, s.get("epochs"));
    assertEquals(2L, s.get("batches_per_epoch"));
    assertEquals("svg", s.get("graph"));
    assertNull(s.get("attack"));
    assertEquals(3L, s.get("batch_count"));
    Map<?, ?> b = (Map<?, ?>) s.get("batches");
    assertEquals(List.of(1L, 1L, 2L), b.get("epoch"));
    assertEquals(List.of(1L, 2L, 1L), b.get("batch"));
    assertEquals(List.of(1L, 2L, 3L), b.get("step"));
    assertEquals(java.util.Arrays.asList(2L, 1.5, null), b.get("loss"), "NaN is null");
    assertEquals(List.of(0.25, 0.5, 0.75), b.get("accuracy"));
    assertEquals(List.of(0.1, 0.1, 0.05), b.get("lr"));
    List<?> epochs = (List<?>) s.get("epoch_results");
    assertEquals(1, epochs.size());
    Map<?, ?> e = (Map<?, ?>) epochs.getFirst();
    assertEquals(0.6, e.get("test_accuracy"));
    assertEquals(1.25, e.get("test_loss"));

    Map<?, ?> later = parse(DashboardJson.state(r, 2, new DashboardJson.Extras("dot", "a.png")));
    assertEquals(2L, later.get("since"));
    assertEquals(List.of(3L), ((Map<?, ?>) later.get("batches")).get("step"));
    assertEquals("a.png", later.get("attack"));
    Map<?, ?> beyond = parse(DashboardJson.state(r, 99, new DashboardJson.Extras("none", null)));
    assertEquals(3L, beyond.get("since"), "a since past the end is clamped");
    assertEquals(List.of(), ((Map<?, ?>) beyond.get("batches")).get("step"));

    r.fail("the loss is NaN at step 3");
    Map<?, ?> failed = parse(DashboardJson.state(r, 0, new DashboardJson.Extras("none", null)));
    assertEquals("failed", failed.get("status"));
    assertEquals("the loss is NaN at step 3", failed.get("failure"));
  }

  @Test
  void recordGrowsPastItsFirstCapacityAndKeepsEveryRow() {
    TrainingRecord r = new TrainingRecord("t", Map.of(), null, 1, 5000);
    for (int i = 1; i <= 5000; i++) {
      r.addBatch(1, i, i, 1.0 / i, 0, 0.1, 10, i);
    }
    assertEquals(5000, r.batchCount());
    List<TrainingRecord.Batch> rows = r.batches(0, 5000);
    for (int i = 0; i < 5000; i++) {
      assertEquals(i + 1, rows.get(i).step());
      assertEquals(1.0 / (i + 1), rows.get(i).loss());
    }
  }

  @Test
  void sinceParameterIsValidated() {
    assertEquals(0, DashboardServer.since(null));
    assertEquals(7, DashboardServer.since("x=1&since=7"));
    assertEquals(
        "since must be a row number (0 or more), got '-1'",
        assertThrows(IllegalArgumentException.class, () -> DashboardServer.since("since=-1"))
            .getMessage());
  }

  // ---------------------------------------------------------------- the server

  @Test
  void servesThePageStateAndPicturesOnLoopbackWith404sForTheRest() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    GraphPicture graph = new GraphPicture("digraph g { a -> b }", null);
    try (DashboardServer server = DashboardServer.start(record(), graph, run, 0)) {
      assertTrue(server.address().isLoopbackAddress(), server.address().toString());
      assertTrue(server.port() > 0);
      URI base = server.uri();
      assertEquals("127.0.0.1", base.getHost());

      HttpResponse<String> page = get(base, "/");
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<canvas id=\"chart-loss\">"), page.body());
      assertTrue(page.body().contains("src=\"/dashboard.js\""));
      assertTrue(
          page.headers().firstValue("Content-Security-Policy").orElse("").contains("'self'"));
      assertTrue(!page.body().contains("http://") && !page.body().contains("https://"));
      HttpResponse<String> js = get(base, "/dashboard.js");
      assertEquals(200, js.statusCode());
      assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
      assertTrue(js.body().contains("grad4jDashboard"));
      assertTrue(!js.body().contains("http://") && !js.body().contains("https://"), "no CDN");
      assertEquals(200, get(base, "/dashboard.css").statusCode());

      HttpResponse<String> state = get(base, "/api/state?since=1");
      assertEquals(200, state.statusCode());
      assertTrue(
          state.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      Map<?, ?> s = parse(state.body());
      assertEquals(1L, s.get("since"));
      assertEquals("dot", s.get("graph"));
      assertEquals(400, get(base, "/api/state?since=x").statusCode());

      HttpResponse<String> svg = get(base, "/graph.svg");
      assertEquals(404, svg.statusCode());
      assertTrue(svg.body().contains("Graphviz's 'dot' is not on the PATH"), svg.body());
      assertEquals("digraph g { a -> b }", get(base, "/graph.dot").body());

      HttpResponse<String> noAttack = get(base, "/attack.png");
      assertEquals(404, noAttack.statusCode());
      assertTrue(noAttack.body().contains("grad4j attack --model " + run), noAttack.body());
      byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
      Files.createDirectories(run.resolve("attack"));
      Files.write(run.resolve("attack").resolve("attack.png"), png);
      HttpResponse<byte[]> attack =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve("/attack.png")).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, attack.statusCode());
      assertArrayEquals(png, attack.body());
      assertEquals(
          "attack" + java.io.File.separator + "attack.png",
          parse(get(base, "/api/state").body()).get("attack"));

      HttpResponse<String> missing = get(base, "/secret/../../etc/passwd");
      assertEquals(404, missing.statusCode());
      HttpResponse<String> post =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve("/api/state"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
    }
  }

  @Test
  void takenPortIsAnErrorWhenGivenAndFallsBackToAFreeOneByDefault() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      IOException e =
          assertThrows(
              IOException.class,
              () -> DashboardServer.start(record(), null, null, taken.getLocalPort()));
      assertTrue(e.getMessage().contains("port " + taken.getLocalPort()), e.getMessage());
      assertTrue(e.getMessage().contains("--port 0"), e.getMessage());
    }
    ServerSocket holder = null;
    try {
      holder = new ServerSocket(DashboardServer.DEFAULT_PORT, 1, loopback);
    } catch (BindException e) {
      // something else holds the default port already: the fallback is tested all the same
    }
    try (DashboardServer server = DashboardServer.start(record(), null, null, null)) {
      assertNotEquals(DashboardServer.DEFAULT_PORT, server.port());
      assertEquals(200, get(server.uri(), "/api/state").statusCode());
    } finally {
      if (holder != null) {
        holder.close();
      }
    }
    assertThrows(
        IllegalArgumentException.class, () -> DashboardServer.start(record(), null, null, 70000));
  }

  @Test
  void portOptionsAreChecked() {
    for (String[] args :
        new String[][] {
          {"train", "--port", "7000"},
          {"train", "--dashboard", "--port", "70000"},
          {"dashboard", ".", "--port", "-1"}
        }) {
      var out = new StringWriter();
      var err = new StringWriter();
      int code =
          Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err))
              .execute(args);
      assertEquals(2, code, String.join(" ", args) + ": " + err);
      assertTrue(err.toString().contains("--port"), err.toString());
    }
  }

  // ---------------------------------------------------------------- train --dashboard

  /** Runs a command in its own thread; the dashboard it starts is handed to {@code started}. */
  static Thread runInBackground(
      CommandLine cl, String[] args, CompletableFuture<Integer> exit, StringWriter out) {
    Thread t =
        new Thread(
            () -> {
              try {
                exit.complete(cl.execute(args));
              } catch (Throwable e) {
                exit.completeExceptionally(e);
              }
            },
            "grad4j-command");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void trainWithDashboardServesTheRunAndWritesBatchesCsv() throws Exception {
    Path data = TrainCommandTest.idx(tmp.resolve("data"), 64, 30, -1);
    Path run = tmp.resolve("run");
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    TrainCommand train = (TrainCommand) cl.getSubcommands().get("train").getCommand();
    CompletableFuture<LiveDashboard> started = new CompletableFuture<>();
    train.dashboardStarted = started::complete;
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    String[] args = {
      "train",
      "--data",
      data.toString(),
      "--epochs",
      "2",
      "--batch-size",
      "16",
      "--threads",
      "1",
      "--dashboard",
      "--port",
      "0",
      "--out",
      run.resolve("model.safetensors").toString()
    };
    runInBackground(cl, args, exit, out);
    LiveDashboard live = started.get(60, TimeUnit.SECONDS);
    for (int i = 0; i < 600 && live.record().status() == TrainingRecord.Status.TRAINING; i++) {
      Thread.sleep(100);
    }
    assertEquals(TrainingRecord.Status.FINISHED, live.record().status());
    Map<?, ?> s = parse(get(live.uri(), "/api/state").body());
    assertEquals("finished", s.get("status"));
    assertEquals(8L, s.get("batch_count"), "2 epochs of 4 batches");
    assertEquals(2, ((List<?>) s.get("epoch_results")).size());
    assertEquals("mlp", ((Map<?, ?>) s.get("facts")).get("model"));
    assertTrue(((String) s.get("summary")).contains("Linear"));
    live.close();
    assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
    assertTrue(out.toString().contains("Dashboard: http://127.0.0.1:"), out.toString());
    assertTrue(out.toString().contains("keeps serving the finished run"), out.toString());

    List<String> csv = Files.readAllLines(run.resolve(BatchLog.FILE));
    assertEquals(BatchLog.HEADER, csv.getFirst());
    assertEquals(9, csv.size(), "header and 8 batches");
    assertTrue(csv.get(8).startsWith("2,4,8,"), csv.get(8));
  }

  @Test
  void resumedRunWithDashboardShowsTheRunSoFar() throws Exception {
    Path data = TrainCommandTest.idx(tmp.resolve("data"), 64, 30, -1);
    Path run = tmp.resolve("run");
    var out = new StringWriter();
    var err = new StringWriter();
    String model = run.resolve("model.safetensors").toString();
    int first =
        Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err))
            .execute(
                "train",
                "--data",
                data.toString(),
                "--epochs",
                "1",
                "--batch-size",
                "16",
                "--threads",
                "1",
                "--out",
                model);
    assertEquals(0, first, err.toString());

    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    TrainCommand train = (TrainCommand) cl.getSubcommands().get("train").getCommand();
    CompletableFuture<Integer> atStart = new CompletableFuture<>();
    CompletableFuture<LiveDashboard> started = new CompletableFuture<>();
    train.dashboardStarted =
        live -> {
          atStart.complete(live.record().batchCount() * 10 + live.record().epochResults().size());
          started.complete(live);
        };
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    String[] args = {
      "train",
      "--resume",
      run.resolve("checkpoint.safetensors").toString(),
      "--epochs",
      "2",
      "--dashboard",
      "--port",
      "0"
    };
    runInBackground(cl, args, exit, out);
    LiveDashboard live = started.get(60, TimeUnit.SECONDS);
    assertEquals(41, atStart.get(), "4 batches and 1 epoch from the first run");
    for (int i = 0; i < 600 && live.record().status() == TrainingRecord.Status.TRAINING; i++) {
      Thread.sleep(100);
    }
    assertEquals(8, live.record().batchCount());
    assertEquals(List.of(1, 2), live.record().epochResults().stream().map(e -> e.epoch()).toList());
    live.close();
    assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
  }

  // ---------------------------------------------------------------- finished runs

  private Path trainedRun() throws Exception {
    Path data = TrainCommandTest.idx(tmp.resolve("data"), 64, 30, -1);
    Path run = tmp.resolve("run");
    var out = new StringWriter();
    var err = new StringWriter();
    int code =
        Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err))
            .execute(
                "train",
                "--data",
                data.toString(),
                "--epochs",
                "2",
                "--batch-size",
                "16",
                "--threads",
                "1",
                "--out",
                run.resolve("model.safetensors").toString());
    assertEquals(0, code, err.toString());
    return run;
  }

  @Test
  void runDirectoryReadsAFinishedRunBackAsItWasTrained() throws Exception {
    Path run = trainedRun();
    RunDirectory dir = RunDirectory.load(run);
    TrainingRecord r = dir.record();
    assertEquals(TrainingRecord.Status.FINISHED, r.status());
    assertEquals(8, r.batchCount());
    assertEquals(4, r.batchesPerEpoch());
    assertEquals(2, r.epochs());
    assertEquals("mlp on " + run.getParent().resolve("data"), r.title().replace(" (run run)", ""));
    assertEquals("mlp", r.facts().get("model"));
    assertEquals("16", r.facts().get("batch_size"));
    assertTrue(r.summary().contains("Total params: 669,706"), r.summary());
    List<Trainer.EpochResult> epochs = r.epochResults();
    assertEquals(2, epochs.size());
    assertEquals(RunDirectory.readMetrics(run.resolve("metrics.jsonl")), epochs);
    TrainingRecord.Batch last = r.batches(7, 8).getFirst();
    assertEquals(2, last.epoch());
    assertEquals(4, last.batch());
    assertEquals(8, last.step());
    assertEquals(epochs.get(1).trainLoss(), last.loss(), 1e-12, "the epoch's running mean");
    assertNotNull(dir.graph());
    assertTrue(dir.graph().dotText().startsWith("digraph"));

    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    DashboardCommand cmd = (DashboardCommand) cl.getSubcommands().get("dashboard").getCommand();
    CompletableFuture<DashboardServer> started = new CompletableFuture<>();
    cmd.started = started::complete;
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    runInBackground(cl, new String[] {"dashboard", run.toString(), "--port", "0"}, exit, out);
    DashboardServer server = started.get(60, TimeUnit.SECONDS);
    Map<?, ?> s = parse(get(server.uri(), "/api/state").body());
    assertEquals("finished", s.get("status"));
    assertEquals(8L, s.get("batch_count"));
    server.close();
    assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
    assertTrue(out.toString().contains("(2 epochs, 8 batches)"), out.toString());
  }

  @Test
  void corruptOrMissingRunFilesGiveErrorsNamingFileAndLine() throws Exception {
    Path run = trainedRun();
    Path metrics = run.resolve("metrics.jsonl");
    Path batches = run.resolve(BatchLog.FILE);
    List<String> good = Files.readAllLines(metrics);

    Files.writeString(metrics, good.getFirst() + "\n{\"epoch\":2,\"step\":8,\n");
    assertEquals(
        "metrics.jsonl line 2: malformed JSON at character 20: expected a string key, found end"
            + " of input",
        loadError(run));
    Files.writeString(metrics, "{\"epoch\":1}\n");
    assertEquals("metrics.jsonl line 1: no \"step\"", loadError(run));
    Files.writeString(metrics, "[1,2]\n");
    assertEquals("metrics.jsonl line 1: expected a JSON object, one per line", loadError(run));
    Files.writeString(metrics, String.join("\n", good) + "\n");

    List<String> rows = Files.readAllLines(batches);
    Files.writeString(batches, "step,loss\n");
    assertEquals(
        "batches.csv line 1: expected the header '" + BatchLog.HEADER + "', found 'step,loss'",
        loadError(run));
    Files.writeString(batches, rows.get(0) + "\n" + rows.get(1) + "\n1,2,3\n");
    assertEquals("batches.csv line 3: expected 8 comma-separated fields, found 3", loadError(run));
    Files.writeString(batches, rows.get(0) + "\n1,2,3,x,0,0,0,0\n");
    assertTrue(loadError(run).startsWith("batches.csv line 2: not a number: "), loadError(run));

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertTrue(loadError(empty).contains("holds neither metrics.jsonl nor batches.csv"));
    assertTrue(loadError(tmp.resolve("nowhere")).contains("is not a directory"));

    var out = new StringWriter();
    var err = new StringWriter();
    int code =
        Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err))
            .execute("dashboard", tmp.resolve("nowhere").toString());
    assertEquals(2, code);
    assertTrue(err.toString().contains("is not a directory"), err.toString());
    code =
        Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err))
            .execute("dashboard", run.toString(), "--port", "0");
    assertEquals(1, code);
    assertTrue(err.toString().contains("grad4j: batches.csv line 2: not a number"), err.toString());
  }

  private static String loadError(Path dir) {
    return assertThrows(IllegalArgumentException.class, () -> RunDirectory.load(dir)).getMessage();
  }
}

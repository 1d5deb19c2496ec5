package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * End to end: {@code grad4j train --dashboard} on a short run, the page open in headless Chromium,
 * and the curves growing while training runs.
 *
 * <p>Skipped when Chromium is not installed (Debian: apt-get install chromium), unless the
 * environment sets {@code GRAD4J_REQUIRE_BROWSER=1} (CI does once it has installed it): then a
 * missing browser fails the test. {@code GRAD4J_DASHBOARD_SCREENSHOT=FILE} saves the mid-training
 * screenshot there too.
 */
class DashboardBrowserTest {
  @TempDir Path tmp;

  private static final int EPOCHS = 3;
  private static final int BATCHES_PER_EPOCH = 16; // 256 images in batches of 16

  @Test
  void curvesGrowWhileTrainingRunsAndTheFinishedRunIsShownWhole() throws Exception {
    Path chromium = HeadlessChromium.find();
    if ("1".equals(System.getenv("GRAD4J_REQUIRE_BROWSER"))) {
      assertNotNull(
          chromium, "GRAD4J_REQUIRE_BROWSER=1 but no chromium (/usr/bin/chromium or on the PATH)");
    }
    assumeTrue(
        chromium != null,
        "chromium is not installed (Debian: apt-get install chromium); skipping the browser test");

    Path data = TrainCommandTest.idx(tmp.resolve("data"), 256, 40, -1);
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    TrainCommand train = (TrainCommand) cl.getSubcommands().get("train").getCommand();
    CompletableFuture<LiveDashboard> started = new CompletableFuture<>();
    CompletableFuture<Void> go = new CompletableFuture<>();
    train.dashboardStarted = started::complete;
    // Slow the tiny run down so that the page, polling once a second, sees it under way; hold the
    // first batch until the page has loaded.
    train.afterBatch =
        (t, p) -> {
          try {
            go.get(120, TimeUnit.SECONDS);
            Thread.sleep(60);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    String[] args = {
      "train",
      "--data",
      data.toString(),
      "--epochs",
      Integer.toString(EPOCHS),
      "--batch-size",
      "16",
      "--threads",
      "1",
      "--dashboard",
      "--port",
      "0",
      "--out",
      tmp.resolve("run/model.safetensors").toString()
    };
    DashboardTest.runInBackground(cl, args, exit, out);
    LiveDashboard live = started.get(60, TimeUnit.SECONDS);
    try (HeadlessChromium browser =
        HeadlessChromium.launch(chromium, tmp.resolve("chromium"), 1400, 1000)) {
      browser.navigate(live.uri());
      waitFor(browser, "window.grad4jDashboard.polls > 0", 30);
      go.complete(null);

      List<Long> seen = new ArrayList<>();
      byte[] screenshot = null;
      int total = EPOCHS * BATCHES_PER_EPOCH;
      while (live.record().status() == TrainingRecord.Status.TRAINING) {
        long points = ((Number) browser.evaluate("window.grad4jDashboard.points")).longValue();
        if (seen.isEmpty() || points != seen.getLast()) {
          seen.add(points);
        }
        if (screenshot == null && points >= total / 2) {
          screenshot = browser.screenshot(1400);
        }
        Thread.sleep(250);
      }
      assertEquals(TrainingRecord.Status.FINISHED, live.record().status(), err.toString());
      long growing = seen.stream().filter(n -> n > 0 && n < total).count();
      assertTrue(
          growing >= 3,
          "the page should show the curves growing while training runs; points seen: " + seen);
      for (int i = 1; i < seen.size(); i++) {
        assertTrue(seen.get(i) > seen.get(i - 1), "points only grow: " + seen);
      }

      waitFor(browser, "window.grad4jDashboard.status === 'finished'", 30);
      assertEquals(
          (long) total, ((Number) browser.evaluate("window.grad4jDashboard.points")).longValue());
      assertEquals(Integer.toString(EPOCHS), browser.evaluate("document.body.dataset.epochs"));
      assertEquals(
          (long) EPOCHS,
          ((Number) browser.evaluate("document.querySelectorAll('#epochs tbody tr').length"))
              .longValue());
      assertEquals(
          "mlp on " + data, browser.evaluate("document.getElementById('title').textContent"));
      assertEquals(0L, ((Number) browser.evaluate("window.grad4jDashboard.errors")).longValue());

      assertNotNull(screenshot, "no screenshot was taken mid-training");
      assertTrue(screenshot.length > 10_000, "a screenshot of a drawn page, not a blank one");
      assertEquals((byte) 0x89, screenshot[0]);
      assertEquals('P', screenshot[1]);
      Files.write(tmp.resolve("mid-training.png"), screenshot);
      String keep = System.getenv("GRAD4J_DASHBOARD_SCREENSHOT");
      if (keep != null && !keep.isBlank()) {
        Files.write(Path.of(keep), screenshot);
      }
    } finally {
      go.complete(null);
      live.close();
    }
    assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
  }

  private static void waitFor(HeadlessChromium browser, String condition, int seconds)
      throws Exception {
    for (int i = 0; i < seconds * 10; i++) {
      if (Boolean.TRUE.equals(browser.evaluate("!!(" + condition + ")"))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the page never met: " + condition);
  }
}

package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.io.StateDicts;
import dev.grad4j.train.Models;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** grad4j graph, explain --jacobians, explain --optimizers. */
class VisualCommandsTest {
  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code =
        Grad4j.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void graphWritesTheMlpStepAndDrawsItWhenGraphvizIsThere(@TempDir Path dir) throws Exception {
    Path dot = dir.resolve("pics/mlp.dot");
    Run r = run("graph", "--model", "mlp", "--out", dot.toString());
    assertEquals(0, r.exitCode(), r.err());
    // 17 ops, 6 parameters, 2 inputs, 24 edges: counted in GraphDotTest.
    assertTrue(
        r.out().contains("17 ops, 6 parameters, 2 inputs without gradient, 24 edges"), r.out());
    String text = Files.readString(dot);
    assertEquals(24, text.lines().filter(l -> l.contains(" -> ")).count());
    assertTrue(text.contains("1.weight"), text);
    if (GraphCommand.findOnPath("dot") != null) {
      assertTrue(r.out().contains("Drew "), r.out());
      assertTrue(Files.readString(dir.resolve("pics/mlp.svg")).contains("<svg"));
      BufferedImage png = ImageIO.read(dir.resolve("pics/mlp.png").toFile());
      assertTrue(png.getWidth() > 100, "png width " + png.getWidth());
    } else {
      assertTrue(r.out().contains("'dot' is not on the PATH"), r.out());
      assertFalse(Files.exists(dir.resolve("pics/mlp.svg")));
    }
  }

  @Test
  void graphReadsASavedModelFile(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model.safetensors");
    StateDicts.save(
        Models.cnn(new Generator(3)).stateDict(), Map.of("format", "pt", "model", "cnn"), model);
    Path dot = dir.resolve("cnn.dot");
    Run r = run("graph", "--model", model.toString(), "--out", dot.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("8 parameters"), r.out());
    assertTrue(Files.readString(dot).contains("cnn from model.safetensors"));
  }

  @Test
  void graphRejectsAnUnknownModel() {
    Run r = run("graph", "--model", "no-such-model");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--model must be one of mlp, cnn"), r.err());
  }

  @Test
  void jacobianTableForTheMlp() {
    Run r = run("explain", "--jacobians", "--model", "mlp");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().map(String::strip).toList();
    assertTrue(
        lines.contains(
            "2  [512, 784]             [64, 512, 64, 784]        [512, 512, 784]      "
                + "[64, 512, 512, 784]  52.6 GB"),
        r.out());
    assertTrue(
        lines.contains(
            "6  [10, 512]              [64, 10, 64, 512]         [10, 10, 512]        "
                + "[64, 10, 10, 512]    13.1 MB"),
        r.out());
    assertTrue(r.out().contains("1.weight [512, 784], 1.bias [512]"), r.out());
    assertTrue(r.out().contains("vector-Jacobian product"), r.out());
    assertTrue(r.out().contains("block-sparse"), r.out());
  }

  @Test
  void jacobianTableForTheCnnInAscii() {
    Run r = run("explain", "--jacobians", "--model", "cnn", "--batch-size", "8", "--ascii");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("[32, 26, 26, 1, 28, 28]"), r.out());
    assertTrue(r.out().contains("[8, 64, 11, 11, 64, 32, 3, 3]"), r.out());
    assertTrue(r.out().contains("da[l]/dW[l]"), r.out());
    assertFalse(r.out().contains("∂"), r.out());
  }

  @Test
  void optimizerPlotIsAPngAndMomentumWins(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("opt.png");
    Run r = run("explain", "--optimizers", "--out", png.toString());
    assertEquals(0, r.exitCode(), r.err());
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(900, img.getWidth());
    assertEquals(560, img.getHeight());
    List<OptimizerPlot.Trajectory> paths = OptimizerPlot.run();
    assertEquals(4, paths.size());
    for (OptimizerPlot.Trajectory t : paths) {
      assertEquals(OptimizerPlot.STEPS + 1, t.points().size());
      assertTrue(t.finalLoss() < OptimizerPlot.f(-4.5, 1.4), t.label() + " went downhill");
    }
    // The lecture's point: on an ill-conditioned valley momentum beats plain SGD.
    assertTrue(paths.get(1).finalLoss() < paths.get(0).finalLoss() / 100, r.out());
    assertTrue(paths.get(2).finalLoss() < paths.get(0).finalLoss(), r.out());
  }

  @Test
  void jacobiansAndOptimizersAreExclusive() {
    Run r = run("explain", "--jacobians", "--optimizers");
    assertEquals(2, r.exitCode());
  }
}

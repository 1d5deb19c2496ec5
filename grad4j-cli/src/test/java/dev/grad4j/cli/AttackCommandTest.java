package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.io.StateDicts;
import dev.grad4j.nn.Sequential;
import dev.grad4j.train.Models;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** grad4j attack, saliency and visualize on an untrained MLP and tiny synthetic IDX data. */
class AttackCommandTest {
  @TempDir static Path tmp;
  static Path model;
  static Path data;

  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeAll
  static void files() throws IOException {
    data = TrainCommandTest.idx(tmp.resolve("data"), 10, 12, -1);
    Sequential mlp = Models.mlp(new Generator(3));
    Map<String, String> meta = new LinkedHashMap<>(StateDicts.MODULE_METADATA);
    meta.put("model", "mlp");
    model = tmp.resolve("mlp.safetensors");
    StateDicts.save(mlp.stateDict(), meta, model);
  }

  @Test
  void attackPrintsTheTableAndDrawsTheGrid() throws IOException {
    Path out = tmp.resolve("attack");
    Run r =
        run(
            "attack",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--method",
            "pgd",
            "--steps",
            "2",
            "--eps",
            "0.1,0.3",
            "--examples",
            "2",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("PGD-2 (L-inf, untargeted)"), r.out());
    assertTrue(r.out().contains("clean acc  robust acc"), r.out());
    Matcher m = Pattern.compile("(?m)^\\s+0\\.3000\\s+([0-9.]+)%\\s+([0-9.]+)%").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(Double.parseDouble(m.group(2)) <= Double.parseDouble(m.group(1)));
    BufferedImage img = ImageIO.read(out.resolve("attack.png").toFile());
    // title 20 px, then 2 rows of (112 px image + 14 px caption + 6 px gap) after a 6 px pad
    assertEquals(20 + 6 + 2 * (112 + 14 + 6), img.getHeight());
    int cw = (img.getWidth() - 6) / 5 - 6; // 5 columns: original, then delta and adv per eps
    assertTrue(cw >= 112, "cell width " + cw);
    // the original's pixels are the data's: synthetic class 0 has a bright band in rows 4..6
    int x0 = 6 + (cw - 112) / 2;
    int y0 = 26;
    assertTrue(gray(img, x0 + 50, y0 + 5 * 4 + 1) >= 200, "band pixel");
    assertTrue(gray(img, x0 + 50, y0 + 20 * 4 + 1) < 45, "background pixel");
  }

  private static int gray(BufferedImage img, int x, int y) {
    int rgb = img.getRGB(x, y);
    int r = (rgb >> 16) & 255;
    assertEquals(r, rgb & 255, "not grey at " + x + "," + y);
    return r;
  }

  @Test
  void targetedFgsmAndBadOptions() {
    Run r =
        run(
            "attack",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--targeted",
            "4",
            "--eps",
            "0.2",
            "--examples",
            "0",
            "--norm",
            "l2");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("targeted at class 4") && r.out().contains("target reached"));
    assertEquals(2, run("attack", "--model", model.toString(), "--method", "cw").exitCode());
    Run missing = run("attack", "--model", tmp.resolve("nope").toString(), "--data", "digits");
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().startsWith("grad4j: "), missing.err());
  }

  @Test
  void saliencyDrawsHeatMaps() throws IOException {
    Path out = tmp.resolve("sal");
    Run r =
        run(
            "saliency",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--examples",
            "2",
            "--samples",
            "2",
            "--ig-steps",
            "4",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    BufferedImage img = ImageIO.read(out.resolve("saliency.png").toFile());
    assertEquals(20 + 6 + 2 * (112 + 14 + 6), img.getHeight());
    // heat maps are coloured (red before yellow): some pixel has red > blue
    boolean coloured = false;
    for (int y = 0; y < img.getHeight() && !coloured; y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        if (((rgb >> 16) & 255) > (rgb & 255) + 50) {
          coloured = true;
          break;
        }
      }
    }
    assertTrue(coloured);
  }

  @Test
  void visualizeRaisesTheClassLogit() throws IOException {
    Path out = tmp.resolve("vis");
    Run r =
        run(
            "visualize",
            "--model",
            model.toString(),
            "--class",
            "3,7",
            "--steps",
            "8",
            "--l2",
            "0",
            "--tv",
            "0",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    Matcher m =
        Pattern.compile("class (\\d): activation (-?[0-9.]+) -> (-?[0-9.]+)").matcher(r.out());
    int found = 0;
    while (m.find()) {
      found++;
      assertTrue(Double.parseDouble(m.group(3)) > Double.parseDouble(m.group(2)), r.out());
    }
    assertEquals(2, found, r.out());
    BufferedImage img = ImageIO.read(out.resolve("visualize.png").toFile());
    assertEquals(20 + 6 + (112 + 14 + 6), img.getHeight());
    Run bad = run("visualize", "--model", model.toString(), "--layer", "99");
    assertEquals(2, bad.exitCode(), bad.err());
  }
}

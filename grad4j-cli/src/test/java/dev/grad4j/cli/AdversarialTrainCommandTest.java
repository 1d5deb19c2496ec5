package dev.grad4j.cli;

import static dev.grad4j.cli.TrainCommandTest.assertOneLineError;
import static dev.grad4j.cli.TrainCommandTest.concat;
import static dev.grad4j.cli.TrainCommandTest.lossOf;
import static dev.grad4j.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import dev.grad4j.attack.Norm;
import dev.grad4j.io.SafeTensors;
import dev.grad4j.train.AdversarialTraining;
import dev.grad4j.train.Checkpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** grad4j train --adversarial: options, recorded settings, exact resume, and the notes. */
class AdversarialTrainCommandTest {
  @TempDir Path tmp;

  private Path data() throws IOException {
    return TrainCommandTest.idx(tmp.resolve("data"), 64, 30, -1);
  }

  private static AdversarialOptions parse(String... args) {
    var cl =
        Grad4j.commandLine(
            new Grad4j(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    cl.parseArgs(concat(new String[] {"train"}, args));
    return ((TrainCommand) cl.getSubcommands().get("train").getCommand()).adversarial;
  }

  @Test
  void optionsParseIntoTheAttack() {
    AdversarialOptions none = parse();
    assertFalse(none.enabled());
    assertNull(none.create(0));

    AdversarialOptions pgd = parse("--adversarial", "PGD", "--eps", "0.1");
    pgd.validate(null);
    AdversarialTraining t = pgd.create(7);
    assertEquals(0.1, t.attack().eps());
    assertEquals(5, t.attack().steps());
    assertEquals(2.5 * 0.1 / 5, t.attack().stepSize());
    assertEquals(Norm.LINF, t.attack().norm());
    assertTrue(t.attack().randomStart());
    assertEquals(1.0, t.fraction());

    AdversarialOptions custom =
        parse(
            "--adversarial",
            "pgd",
            "--eps",
            "0.5",
            "--adv-steps",
            "7",
            "--adv-step-size",
            "0.2",
            "--adv-norm",
            "L2",
            "--no-adv-random-start",
            "--adv-fraction",
            "0.5");
    custom.validate(null);
    t = custom.create(7);
    assertEquals(7, t.attack().steps());
    assertEquals(0.2, t.attack().stepSize());
    assertEquals(Norm.L2, t.attack().norm());
    assertFalse(t.attack().randomStart());
    assertEquals(0.5, t.fraction());

    AdversarialOptions fgsm = parse("--adversarial", "fgsm", "--eps", "0.1");
    fgsm.validate(null);
    t = fgsm.create(7);
    assertEquals(1, t.attack().steps());
    assertEquals(0.1, t.attack().stepSize());
    assertFalse(t.attack().randomStart());
    assertEquals("fgsm, eps 0.1, L-inf", t.toString());

    AdversarialOptions fgsmRs =
        parse("--adversarial", "fgsm", "--eps", "0.1", "--adv-random-start");
    fgsmRs.validate(null);
    assertTrue(fgsmRs.create(7).attack().randomStart());
  }

  @Test
  void badValuesAreUsageErrors() {
    String[][] cases = {
      {"--eps 0.1", "--eps needs --adversarial fgsm|pgd"},
      {"--adv-fraction 0.5", "--adv-fraction needs --adversarial"},
      {"--adversarial pgd", "--adversarial pgd needs --eps"},
      {"--adversarial cw --eps 0.1", "--adversarial must be fgsm or pgd, got cw"},
      {"--adversarial pgd --eps 0", "--eps must be positive, got 0.0"},
      {"--adversarial pgd --eps -0.1", "--eps must be positive"},
      {"--adversarial pgd --eps 0.1 --adv-fraction 0", "--adv-fraction must be in (0, 1]"},
      {"--adversarial pgd --eps 0.1 --adv-fraction 1.5", "--adv-fraction must be in (0, 1]"},
      {"--adversarial pgd --eps 0.1 --adv-steps 0", "--adv-steps must be at least 1"},
      {"--adversarial fgsm --eps 0.1 --adv-steps 3", "--adv-steps is for --adversarial pgd"},
      {"--adversarial pgd --eps 0.1 --adv-step-size 0", "--adv-step-size must be positive"},
      {"--adversarial pgd --eps 0.1 --adv-norm l3", "--adv-norm: unknown norm 'l3'"},
    };
    for (String[] c : cases) {
      TrainCommandTest.Run r = run(concat(new String[] {"train"}, c[0].split(" ")));
      assertEquals(2, r.exitCode(), c[0] + ": " + r.err());
      assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
    }
  }

  @Test
  void aStoppedAdversarialRunResumesToTheSameBitsAndTheModelSaysHowItWasTrained()
      throws IOException {
    Path data = data();
    Path whole = tmp.resolve("whole/model.safetensors");
    Path parted = tmp.resolve("parted/model.safetensors");
    String[] common = {
      "train",
      "--data",
      data.toString(),
      "--epochs",
      "2",
      "--batch-size",
      "16",
      "--adversarial",
      "pgd",
      "--eps",
      "0.1",
      "--adv-steps",
      "2",
      "--adv-step-size",
      "0.06",
      "--adv-fraction",
      "0.5"
    };
    TrainCommandTest.Run w = run(concat(common, "--out", whole.toString()));
    assertEquals(0, w.exitCode(), w.err());
    String description = "pgd, eps 0.1, 2 steps of 0.06, L-inf, random start, 50% of each batch";
    assertTrue(w.out().contains("adversarial training: " + description), w.out());

    TrainCommandTest.Run stopped =
        run(
            (trainer, p) -> {
              if (p.epoch() == 2 && p.batch() == 1) {
                trainer.requestStop();
              }
            },
            concat(common, "--out", parted.toString()));
    assertEquals(130, stopped.exitCode(), stopped.err());
    Path ckpt = parted.resolveSibling("checkpoint.safetensors");
    Map<String, String> meta = Checkpoint.metadata(ckpt);
    assertEquals("pgd", meta.get("adversarial"));
    assertEquals("0.1", meta.get("adv_eps"));
    assertEquals("2", meta.get("adv_steps"));
    assertEquals("0.5", meta.get("adv_fraction"));
    assertEquals("0.06", meta.get("adv_step_size"));
    assertFalse(meta.containsKey("adv_random_start"), "a default follows the method");
    assertEquals(description, meta.get(AdversarialOptions.DESCRIPTION_KEY));

    // With no options, the resumed run takes the adversarial settings from the checkpoint.
    TrainCommandTest.Run resumed = run("train", "--resume", ckpt.toString());
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(resumed.out().contains("adversarial training: " + description), resumed.out());
    Map<String, Tensor> a = SafeTensors.read(whole).tensors();
    Map<String, Tensor> b = SafeTensors.read(parted).tensors();
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }
    List<String> wm = Files.readAllLines(whole.resolveSibling("metrics.jsonl"));
    List<String> pm = Files.readAllLines(parted.resolveSibling("metrics.jsonl"));
    assertEquals(lossOf(wm.get(1)), lossOf(pm.get(1)));

    for (Path file : List.of(whole, whole.resolveSibling("checkpoint.safetensors"))) {
      TrainCommandTest.Run e = run("eval", "--model", file.toString(), "--data", data.toString());
      assertEquals(0, e.exitCode(), e.err());
      assertTrue(
          e.out().contains("The model was trained adversarially (" + description + ")."), e.out());
    }
    TrainCommandTest.Run at =
        run(
            "attack",
            "--model",
            whole.toString(),
            "--data",
            data.toString(),
            "--eps",
            "0.1",
            "--limit",
            "10",
            "--examples",
            "0");
    assertEquals(0, at.exitCode(), at.err());
    assertTrue(at.out().contains("The model was trained adversarially (" + description + ")."));
  }

  @Test
  void cleanAndAdversarialCheckpointsDoNotMix() throws IOException {
    Path data = data();
    Path model = tmp.resolve("run/model.safetensors");
    String[] common = {"train", "--data", data.toString(), "--batch-size", "32"};
    assertEquals(0, run(concat(common, "--epochs", "1", "--out", model.toString())).exitCode());
    Path ckpt = model.resolveSibling("checkpoint.safetensors");
    TrainCommandTest.Run r =
        run(
            "train",
            "--resume",
            ckpt.toString(),
            "--epochs",
            "2",
            "--adversarial",
            "fgsm",
            "--eps",
            "0.1");
    assertOneLineError(r, "made without adversarial training");
    TrainCommandTest.Run e = run("eval", "--model", model.toString(), "--data", data.toString());
    assertFalse(e.out().contains("adversarially"), e.out());
  }

  @Test
  void theHelpListsTheOptions() {
    var out = new StringWriter();
    CommandLine cl =
        Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(new StringWriter()));
    cl.execute("train", "--help");
    for (String o :
        List.of(
            "--adversarial=METHOD",
            "--eps=E",
            "--adv-steps=N",
            "--adv-step-size=A",
            "--adv-norm=N",
            "--[no-]adv-random-start",
            "--adv-fraction=F")) {
      assertTrue(out.toString().contains(o), o + " in\n" + out);
    }
  }
}

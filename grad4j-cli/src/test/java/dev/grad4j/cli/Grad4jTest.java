package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class Grad4jTest {
  /** What one run printed and returned. */
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
  void helpListsTheCommands() {
    Run r = run("--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("Usage: grad4j"), r.out());
    assertTrue(r.out().contains("explain"), r.out());
  }

  @Test
  void explainHelp() {
    for (String[] args : new String[][] {{"explain", "--help"}, {"help", "explain"}}) {
      Run r = run(args);
      assertEquals(0, r.exitCode(), r.err());
      assertTrue(r.out().contains("Usage: grad4j explain"), r.out());
      assertTrue(r.out().contains("--digits"), r.out());
    }
  }

  @Test
  void versionComesFromTheBuild() {
    Run r = run("--version");
    assertEquals(0, r.exitCode());
    assertTrue(r.out().startsWith("grad4j 0."), r.out());
  }

  @Test
  void explainPrintsTheTableAndTheStep() {
    Run r = run("explain");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("", r.err());
    String out = r.out();
    assertTrue(out.contains("x1 = W0·x0      [0.7, 0.3]ᵀ"), out);
    assertTrue(out.contains("x2 = tanh(x1)   [0.6044, 0.2913]ᵀ"), out);
    assertTrue(out.contains("1 − tanh²(x1) = [0.6347, 0.9151]ᵀ"), out);
    assertTrue(out.contains("dL/dx3 = (x3 − y)·dL/dL = -0.1869"), out);
    assertTrue(out.contains("dL/dx1 = (1 − tanh²(x1)) ⊙ dL/dx2 = [-0.1187, 0.1711]ᵀ"), out);
    assertTrue(out.contains("dL/dW1 = dL/dx3·x2ᵀ = [[-0.113, -0.0545]]"), out);
    assertTrue(out.contains("[[1.0237, -2.9976], [0.1658, 0.9966]]"), out);
    assertTrue(out.contains("[[1.0226, -0.9891]]"), out);
    assertTrue(out.contains("the step went downhill"), out);
    // Backprop runs from the loss back to the input.
    assertTrue(out.indexOf("at L:") < out.indexOf("at x3:"), out);
    assertTrue(out.indexOf("at x1:") < out.indexOf("at x0:"), out);
  }

  @Test
  void asciiOutputHasOnlyAsciiCharacters() {
    Run r = run("explain", "--ascii", "--digits", "3");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().chars().allMatch(c -> c < 128), r.out());
    assertTrue(r.out().contains("1 - tanh^2(x1) = [0.635, 0.915]^T"), r.out());
  }

  @Test
  void asciiIsChosenWhenTheConsoleCannotShowSymbols() {
    var out = new StringWriter();
    var err = new StringWriter();
    int code =
        Grad4j.commandLine(
                new Grad4j(StandardCharsets.US_ASCII), new PrintWriter(out), new PrintWriter(err))
            .execute("explain");
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().chars().allMatch(c -> c < 128), out.toString());
    assertTrue(out.toString().contains("x3 = W1*x2"), out.toString());
  }

  @Test
  void usageErrorsExitWith2() {
    assertEquals(2, run().exitCode());
    assertTrue(run().err().contains("Missing command"));
    assertEquals(2, run("no-such-command").exitCode());
    assertEquals(2, run("explain", "--no-such-option").exitCode());
    Run r = run("explain", "--digits", "0");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--digits must be between 1 and 12, got 0"), r.err());
  }

  @Command(name = "fail")
  static final class Fail implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("matmul: cannot multiply [2, 3] by [2, 3]\n  at detail");
    }
  }

  @Test
  void errorsExitWith1AndOneLine() {
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cl = Grad4j.commandLine(new Grad4j(), new PrintWriter(out), new PrintWriter(err));
    cl.addSubcommand("fail", new Fail());
    assertEquals(1, cl.execute("fail"));
    assertEquals("grad4j: matmul: cannot multiply [2, 3] by [2, 3] ...", err.toString().strip());
    assertEquals("", out.toString());
  }

  @Test
  void messagelessErrorsNameTheirType() {
    assertEquals("NullPointerException", Grad4j.oneLine(new NullPointerException()));
  }
}

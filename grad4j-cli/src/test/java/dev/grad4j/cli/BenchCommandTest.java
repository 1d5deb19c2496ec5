package dev.grad4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** grad4j bench --quick: every section of the table is printed, with numbers in it. */
class BenchCommandTest {

  @Test
  void quickBenchPrintsEverySection() {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code =
        Grad4j.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            "bench",
            "--quick",
            "--threads",
            "2");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    for (String section :
        new String[] {
          "Matrix product",
          "triad (plain Java loop)",
          "softmax (rows)",
          "transposed add",
          "into a reused one",
          "allocate a result (new float[n])",
          "conv 32->64, 13x13",
          "MLP steps/s",
          "CNN steps/s",
          "scalar add with grad recording",
          "OpenBLAS: "
        }) {
      assertTrue(text.contains(section), section + " missing from\n" + text);
    }
    // Ops written into a reused output have their own figures; sums do not.
    assertTrue(
        Pattern.compile("exp .*% \\| +[0-9.]+ +[0-9.]+ +[0-9]+%").matcher(text).find(), text);
    assertTrue(Pattern.compile("sum \\(all\\) .*% \\| +-").matcher(text).find(), text);
    // Ratios timed side by side: grad4j over OpenBLAS per thread count ("-" without OpenBLAS),
    // each library's 2-thread speedup, the conv layers' and the training steps' speedups.
    for (String line :
        new String[] {
          "\\n  1 thread +[0-9.]+ +([0-9.]+ +[0-9.]+x|- +-)\\n",
          "\\n  2 threads +[0-9.]+ +([0-9.]+ +[0-9.]+x|- +-)\\n",
          "\\n  2-thread speedup +[0-9.]+x +([0-9.]+x|-)\\n",
          "\\n  conv 1->32, 28x28 .* [0-9.]+x\\n",
          "\\n    fwd into a reused output +[0-9.]+ .* [0-9.]+x\\n",
          "\\n    fwd in training \\(reused\\) +[0-9.]+ .* [0-9.]+x\\n",
          "\\n  MLP steps/s +[0-9.]+ +[0-9.]+ +[0-9.]+x +[0-9.]+%\\n",
          "\\n  MLP step / its 8 GEMMs in grad4j \\(2 threads\\): +[0-9.]+x",
          "\\n  CNN steps/s +[0-9.]+ +[0-9.]+ +[0-9.]+x +[0-9.]+%\\n"
        }) {
      assertTrue(Pattern.compile(line).matcher(text).find(), line + " not in\n" + text);
    }
    // The triad rows are the references: 100% of themselves, fresh and into a reused output.
    assertTrue(
        Pattern.compile("triad \\(plain Java loop\\) .* 100% \\| .* 100%").matcher(text).find(),
        text);
  }
}

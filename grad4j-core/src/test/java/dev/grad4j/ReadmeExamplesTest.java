package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.func.GradCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the Java snippets of the repository's README.md, and checks that the README still shows the
 * code that runs here: every non-blank line of every {@code ```java} block must appear, in order,
 * in this file. When you change a snippet, change it in both places.
 */
class ReadmeExamplesTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path THIS_FILE =
      Path.of("src", "test", "java", "dev", "grad4j", "ReadmeExamplesTest.java");

  @Test
  void lectureExampleAndOneStep() {
    Tensor w0 = Tensor.of(new double[] {1, -3, 0.2, 1}, 2, 2).requiresGrad(true);
    Tensor w1 = Tensor.of(new double[] {1, -1}, 1, 2).requiresGrad(true);
    Tensor x0 = Tensor.of(new double[] {1.0, 0.1}, 2, 1); // a column vector
    Tensor x3 = w1.matmul(w0.matmul(x0).tanh()); // the forward pass records the graph
    Tensor loss = x3.sub(0.5).square().mul(0.5).sum(); // L = 1/2 (x3 - y)^2
    loss.backward(); // the backward pass
    Tensor dW0 = w0.grad(); // [[-0.1187, -0.0119], [0.1711, 0.0171]]

    assertEquals(0.0175, loss.item(), 5e-5);
    assertArrayEquals(new double[] {-0.1187, -0.0119, 0.1711, 0.0171}, dW0.toDoubleArray(), 5e-5);
    assertArrayEquals(new double[] {-0.113, -0.0545}, w1.grad().toDoubleArray(), 5e-4);

    try (var g = GradMode.disabled()) {
      w0.subInPlace(w0.grad().mul(0.2)); // one step of gradient descent, learning rate 0.2
      w1.subInPlace(w1.grad().mul(0.2));
    }

    assertTrue(GradMode.isEnabled(), "the scope must end with the try block");
    assertArrayEquals(new double[] {1.0237, -2.9976, 0.1658, 0.9966}, w0.toDoubleArray(), 5e-5);
    assertArrayEquals(new double[] {1.0226, -0.9891}, w1.toDoubleArray(), 5e-5);
  }

  @Test
  void gradientCheck() {
    Tensor x = Tensor.of(new double[] {0.5, -1.2, 2.0}, 3);
    Tensor y = Tensor.of(new double[] {1.5, 0.3, -0.7}, 3);
    GradCheck.assertPasses(in -> in[0].tanh().mul(in[1]), x, y);

    assertTrue(GradCheck.check(in -> in[0].tanh().mul(in[1]), x, y).passed());
  }

  @Test
  void readmeSnippetsAreTheCodeInThisFile() throws IOException {
    List<String> readme = Files.readAllLines(README);
    List<String> source = Files.readAllLines(THIS_FILE).stream().map(String::strip).toList();
    int blocks = 0;
    int at = 0; // where in this file the search for the next snippet line starts
    boolean inJava = false;
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < readme.size(); i++) {
      String line = readme.get(i).strip();
      if (!inJava) {
        if (line.equals("```java")) {
          inJava = true;
          blocks++;
        }
        continue;
      }
      if (line.startsWith("```")) {
        inJava = false;
        continue;
      }
      if (line.isEmpty()) {
        continue;
      }
      int found = source.subList(at, source.size()).indexOf(line);
      if (found < 0) {
        missing.add("README.md:" + (i + 1) + ": " + line);
      } else {
        at += found + 1;
      }
    }
    if (inJava) {
      fail("README.md: a ```java block is not closed");
    }
    assertTrue(blocks >= 3, "expected the README's Java snippets, found " + blocks + " blocks");
    assertTrue(
        missing.isEmpty(),
        "README snippet lines not found (in order) in "
            + THIS_FILE
            + "; update one or the other:\n"
            + String.join("\n", missing));
  }
}

package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.autograd.GradientTape;
import dev.grad4j.data.DataLoader;
import dev.grad4j.data.Datasets;
import dev.grad4j.data.Split;
import dev.grad4j.func.Autodiff;
import dev.grad4j.func.GradCheck;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.nn.Tanh;
import dev.grad4j.optim.SGD;
import dev.grad4j.train.Models;
import dev.grad4j.train.Trainer;
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
  void intoForms() {
    Tensor x = Tensor.randn(new Generator(3), 256, 256);
    Tensor w = Tensor.randn(new Generator(4), 256, 256);
    Tensor h = Tensor.zeros(256, 256); // allocated once, reused below
    x.matmul(w, h).tanh(h); // h = tanh(x w), written into h: no new tensor
    Tensor same = x.matmul(w).tanh(); // the same values, in new tensors

    assertArrayEquals(same.toFloatArray(), h.toFloatArray());
  }

  @Test
  void gradientCheck() {
    Tensor x = Tensor.of(new double[] {0.5, -1.2, 2.0}, 3);
    Tensor y = Tensor.of(new double[] {1.5, 0.3, -0.7}, 3);
    GradCheck.assertPasses(in -> in[0].tanh().mul(in[1]), x, y);

    assertTrue(GradCheck.check(in -> in[0].tanh().mul(in[1]), x, y).passed());
  }

  @Test
  void gradientTapeFgsm() {
    Tensor image = Tensor.of(new double[] {0.2, -0.4, 0.9}, 3);
    Tensor w = Tensor.of(new double[] {1.5, -2.0, 0.5}, 3);
    GradientTape tape = GradientTape.record();
    Tensor score;
    try (tape) {
      tape.watch(image);
      score = image.mul(w).sum().sigmoid();
    }
    Tensor g = tape.gradient(score, image); // d score / d image
    Tensor adversarial = image.sub(g.sign().mul(0.1)); // FGSM: a small step that lowers the score

    assertArrayEquals(new double[] {0.1, -0.3, 0.8}, adversarial.toDoubleArray(), 1e-12);
    assertTrue(adversarial.mul(w).sum().sigmoid().item() < score.item());
  }

  @Test
  void jacobianAndHessian() {
    Tensor a = Tensor.of(new double[] {2, 1, 1, 3}, 2, 2);
    Tensor x = Tensor.vector(1.0, -1.0);
    Tensor jac = Autodiff.jacobian(v -> a.matmul(v).tanh(), x); // [2, 2]
    Tensor hess = Autodiff.hessian(v -> v.matmul(a.matmul(v)).mul(0.5), x); // (A + A^T) / 2

    double d0 = 1 - Math.pow(Math.tanh(1), 2); // row 0: tanh(2 - 1)
    double d1 = 1 - Math.pow(Math.tanh(-2), 2); // row 1: tanh(1 - 3)
    assertArrayEquals(new double[] {2 * d0, d0, d1, 3 * d1}, jac.toDoubleArray(), 1e-12);
    assertArrayEquals(new double[] {2, 1, 1, 3}, hess.toDoubleArray(), 1e-12);
  }

  @Test
  void networkLearnsXor() {
    Generator gen = new Generator(0);
    Sequential model =
        new Sequential(new Linear(2, 16, true, gen), new Tanh(), new Linear(16, 2, true, gen));
    SGD opt = new SGD(model.parameters(), 0.5, 0.9);
    Tensor inputs = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
    Tensor labels = Tensor.of(new int[] {0, 1, 1, 0}, 4);
    for (int step = 0; step < 100; step++) {
      opt.zeroGrad();
      Tensor loss = Losses.crossEntropy(model.forward(inputs), labels);
      loss.backward();
      opt.step();
    }
    Tensor predicted = model.forward(inputs).argmax(1, false); // [0, 1, 1, 0]

    assertArrayEquals(new double[] {0, 1, 1, 0}, predicted.toDoubleArray(), 0);
  }

  @Test
  void trainerOnBundledDigits() throws IOException {
    Split digits = Datasets.bundledDigits(); // 8,000 training and 2,000 test images
    Sequential mlp = Models.mlp(new Generator(1));
    SGD sgd = new SGD(mlp.parameters(), 0.05, 0.9);
    DataLoader loader =
        new DataLoader(digits.train().slice(0, 2000), 64, true, false, new Generator(2));
    new Trainer(mlp, sgd, loader, digits.test()).fit(2, Trainer.Listener.NONE);
    double accuracy = Trainer.evaluate(mlp, digits.test(), 500).accuracy(); // about 0.8

    assertTrue(accuracy > 0.75, "two short epochs should get most digits right: " + accuracy);
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

package dev.grad4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.explain.GraphDot.Kind;
import dev.grad4j.explain.GraphDot.Vertex;
import dev.grad4j.nn.Losses;
import dev.grad4j.nn.Sequential;
import dev.grad4j.train.Models;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphDotTest {

  /** The seed MLP's training step: forward on a batch of 64 images plus cross-entropy. */
  private static Tensor mlpStep(Sequential model) {
    Tensor x = Tensor.rand(new Generator(2), 64, 1, 28, 28);
    double[] labels = new double[64];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
    }
    return Losses.crossEntropy(model.forward(x), Tensor.of(labels, 64));
  }

  private static Map<String, Integer> opCounts(GraphDot.Graph g) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Vertex v : g.vertices()) {
      if (v.kind() == Kind.OP) {
        counts.merge(v.name(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /**
   * Counted by hand from the ops grad4j records (Flatten on the data records nothing: the images
   * need no gradient).
   *
   * <ul>
   *   <li>Each Linear is x·Wᵀ + b: {@code permute} (Wᵀ), {@code matmul}, {@code add}: 3 × 3 = 9
   *       ops, 15 edges (1 + 2 + 2 each). Two ReLUs: 2 ops, 2 edges.
   *   <li>logSoftmax(z) is one fused op: 1 op, 1 edge.
   *   <li>nll picks −logp[i, y_i]: {@code gather} (the index is not a tensor input), {@code
   *       reshape} (squeeze), {@code neg}: 3 ops, 3 edges.
   *   <li>the batch mean: {@code sum} then {@code div} by the count (a constant): 2 ops, 3 edges.
   * </ul>
   *
   * So 17 ops, 6 parameters (3 weights, 3 biases), 2 inputs needing no gradient (the flattened
   * images [64, 784] and the count []): 25 nodes; 15 + 2 + 1 + 3 + 3 = 24 edges.
   */
  @Test
  void seedMlpTrainingStepHasTheHandCountedNodesAndEdges() {
    Sequential model = Models.mlp(new Generator(1));
    Tensor loss = mlpStep(model);
    GraphDot.Graph g = GraphDot.of(loss).names(model).graph();

    assertEquals(17, g.count(Kind.OP));
    assertEquals(6, g.count(Kind.PARAMETER));
    assertEquals(2, g.count(Kind.INPUT));
    assertEquals(25, g.vertices().size());
    assertEquals(24, g.edges().size());
    assertEquals(
        "{add=3, div=1, gather=1, logSoftmax=1, matmul=3, neg=1, permute=3, relu=2, reshape=1,"
            + " sum=1}",
        opCounts(g).toString());

    String dot = GraphDot.of(loss).names(model).toDot();
    assertEquals(24, dot.lines().filter(l -> l.contains(" -> ")).count());
    assertEquals(25, dot.lines().filter(l -> l.contains("[label=")).count());
    for (String p : model.namedParameters().keySet()) {
      assertTrue(dot.contains("\"" + p + "\\n"), p + " is not named in\n" + dot);
    }
    assertTrue(dot.contains("\"1.weight\\n[512, 784]\""), dot);
    assertTrue(dot.contains("\"input\\n[64, 784]\""), dot);
    assertTrue(dot.contains("\"matmul\\n[64, 512]\""), dot);
    // The loss is the root: vertex 0, highlighted, and the head of the last data-flow edge.
    Vertex root = g.vertices().get(0);
    assertEquals("div", root.name());
    assertEquals(0, root.shape().length);
    assertTrue(g.edges().stream().noneMatch(e -> e.from().equals(root.id())));
    // Parameters and inputs are sources: nothing flows into them.
    for (Vertex v : g.vertices()) {
      if (v.kind() != Kind.OP) {
        assertTrue(g.edges().stream().noneMatch(e -> e.to().equals(v.id())), v.name());
      }
    }
  }

  @Test
  void withoutParameterNamesLeavesAreCalledLeafAndInputsCanBeHidden() {
    Sequential model = Models.mlp(new Generator(1));
    GraphDot.Graph g = GraphDot.of(mlpStep(model)).inputs(false).graph();
    assertEquals(23, g.vertices().size());
    assertEquals(22, g.edges().size());
    assertEquals(
        6, g.vertices().stream().filter(v -> v.name().equals("leaf")).count(), g.toString());
  }

  @Test
  void seedCnnNamesAllEightParameters() {
    Sequential model = Models.cnn(new Generator(1));
    Tensor x = Tensor.rand(new Generator(2), 2, 1, 28, 28);
    Tensor loss = Losses.crossEntropy(model.forward(x), Tensor.of(new double[] {3, 7}, 2));
    GraphDot.Graph g = GraphDot.of(loss).names(model).graph();
    assertEquals(8, g.count(Kind.PARAMETER));
    assertEquals(
        model.namedParameters().keySet(),
        g.vertices().stream()
            .filter(v -> v.kind() == Kind.PARAMETER)
            .map(Vertex::name)
            .collect(java.util.stream.Collectors.toSet()));
    // Each convolution and each max-pool is one op; none unfolds its windows in the graph.
    assertEquals(2, opCounts(g).get("conv2d"));
    assertEquals(2, opCounts(g).get("maxPool2d"));
    assertNull(opCounts(g).get("unfold"));
  }

  /** The lecture's worked example (seed 001): values forward, gradients after backward. */
  @Test
  void lectureExampleShowsValuesAndGradients() {
    Tensor w0 = Tensor.of(new double[] {1, -3, 0.2, 1}, 2, 2).requiresGrad(true);
    Tensor w1 = Tensor.of(new double[] {1, -1}, 1, 2).requiresGrad(true);
    Tensor x0 = Tensor.of(new double[] {1.0, 0.1}, 2, 1);
    Tensor x1 = w0.matmul(x0).retainGrad();
    Tensor x2 = x1.tanh().retainGrad();
    Tensor x3 = w1.matmul(x2).retainGrad();
    Tensor loss = x3.sub(0.5).square().mul(0.5).sum();

    GraphDot before = GraphDot.of(loss).names(Map.of("W0", w0, "W1", w1)).values(true);
    String dot = before.toDot();
    assertTrue(dot.contains("\"W0\\n[2, 2]\\ndata [1, -3, 0.2, 1]\""), dot);
    assertTrue(dot.contains("\"tanh\\n[2, 1]\\ndata [0.6044, 0.2913]\""), dot);
    assertTrue(dot.contains("\"sum\\n[]\\ndata 0.01747\""), dot);
    assertTrue(!dot.contains("grad "), "no gradients before backward:\n" + dot);

    loss.backward();
    dot = GraphDot.of(loss).names(Map.of("W0", w0, "W1", w1)).values(true).toDot();
    // dL/dW0 = dL/dx1·x0ᵀ and dL/dW1 = dL/dx3·x2ᵀ: the lecture's numbers (it rounds dL/dW0 to
    // [-0.1186, -0.01186, 0.171, 0.0171] and dL/dW1 to [-0.113, -0.054]), to 4 digits.
    assertTrue(
        dot.contains(
            "\"W0\\n[2, 2]\\ndata [1, -3, 0.2, 1]\\ngrad [-0.1187, -0.01187, 0.1711, 0.01711]\""),
        dot);
    assertTrue(dot.contains("\"W1\\n[1, 2]\\ndata [1, -1]\\ngrad [-0.113, -0.05446]\""), dot);
    assertTrue(
        dot.contains("\"tanh\\n[2, 1]\\ndata [0.6044, 0.2913]\\ngrad [-0.1869, 0.1869]\""), dot);
    assertTrue(dot.contains("\"matmul\\n[2, 1]\\ndata [0.7, 0.3]\\ngrad [-0.1187, 0.1711]\""), dot);
    assertTrue(dot.contains("\"matmul\\n[1, 1]\\ndata 0.3131\\ngrad -0.1869\""), dot);
    // 7 ops (matmul, tanh, matmul, sub, square recorded as pow, mul, sum), W0, W1, and 3 inputs
    // without gradient (x0, the 0.5 subtracted, pow's exponent): 12 nodes, 11 edges.
    GraphDot.Graph g = before.graph();
    assertEquals(7, g.count(Kind.OP));
    assertEquals(2, g.count(Kind.PARAMETER));
    assertEquals(3, g.count(Kind.INPUT));
    assertEquals(g.vertices().size() - 1, g.edges().size()); // a tree: no tensor is reused
  }

  @Test
  void largeTensorsShowNoValues() {
    Tensor w = Tensor.ones(5, 5).requiresGrad(true);
    String dot = GraphDot.of(w.mul(2).sum()).values(true).maxElements(4).toDot();
    assertTrue(dot.contains("\"leaf\\n[5, 5]\""), dot);
    assertTrue(dot.contains("\"sum\\n[]\\ndata 50\""), dot);
    assertThrows(IllegalArgumentException.class, () -> GraphDot.of(w).maxElements(0));
  }

  @Test
  void fanOutIsOneNodeWithTwoEdges() {
    Tensor a = Tensor.of(new double[] {2}, 1).requiresGrad(true);
    Tensor b = a.mul(a).add(a).sum(); // a feeds mul twice and add once
    GraphDot.Graph g = GraphDot.of(b).graph();
    assertEquals(4, g.vertices().size()); // sum, add, mul, a
    assertEquals(1, g.count(Kind.PARAMETER));
    assertEquals(5, g.edges().size()); // a->mul twice, a->add, mul->add, add->sum
  }

  @Test
  void aTensorWithoutAGraphIsOneInputNode() {
    GraphDot.Graph g = GraphDot.of(Tensor.ones(3)).graph();
    assertEquals(1, g.vertices().size());
    assertEquals(Kind.INPUT, g.vertices().get(0).kind());
    assertEquals(0, g.edges().size());
  }

  @Test
  void aChainOf100000OpsExportsWithoutRecursion() {
    Tensor x = Tensor.scalar(1.0).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < 100_000; i++) {
      y = y.neg();
    }
    GraphDot.Graph g = GraphDot.of(y).graph();
    assertEquals(100_001, g.vertices().size());
    assertEquals(100_000, g.edges().size());
  }

  @Test
  void graphvizAcceptsTheDot(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        onPath("dot"),
        "Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)");
    Sequential model = Models.mlp(new Generator(1));
    Path file = dir.resolve("mlp.dot");
    Files.writeString(
        file,
        GraphDot.of(mlpStep(model)).names(model).title("mlp \"step\"").toDot(),
        StandardCharsets.UTF_8);
    Path svg = dir.resolve("mlp.svg");
    Process p =
        new ProcessBuilder("dot", "-Tsvg", "-o", svg.toString(), file.toString())
            .redirectErrorStream(true)
            .start();
    String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), messages);
    String text = Files.readString(svg);
    assertTrue(text.contains("<svg"), text);
    assertTrue(text.contains("1.weight"), "the SVG names the parameters");
    // Graphviz draws one <g class="node"> per node and one <g class="edge"> per edge.
    assertEquals(25, count(text, "class=\"node\""));
    assertEquals(24, count(text, "class=\"edge\""));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null
        && Arrays.stream(path.split(File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }
}

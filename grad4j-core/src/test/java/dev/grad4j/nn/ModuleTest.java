package dev.grad4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.func.GradCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {

  static Sequential seedMlp(Generator gen) {
    return new Sequential(
        new Flatten(),
        new Linear(784, 512, true, gen),
        new ReLU(),
        new Linear(512, 512, true, gen),
        new ReLU(),
        new Linear(512, 10, true, gen));
  }

  @Test
  void theSeedMlpHas669706Parameters() {
    Sequential mlp = seedMlp(new Generator(0));
    assertEquals(669_706, mlp.parameterCount());
    assertEquals(
        List.of("1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"),
        List.copyOf(mlp.namedParameters().keySet()));
    assertArrayEquals(new int[] {512, 784}, mlp.namedParameters().get("1.weight").shape());
  }

  @Test
  void summaryListsLayersShapesAndTotal() {
    String summary = seedMlp(new Generator(0)).summary(1, 1, 28, 28);
    assertTrue(summary.contains("0 Flatten"), summary);
    assertTrue(summary.contains("[1, 784]"), summary);
    assertTrue(summary.contains("401,920"), summary); // 784*512 + 512
    assertTrue(summary.contains("5 Linear"), summary);
    assertTrue(summary.contains("[1, 10]"), summary);
    assertTrue(summary.contains("Total params: 669,706"), summary);
  }

  @Test
  void linearMatchesItsFormulaAndPyTorchsDefaultInitBounds() {
    Linear layer = new Linear(4, 3, true, new Generator(1));
    double bound = 1 / Math.sqrt(4);
    for (double w : layer.weight().toDoubleArray()) {
      assertTrue(Math.abs(w) <= bound);
    }
    for (double b : layer.bias().toDoubleArray()) {
      assertTrue(Math.abs(b) <= bound);
    }
    Tensor x = Tensor.randn(new Generator(2), 2, 4);
    Tensor expected = x.matmul(layer.weight().t()).add(layer.bias());
    assertTrue(expected.allClose(layer.forward(x), 0, 0));
  }

  @Test
  void linearPassesGradCheckForInputsAndParameters() {
    Linear layer = new Linear(3, 2, true, new Generator(3));
    layer.to(DType.FLOAT64);
    Tensor x = Tensor.normal(new Generator(4), 0, 1, DType.FLOAT64, 4, 3);
    GradCheck.assertPasses(
        in -> Functional.linear(in[0], in[1], in[2]), x, layer.weight(), layer.bias());
  }

  @Test
  void sameSeedSameWeights() {
    assertTrue(
        new Linear(5, 5, true, new Generator(9))
            .weight()
            .allClose(new Linear(5, 5, true, new Generator(9)).weight(), 0, 0));
  }

  @Test
  void stateDictRoundTripKeepsTensorsAttached() {
    Sequential a = seedMlp(new Generator(0));
    Sequential b = seedMlp(new Generator(1));
    Tensor weightBefore = b.namedParameters().get("1.weight");
    b.loadStateDict(a.stateDict());
    assertSame(weightBefore, b.namedParameters().get("1.weight"));
    assertTrue(a.namedParameters().get("5.bias").allClose(b.namedParameters().get("5.bias"), 0, 0));
  }

  @Test
  void strictLoadingReportsEveryProblemAtOnce() {
    Sequential model = new Sequential(new Linear(2, 3, true, new Generator(0)));
    Map<String, Tensor> state = Map.of("0.weight", Tensor.zeros(4, 2), "0.extra", Tensor.zeros(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state));
    String m = e.getMessage();
    assertTrue(m.contains("missing keys: [0.bias]"), m);
    assertTrue(m.contains("unexpected keys: [0.extra]"), m);
    assertTrue(
        m.contains("shape mismatch for 0.weight: checkpoint has [4, 2], model has [3, 2]"), m);
  }

  @Test
  void trainAndEvalPropagateAndDropoutObeysThem() {
    Sequential model = new Sequential(new Dropout(0.5, new Generator(0)), new Identity());
    Tensor x = Tensor.ones(1000);
    Tensor train = model.forward(x);
    double kept = train.ne(0).sum().item();
    assertTrue(kept > 400 && kept < 600, "about half kept: " + kept);
    assertEquals(2.0, train.max().item(), 0); // survivors scaled by 1/(1-p)
    model.eval();
    assertFalse(model.get(0).isTraining());
    assertTrue(model.forward(x).allClose(x, 0, 0));
  }

  @Test
  void zeroGradClearsEveryParameter() {
    Sequential model = new Sequential(new Linear(2, 2, true, new Generator(0)), new Tanh());
    model.forward(Tensor.ones(1, 2)).sum().backward();
    assertTrue(model.parameters().stream().allMatch(p -> p.grad() != null));
    model.zeroGrad();
    model.parameters().forEach(p -> assertNull(p.grad()));
  }

  @Test
  void residualAddsItsInput() {
    Residual block = new Residual(new Lambda("double", t -> t.mul(2)));
    assertArrayEquals(
        new double[] {3, 6}, block.forward(Tensor.vector(1.0, 2.0)).toDoubleArray(), 0);
  }

  @Test
  void applyVisitsChildrenThenParent() {
    StringBuilder order = new StringBuilder();
    new Sequential(new ReLU(), new Sequential(new Tanh()))
        .apply(m -> order.append(m.getClass().getSimpleName()).append(' '));
    assertEquals("ReLU Tanh Sequential Sequential ", order.toString());
  }

  @Test
  void toStringShowsTheTree() {
    String s = new Sequential(new Linear(2, 3, false, new Generator(0)), new ReLU()).toString();
    assertTrue(s.contains("(0): Linear(in=2, out=3, bias=false)"), s);
    assertTrue(s.contains("(1): ReLU()"), s);
  }

  @Test
  void linearRejectsMismatchedInput() {
    Linear layer = new Linear(4, 2, true, new Generator(0));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(3, 5)));
    assertTrue(
        e.getMessage().contains("[3, 5]") && e.getMessage().contains("[2, 4]"), e.getMessage());
  }
}

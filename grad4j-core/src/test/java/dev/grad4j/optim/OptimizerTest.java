package dev.grad4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The first three steps of each optimizer on f(w) = ½·Σ a_i·w_i² with a = (1, 3) from w = (1, -2),
 * whose gradient is (a_i·w_i). Expected values are worked by hand from each class's documented
 * update rule (the simple ones shown inline) and agree with torch.optim (PyTorch 1.13, float64) to
 * the last digit or two.
 */
class OptimizerTest {
  private static final Tensor A = Tensor.vector(1.0, 3.0);

  /** The parameter after each of three steps. */
  private static double[][] run(Function<List<Tensor>, Optimizer> make) {
    Tensor w = Tensor.vector(1.0, -2.0).requiresGrad(true);
    Optimizer opt = make.apply(List.of(w));
    double[][] out = new double[3][];
    for (int i = 0; i < 3; i++) {
      opt.zeroGrad();
      A.mul(w).mul(w).sum().mul(0.5).backward();
      opt.step();
      out[i] = w.toDoubleArray();
    }
    return out;
  }

  private static void assertSteps(double[][] expected, double[][] actual) {
    for (int s = 0; s < expected.length; s++) {
      for (int i = 0; i < expected[s].length; i++) {
        assertEquals(
            expected[s][i],
            actual[s][i],
            1e-13 * Math.max(1, Math.abs(expected[s][i])),
            "step " + (s + 1) + ", element " + i);
      }
    }
  }

  // ---------------------------------------------------------------- SGD

  @Test
  void plainSgd() {
    // w ← w − 0.1·a·w = 0.9·w and 0.7·w
    assertSteps(
        new double[][] {{0.9, -1.4}, {0.81, -0.98}, {0.729, -0.686}}, run(p -> new SGD(p, 0.1)));
  }

  @Test
  void sgdMomentumStartsTheBufferAtTheFirstGradient() {
    // b1 = g1 = (1, -6);            w1 = (0.9, -1.4)
    // b2 = 0.9·b1 + g2 = (1.8, -9.6), w2 = (0.72, -0.44)
    // b3 = 0.9·b2 + g3 = (2.34, -9.96), w3 = (0.486, 0.556)
    assertSteps(
        new double[][] {{0.9, -1.4}, {0.72, -0.44}, {0.486, 0.556}},
        run(p -> new SGD(p, 0.1, 0.9)));
  }

  @Test
  void sgdDampeningSkipsTheFirstStep() {
    // b1 = g1 (no dampening on the first step); b2 = 0.9·b1 + 0.5·g2 = (1.35, -7.5)
    assertSteps(
        new double[][] {{0.9, -1.4}, {0.765, -0.65}, {0.60525, 0.1225}},
        run(p -> new SGD(p, SGD.options().lr(0.1).momentum(0.9).dampening(0.5))));
  }

  @Test
  void sgdNesterov() {
    // b1 = g1 = (1, -6); step direction g1 + 0.9·b1 = (1.9, -11.4); w1 = (0.81, -0.86)
    assertSteps(
        new double[][] {
          {0.81, -0.86}, {0.5751, 0.1162}, {0.327321, 0.696346},
        },
        run(p -> new SGD(p, SGD.options().lr(0.1).momentum(0.9).nesterov(true))));
  }

  @Test
  void sgdWeightDecayAddsToTheGradient() {
    // g1 = a·w + 0.1·w = (1.1, -6.2); w1 = (0.89, -1.38)
    assertSteps(
        new double[][] {{0.89, -1.38}, {0.6931, -0.3942}, {0.439649, 0.615222}},
        run(p -> new SGD(p, SGD.options().lr(0.1).momentum(0.9).weightDecay(0.1))));
  }

  // ---------------------------------------------------------------- Adam family

  @Test
  void adam() {
    // step 1: m̂ = g, v̂ = g², so w moves by lr·g/(|g| + ε) ≈ 0.1 against the sign of g
    double e1 = 0.1 * 1 / (1 + 1e-8);
    double e2 = 0.1 * 6 / (6 + 1e-8);
    assertSteps(new double[][] {{1 - e1, -2 + e2}}, run(p -> new Adam(p, 0.1)));
    assertSteps(
        new double[][] {
          {0.900000001, -1.9000000001666666},
          {0.8004122297123382, -1.800166485947237},
          {0.701586274504415, -1.7006233917912488}
        },
        run(p -> new Adam(p, 0.1)));
  }

  @Test
  void adamWeightDecayIsCoupled() {
    assertSteps(
        new double[][] {
          {0.9000000009090909, -1.9000000001612904},
          {0.8004122295267844, -1.8001664859363686},
          {0.7015862742210722, -1.7006233917747835}
        },
        run(p -> new Adam(p, Adam.options().lr(0.1).weightDecay(0.1))));
  }

  @Test
  void adamWDecaysTheWeightsDirectly() {
    // step 1: w·(1 − 0.1·0.1) then the Adam step: 0.99 − 0.1·(1/(1 + 1e-8))
    assertSteps(
        new double[][] {
          {0.99 - 0.1 / (1 + 1e-8), -1.98 + 0.6 / (6 + 1e-8)},
          {0.781571856954161, -1.7614089504165513},
          {0.6751012231892006, -1.6443686833067828}
        },
        run(p -> new AdamW(p, AdamW.options().lr(0.1).weightDecay(0.1))));
    assertEquals(
        0.01,
        new AdamW(List.of(Tensor.zeros(1).requiresGrad(true))).defaults().get("weight_decay"));
  }

  @Test
  void adamWithAmsgradAndOtherBetas() {
    double[][] ams = run(p -> new Adam(p, Adam.options().lr(0.1).betas(0.5, 0.9).amsgrad(true)));
    assertSteps(
        new double[][] {
          {0.900000001, -1.9000000001666666},
          {0.8016180303688613, -1.800753338776774},
          {0.7059824818411728, -1.7027285362258044}
        },
        ams);
  }

  @Test
  void amsgradKeepsTheMaximumWhenTheSecondMomentFalls() {
    Tensor w = Tensor.vector(0.0).requiresGrad(true);
    Adam opt = new Adam(List.of(w), Adam.options().lr(0.1).betas(0.5, 0.9).amsgrad(true));
    w.setGrad(Tensor.vector(10.0));
    opt.step(); // v = 0.1·100 = 10
    w.setGrad(Tensor.vector(0.1));
    opt.step(); // v = 0.9·10 + 0.1·0.01 = 9.001, below the maximum 10
    assertEquals(9.001, opt.state(w).get("exp_avg_sq").item(), 1e-12);
    assertEquals(10, opt.state(w).get("max_exp_avg_sq").item(), 1e-12);
    // step 2 with m = 0.5·5 + 0.5·0.1 = 2.55: w -= (0.1 / 0.75)·m / (sqrt(10) / sqrt(0.19) + ε)
    double first = -0.1 * 10 / (10 + 1e-8);
    double second = -(0.1 / 0.75) * 2.55 / (Math.sqrt(10) / Math.sqrt(1 - 0.81) + 1e-8);
    assertEquals(first + second, w.item(), 1e-13);
  }

  // ---------------------------------------------------------------- RMSprop, Adagrad

  @Test
  void rmsprop() {
    // step 1: v = 0.01·g², w moves by 0.01·g/(0.1·|g| + ε) ≈ 0.1
    assertSteps(
        new double[][] {
          {1 - 0.01 / (0.1 + 1e-8), -2 + 0.01 * 6 / (0.6 + 1e-8)},
          {0.8329179752650593, -1.8309433278740568},
          {0.7799822819823541, -1.7753494441022075}
        },
        run(p -> new RMSprop(p, 0.01)));
  }

  @Test
  void rmspropCentered() {
    // step 1: v = 0.01·g², a = 0.01·g, denominator sqrt(0.0099)·|g|
    double d = Math.sqrt(0.01 - 0.0001);
    assertSteps(
        new double[][] {
          {1 - 0.01 / (d + 1e-8), -2 + 0.01 * 6 / (6 * d + 1e-8)},
          {0.8317593871030315, -1.8297521513460855},
          {0.7780684196313441, -1.7733354129072625}
        },
        run(p -> new RMSprop(p, RMSprop.options().lr(0.01).centered(true))));
  }

  @Test
  void rmspropMomentumAndWeightDecay() {
    assertSteps(
        new double[][] {
          {0.9000000090909083, -1.9000000016129033},
          {0.7429179821205084, -1.7409433292459404},
          {0.5529149497788726, -1.5441299616858242}
        },
        run(p -> new RMSprop(p, RMSprop.options().lr(0.01).momentum(0.9).weightDecay(0.1))));
    assertSteps(
        new double[][] {
          {0.9666666677777778, -1.9666666668518518},
          {0.9115901452887253, -1.9113801529478465},
          {0.8405964728357034, -1.8396450141831733}
        },
        run(
            p ->
                new RMSprop(
                    p, RMSprop.options().lr(0.01).alpha(0.9).momentum(0.9).centered(true))));
  }

  @Test
  void adagrad() {
    // step 1: s = g², w moves by 0.1·g/(|g| + 1e-10)
    assertSteps(
        new double[][] {
          {1 - 0.1 / (1 + 1e-10), -2 + 0.6 / (6 + 1e-10)},
          {0.8331035268523168, -1.8311250538109978},
          {0.7804561813655163, -1.775821515011569}
        },
        run(p -> new Adagrad(p, 0.1)));
  }

  @Test
  void adagradDecayAndInitialAccumulator() {
    // step 1: g = (1.1, -6.2), s = 0.2 + g², lr 0.1 (no decay yet)
    assertSteps(
        new double[][] {
          {
            1 - 0.1 * 1.1 / (Math.sqrt(0.2 + 1.21) + 1e-10),
            -2 + 0.1 * 6.2 / (Math.sqrt(0.2 + 38.44) + 1e-10)
          },
          {0.8644673168067641, -1.8544018665644664},
          {0.83833557353452, -1.8265349942816214}
        },
        run(
            p ->
                new Adagrad(
                    p,
                    Adagrad.options()
                        .lr(0.1)
                        .lrDecay(0.5)
                        .weightDecay(0.1)
                        .initialAccumulatorValue(0.2))));
  }

  @Test
  void adagradStateExistsBeforeTheFirstStep() {
    Tensor w = Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true);
    Adagrad opt = new Adagrad(List.of(w), Adagrad.options().initialAccumulatorValue(0.5));
    Map<String, Tensor> sd = opt.stateDict();
    assertEquals(0, sd.get("state.0.step").item());
    assertArrayEquals(new double[] {0.5, 0.5}, sd.get("state.0.sum").toDoubleArray());
  }

  // ---------------------------------------------------------------- mechanics

  @Test
  void paramGroupsHaveTheirOwnLearningRates() {
    Tensor fast = Tensor.vector(1.0).requiresGrad(true);
    Tensor slow = Tensor.vector(1.0).requiresGrad(true);
    SGD opt =
        new SGD(
            SGD.options().lr(0.1),
            new ParamGroup(List.of(fast)),
            new ParamGroup(List.of(slow)).setLr(0.01));
    fast.mul(2).add(slow.mul(2)).sum().backward(); // both gradients are 2
    opt.step();
    assertEquals(0.8, fast.item(), 1e-15);
    assertEquals(0.98, slow.item(), 1e-15);
    assertEquals(0.1, opt.paramGroups().get(0).lr());
    assertEquals(0.01, opt.paramGroups().get(1).lr());
    opt.paramGroups().get(0).setLr(0.5);
    opt.step(); // the same gradients again
    assertEquals(-0.2, fast.item(), 1e-15);
  }

  @Test
  void parametersWithoutGradientsAreSkipped() {
    Tensor used = Tensor.vector(1.0).requiresGrad(true);
    Tensor unused = Tensor.vector(1.0).requiresGrad(true);
    Adam opt = new Adam(List.of(used, unused), 0.1);
    used.mul(3).sum().backward();
    opt.step();
    assertEquals(1.0, unused.item());
    assertTrue(opt.state(unused).isEmpty());
    assertEquals(1, opt.state(used).get("step").item());
    assertTrue(used.item() < 1);
  }

  @Test
  void zeroGradClearsAndStepKeepsTheParameterTensor() {
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    SGD opt = new SGD(List.of(w), 0.1, 0.9);
    w.sum().backward();
    opt.step();
    assertSame(w, opt.paramGroups().get(0).params().get(0));
    assertEquals(DType.FLOAT32, opt.state(w).get("momentum_buffer").dtype());
    opt.zeroGrad();
    assertNull(w.grad());
    assertTrue(w.requiresGrad() && w.isLeaf());
  }

  @Test
  void closureIsEvaluatedWithRecordingOn() {
    Tensor w = Tensor.vector(2.0).requiresGrad(true);
    SGD opt = new SGD(List.of(w), 0.25);
    Tensor loss =
        opt.step(
            () -> {
              opt.zeroGrad();
              Tensor l = w.square().sum();
              l.backward();
              return l;
            });
    assertEquals(4, loss.item());
    assertEquals(1.0, w.item()); // 2 − 0.25·4
  }

  @Test
  void hyperParametersAreValidated() {
    List<Tensor> p = List.of(Tensor.zeros(1).requiresGrad(true));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SGD(p, -1));
    assertEquals("SGD: invalid lr -1.0 (must be >= 0.0)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new SGD(p, SGD.options().lr(0.1).nesterov(true)));
    assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Adam(p, Adam.options().betas(1.0, 0.9)));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SGD(SGD.options(), new ParamGroup(p).set("betas", 0.9)));
    assertTrue(e.getMessage().contains("unknown hyper-parameter 'betas'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SGD(SGD.options(), new ParamGroup(p), new ParamGroup(p)));
    assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    Tensor nonLeaf = Tensor.zeros(1).requiresGrad(true).mul(2);
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(nonLeaf), 0.1));
  }

  @Test
  void stateDictHasPyTorchNames() {
    Tensor w = Tensor.vector(1.0, 2.0).requiresGrad(true);
    Tensor b = Tensor.vector(0.5).requiresGrad(true);
    SGD opt = new SGD(List.of(w, b), 0.1, 0.9);
    w.sum().backward(); // b gets no gradient: no state
    opt.step();
    Map<String, Tensor> sd = opt.stateDict();
    assertEquals(
        List.of(
            "state.0.momentum_buffer",
            "param_groups.0.lr",
            "param_groups.0.momentum",
            "param_groups.0.dampening",
            "param_groups.0.weight_decay",
            "param_groups.0.nesterov",
            "param_groups.0.params"),
        List.copyOf(sd.keySet()));
    assertEquals(0, sd.get("param_groups.0.lr").dim());
    assertEquals(DType.FLOAT64, sd.get("param_groups.0.lr").dtype());
    assertEquals(0.1, sd.get("param_groups.0.lr").item());
    assertArrayEquals(new double[] {0, 1}, sd.get("param_groups.0.params").toDoubleArray());
    // a snapshot: a later step does not change it
    w.sum().backward();
    opt.step();
    assertArrayEquals(new double[] {1, 1}, sd.get("state.0.momentum_buffer").toDoubleArray());
  }

  @Test
  void loadStateDictRejectsADictThatDoesNotFit() {
    Tensor w = Tensor.vector(1.0, 2.0).requiresGrad(true);
    Adam adam = new Adam(List.of(w), 0.1);
    w.sum().backward();
    adam.step();
    Map<String, Tensor> sd = adam.stateDict();

    SGD sgd = new SGD(List.of(Tensor.vector(1.0, 2.0).requiresGrad(true)), 0.1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(sd));
    assertTrue(e.getMessage().contains("lacks hyper-parameters [dampening"), e.getMessage());

    Adam wrongShape = new Adam(List.of(Tensor.vector(1.0, 2.0, 3.0).requiresGrad(true)), 0.1);
    e = assertThrows(IllegalArgumentException.class, () -> wrongShape.loadStateDict(sd));
    assertTrue(
        e.getMessage().contains("state.0.exp_avg has shape [2] but parameter 0 has shape [3]"),
        e.getMessage());

    Adam twoParams =
        new Adam(
            List.of(Tensor.vector(1.0, 2.0).requiresGrad(true), Tensor.zeros(1).requiresGrad(true)),
            0.1);
    e = assertThrows(IllegalArgumentException.class, () -> twoParams.loadStateDict(sd));
    assertTrue(
        e.getMessage().contains("has 1 params in the checkpoint but 2 here"), e.getMessage());
  }

  @Test
  void loadStateDictRestoresHyperParametersAndConvertsDtypes() {
    Tensor w64 = Tensor.vector(1.0, 2.0).requiresGrad(true);
    Adam source = new Adam(List.of(w64), Adam.options().lr(0.02).amsgrad(true));
    w64.sum().backward();
    source.step();
    Tensor w32 = Tensor.vector(1f, 2f).requiresGrad(true);
    Adam target = new Adam(List.of(w32), 0.5);
    target.loadStateDict(source.stateDict());
    assertEquals(0.02, target.paramGroups().get(0).lr());
    assertEquals(1, target.paramGroups().get(0).get("amsgrad"));
    assertEquals(DType.FLOAT32, target.state(w32).get("exp_avg").dtype());
    assertEquals(DType.FLOAT64, target.state(w32).get("step").dtype());
    assertEquals(1, target.state(w32).get("step").item());
  }
}

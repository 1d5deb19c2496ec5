package dev.grad4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.func.GradCheck;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Registry-driven float64 finite-difference gradient checks: every differentiable op of {@link
 * Tensor} has at least one case here, and {@link #everyTensorOpHasAGradientCaseOrAnExemption} fails
 * when a new op is added without one.
 */
class OpGradientTest {

  /** How a case's input values are drawn (all from a seeded generator, in float64). */
  enum Kind {
    /** Standard normal. */
    NORMAL,
    /** |normal| + 0.5: for log, sqrt and the base of pow. */
    POSITIVE,
    /** sign(x)(|x| + 0.2): away from the kink at 0 (abs, relu, sign, divisors). */
    NONZERO,
    /** A shuffled grid with spacing 0.37: no ties and no near-ties (max, min). */
    DISTINCT
  }

  record Input(Kind kind, int[] shape) {}

  /**
   * One gradient check: {@code op} is the name of the Tensor method under test, {@code label} says
   * which form or shapes; {@code eps} is the finite-difference step.
   */
  record Case(String op, String label, Function<Tensor[], Tensor> f, Input[] inputs, double eps) {
    String name() {
      return op + " " + label;
    }

    Tensor[] makeInputs() {
      Generator gen = new Generator(name().hashCode());
      Tensor[] out = new Tensor[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        out[i] = make(gen, inputs[i]);
      }
      return out;
    }

    Case withEps(double newEps) {
      return new Case(op, label, f, inputs, newEps);
    }
  }

  static Tensor make(Generator gen, Input in) {
    int[] shape = in.shape();
    Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, shape);
    return switch (in.kind()) {
      case NORMAL -> x;
      case POSITIVE -> x.abs().add(0.5);
      case NONZERO -> x.sign().mul(x.abs().add(0.2));
      case DISTINCT -> {
        int n = Shapes.numel(shape);
        yield Tensor.randperm(gen, n).sub((n - 1) / 2.0).mul(0.37).reshape(shape);
      }
    };
  }

  static Input n(int... shape) {
    return new Input(Kind.NORMAL, shape);
  }

  static Input pos(int... shape) {
    return new Input(Kind.POSITIVE, shape);
  }

  static Input nz(int... shape) {
    return new Input(Kind.NONZERO, shape);
  }

  static Input dist(int... shape) {
    return new Input(Kind.DISTINCT, shape);
  }

  static Case c(String op, String label, Function<Tensor[], Tensor> f, Input... inputs) {
    return new Case(op, label, f, inputs, GradCheck.DEFAULT_EPS);
  }

  static Tensor idx(int... values) {
    return Tensor.of(values, values.length);
  }

  // Shapes every binary op is checked on: equal, both-sided broadcast, trailing-dim broadcast,
  // scalar on either side.
  private static final int[][][] BINARY_SHAPES = {
    {{2, 3}, {2, 3}}, {{3, 1}, {1, 4}}, {{2, 3}, {3}}, {{}, {2, 3}}, {{2, 3}, {}}, {{4}, {2, 1, 4}}
  };

  private static String shapes(int[] a, int[] b) {
    return Shapes.format(a) + "x" + Shapes.format(b);
  }

  private static void binary(
      List<Case> cases,
      String op,
      java.util.function.BinaryOperator<Tensor> f,
      Function<int[], Input> left,
      Function<int[], Input> right) {
    for (int[][] s : BINARY_SHAPES) {
      cases.add(
          c(
              op,
              shapes(s[0], s[1]),
              in -> f.apply(in[0], in[1]),
              left.apply(s[0]),
              right.apply(s[1])));
    }
  }

  static List<Case> firstOrderCases() {
    List<Case> cs = new ArrayList<>();
    // ---- binary, broadcast
    binary(cs, "add", Tensor::add, OpGradientTest::n, OpGradientTest::n);
    binary(cs, "sub", Tensor::sub, OpGradientTest::n, OpGradientTest::n);
    binary(cs, "mul", Tensor::mul, OpGradientTest::n, OpGradientTest::n);
    binary(cs, "div", Tensor::div, OpGradientTest::n, OpGradientTest::nz);
    binary(cs, "pow", Tensor::pow, OpGradientTest::pos, OpGradientTest::n);
    binary(cs, "maximum", Tensor::maximum, OpGradientTest::n, OpGradientTest::n);
    binary(cs, "minimum", Tensor::minimum, OpGradientTest::n, OpGradientTest::n);
    // the same tensor on both sides
    cs.add(c("mul", "x*x", in -> in[0].mul(in[0]), n(2, 3)));
    cs.add(c("sub", "x-x.t()", in -> in[0].sub(in[0].t()), n(3, 3)));
    // ---- scalar forms
    cs.add(c("add", "scalar", in -> in[0].add(1.5), n(2, 3)));
    cs.add(c("sub", "scalar", in -> in[0].sub(1.5), n(2, 3)));
    cs.add(c("mul", "scalar", in -> in[0].mul(-2.5), n(2, 3)));
    cs.add(c("div", "scalar", in -> in[0].div(-2.5), n(2, 3)));
    cs.add(c("rsub", "scalar", in -> in[0].rsub(1.5), n(2, 3)));
    cs.add(c("pow", "scalar 2", in -> in[0].pow(2), n(2, 3)));
    cs.add(c("pow", "scalar 3", in -> in[0].pow(3), n(2, 3)));
    cs.add(c("pow", "scalar 0.5", in -> in[0].pow(0.5), pos(2, 3)));
    cs.add(c("pow", "scalar -1.5", in -> in[0].pow(-1.5), pos(2, 3)));
    cs.add(c("pow", "scalar 0", in -> in[0].pow(0), n(2, 3)));
    cs.add(c("pow", "scalar 1", in -> in[0].pow(1), n(2, 3)));
    cs.add(c("square", "", in -> in[0].square(), n(2, 3)));
    cs.add(c("neg", "", in -> in[0].neg(), n(2, 3)));
    // ---- unary
    cs.add(c("exp", "", in -> in[0].exp(), n(2, 3)));
    cs.add(c("log", "", in -> in[0].log(), pos(2, 3)));
    cs.add(c("sqrt", "", in -> in[0].sqrt(), pos(2, 3)));
    cs.add(c("abs", "", in -> in[0].abs(), nz(2, 3)));
    cs.add(c("sign", "", in -> in[0].sign(), nz(2, 3)));
    cs.add(c("tanh", "", in -> in[0].tanh(), n(2, 3)));
    cs.add(c("sigmoid", "", in -> in[0].sigmoid(), n(2, 3)));
    cs.add(c("sigmoid", "large", in -> in[0].mul(20).sigmoid(), n(2, 3)));
    cs.add(c("relu", "", in -> in[0].relu(), nz(2, 3)));
    cs.add(c("leakyRelu", "", in -> in[0].leakyRelu(0.1), nz(2, 3)));
    cs.add(c("sin", "", in -> in[0].sin(), n(2, 3)));
    cs.add(c("cos", "", in -> in[0].cos(), n(2, 3)));
    cs.add(c("clamp", "", in -> in[0].clamp(-0.5, 0.5), n(3, 4)));
    cs.add(c("erf", "", in -> in[0].erf(), n(2, 3)));
    cs.add(c("erf", "wide", in -> in[0].mul(3).erf(), n(2, 3)));
    cs.add(c("exp", "non-contiguous", in -> in[0].t().exp(), n(2, 3)));
    // ---- where
    Tensor mask = Tensor.of(new double[] {1, 0, 0, 1, 1, 0}, 2, 3);
    cs.add(c("where", "[2,3]", in -> Tensor.where(mask, in[0], in[1]), n(2, 3), n(2, 3)));
    Tensor col = Tensor.of(new double[] {1, 0, 1}, 3, 1);
    cs.add(c("where", "[3,1]?[1,4]:[]", in -> Tensor.where(col, in[0], in[1]), n(1, 4), n()));
    cs.add(
        c(
            "where",
            "float32 mask",
            in -> Tensor.where(mask.to(DType.FLOAT32), in[0], in[1]),
            n(3),
            n(2, 1)));
    // ---- reductions
    cs.add(c("sum", "all", in -> in[0].sum(), n(2, 3, 4)));
    cs.add(c("sum", "dim 1", in -> in[0].sum(1), n(2, 3, 4)));
    cs.add(c("sum", "dim -1 keepDim", in -> in[0].sum(-1, true), n(2, 3, 4)));
    cs.add(c("sum", "dims {0,2}", in -> in[0].sum(new int[] {0, 2}, false), n(2, 3, 4)));
    cs.add(c("sum", "dims {2,0} keepDim", in -> in[0].sum(new int[] {2, 0}, true), n(2, 3, 4)));
    cs.add(c("sum", "scalar", in -> in[0].sum(), n()));
    cs.add(c("mean", "all", in -> in[0].mean(), n(2, 3, 4)));
    cs.add(c("mean", "dim 0", in -> in[0].mean(0), n(2, 3, 4)));
    cs.add(c("mean", "dim 1 keepDim", in -> in[0].mean(1, true), n(2, 3, 4)));
    cs.add(c("mean", "dims {0,1}", in -> in[0].mean(new int[] {0, 1}, false), n(2, 3, 4)));
    cs.add(c("mean", "dims {-1,0} keepDim", in -> in[0].mean(new int[] {-1, 0}, true), n(2, 3, 4)));
    cs.add(c("max", "all", in -> in[0].max(), dist(2, 3, 4)));
    cs.add(c("max", "dim 1", in -> in[0].max(1, false), dist(2, 3, 4)));
    cs.add(c("max", "dim -1 keepDim", in -> in[0].max(-1, true), dist(2, 3, 4)));
    cs.add(c("max", "dims {0,2}", in -> in[0].max(new int[] {0, 2}, false), dist(2, 3, 4)));
    cs.add(c("max", "dims {0,1} keepDim", in -> in[0].max(new int[] {0, 1}, true), dist(2, 3, 4)));
    cs.add(c("min", "all", in -> in[0].min(), dist(2, 3, 4)));
    cs.add(c("min", "dim 0", in -> in[0].min(0, false), dist(2, 3, 4)));
    cs.add(c("min", "dim 2 keepDim", in -> in[0].min(2, true), dist(2, 3, 4)));
    cs.add(c("min", "dims {1,2}", in -> in[0].min(new int[] {1, 2}, false), dist(2, 3, 4)));
    cs.add(c("min", "dims {0,2} keepDim", in -> in[0].min(new int[] {0, 2}, true), dist(2, 3, 4)));
    cs.add(c("var", "all", in -> in[0].var(), n(2, 3, 4)));
    cs.add(c("var", "dim 1 unbiased", in -> in[0].var(new int[] {1}, false, 1), n(2, 3, 4)));
    cs.add(c("var", "dim -1 keepDim c=0", in -> in[0].var(new int[] {-1}, true, 0), n(2, 3, 4)));
    cs.add(c("var", "dims {0,2}", in -> in[0].var(new int[] {0, 2}, false, 1), n(2, 3, 4)));
    cs.add(c("var", "dims {0,1} keepDim", in -> in[0].var(new int[] {0, 1}, true, 0), n(2, 3, 4)));
    cs.add(c("logsumexp", "dim 1", in -> in[0].logsumexp(1, false), n(3, 4)));
    cs.add(c("logsumexp", "dim 0 keepDim", in -> in[0].logsumexp(0, true), n(3, 4)));
    cs.add(c("logsumexp", "large", in -> in[0].mul(300).logsumexp(-1, false), n(3, 4)));
    cs.add(c("softmax", "dim -1", in -> in[0].softmax(-1), n(3, 4)));
    cs.add(c("softmax", "dim 0", in -> in[0].softmax(0), n(3, 4)));
    cs.add(c("softmax", "3-D dim 1", in -> in[0].softmax(1), n(2, 3, 2)));
    cs.add(c("logSoftmax", "dim -1", in -> in[0].logSoftmax(-1), n(3, 4)));
    cs.add(c("logSoftmax", "dim 0", in -> in[0].logSoftmax(0), n(3, 4)));
    // ---- matmul
    cs.add(c("matmul", "[3].[3]", in -> in[0].matmul(in[1]), n(3), n(3)));
    cs.add(c("matmul", "[3].[3,2]", in -> in[0].matmul(in[1]), n(3), n(3, 2)));
    cs.add(c("matmul", "[2,3].[3]", in -> in[0].matmul(in[1]), n(2, 3), n(3)));
    cs.add(c("matmul", "[2,3].[3,4]", in -> in[0].matmul(in[1]), n(2, 3), n(3, 4)));
    cs.add(c("matmul", "[2,1,3,4].[5,4,2]", in -> in[0].matmul(in[1]), n(2, 1, 3, 4), n(5, 4, 2)));
    cs.add(c("matmul", "[2,3,4].[4]", in -> in[0].matmul(in[1]), n(2, 3, 4), n(4)));
    cs.add(c("matmul", "[3].[2,3,4]", in -> in[0].matmul(in[1]), n(3), n(2, 3, 4)));
    cs.add(c("matmul", "[3,4].[2,4,2]", in -> in[0].matmul(in[1]), n(3, 4), n(2, 4, 2)));
    cs.add(c("matmul", "transposed operands", in -> in[0].t().matmul(in[1].t()), n(3, 2), n(4, 3)));
    cs.add(c("matmul", "[2,3,4].[5,4]^T", in -> in[0].matmul(in[1].t()), n(2, 3, 4), n(5, 4)));
    cs.add(c("matmul", "[4,3]^T.[4,5]", in -> in[0].t().matmul(in[1]), n(4, 3), n(4, 5)));
    // ---- shape and views
    cs.add(c("reshape", "[2,3,4]->[4,-1]", in -> in[0].reshape(4, -1), n(2, 3, 4)));
    cs.add(c("reshape", "copy of transposed", in -> in[0].t().reshape(6), n(2, 3)));
    cs.add(c("reshape", "scalar", in -> in[0].reshape(1, 1), n()));
    cs.add(c("view", "[2,3,4]->[6,4]", in -> in[0].view(6, 4), n(2, 3, 4)));
    cs.add(c("flatten", "all", in -> in[0].flatten(), n(2, 3, 4)));
    cs.add(c("flatten", "dims 1..2", in -> in[0].flatten(1, 2), n(2, 3, 4)));
    cs.add(c("transpose", "0,2", in -> in[0].transpose(0, 2), n(2, 3, 4)));
    cs.add(c("t", "", in -> in[0].t(), n(2, 3)));
    cs.add(c("permute", "2,0,1", in -> in[0].permute(2, 0, 1), n(2, 3, 4)));
    cs.add(c("narrow", "dim 1", in -> in[0].narrow(1, 1, 2), n(2, 4, 3)));
    cs.add(c("narrow", "of transposed", in -> in[0].t().narrow(0, 1, 2), n(2, 4)));
    cs.add(c("select", "dim 0", in -> in[0].select(0, 1), n(2, 3, 4)));
    cs.add(c("select", "dim -1 index -1", in -> in[0].select(-1, -1), n(2, 3, 4)));
    cs.add(c("expand", "[3,1]->[2,3,4]", in -> in[0].expand(2, 3, 4), n(3, 1)));
    cs.add(c("expand", "-1 keeps", in -> in[0].expand(3, -1, 2), n(1, 4, 1)));
    cs.add(c("squeeze", "all", in -> in[0].squeeze(), n(1, 3, 1, 2)));
    cs.add(c("squeeze", "dim 2", in -> in[0].squeeze(2), n(1, 3, 1, 2)));
    cs.add(c("unsqueeze", "dim -1", in -> in[0].unsqueeze(-1), n(2, 3)));
    cs.add(c("contiguous", "of transposed", in -> in[0].t().contiguous(), n(2, 3)));
    cs.add(c("clone", "", in -> in[0].clone(), n(2, 3)));
    // Through float32 the function is a staircase with ~1e-7 steps: a wider step sees the slope.
    cs.add(
        c("to", "float32 and back", in -> in[0].to(DType.FLOAT32).to(DType.FLOAT64), n(2, 3))
            .withEps(1e-2));
    cs.add(c("sumToShape", "[2,3,4]->[3,1]", in -> in[0].sumToShape(3, 1), n(2, 3, 4)));
    cs.add(c("sumToShape", "[2,3]->[]", in -> in[0].sumToShape(), n(2, 3)));
    // ---- sliding windows
    int[] one = {1};
    int[] two = {2};
    cs.add(c("unfold", "k2 s1 p1", in -> in[0].unfold(two, one, one, one), n(1, 2, 3, 3)));
    cs.add(
        c(
            "unfold",
            "k[2,3] s[2,1] p[1,0] d[1,2] pad -1",
            in -> in[0].unfold(two, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, -1),
            n(2, 1, 4, 6)));
    cs.add(
        c(
            "unfoldColumns",
            "k2 s1 p1 batch 2",
            in -> in[0].unfoldColumns(two, one, one, one),
            n(2, 2, 3, 3)));
    cs.add(
        c("fold", "k2 s1 p1", in -> in[0].fold(new int[] {3, 3}, two, one, one, one), n(1, 8, 16)));
    cs.add(
        c(
            "fold",
            "k3 s2 d2 unbatched",
            in -> in[0].fold(new int[] {5, 6}, new int[] {3}, two, one, two),
            n(9, 4)));
    cs.add(
        c(
            "conv2d",
            "k2 s1 p1 bias",
            in -> in[0].conv2d(in[1], in[2], one, one, one),
            n(2, 2, 4, 4),
            n(3, 2, 2, 2),
            n(3)));
    cs.add(
        c(
            "conv2d",
            "k[2,3] s[2,1] p[1,0] d[1,2] no bias",
            in -> in[0].conv2d(in[1], null, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}),
            n(2, 2, 5, 6),
            n(3, 2, 2, 3)));
    cs.add(c("maxPool2d", "k2 s1 p1", in -> in[0].maxPool2d(two, one, one, one), dist(2, 2, 4, 5)));
    cs.add(
        c(
            "maxPool2d",
            "k[3,2] s[2,1] d[1,2]",
            in ->
                in[0].maxPool2d(
                    new int[] {3, 2}, new int[] {2, 1}, new int[] {0}, new int[] {1, 2}),
            dist(1, 2, 6, 7)));
    // ---- joining and indexing
    cs.add(c("cat", "dim 0", in -> Tensor.cat(0, in[0], in[1]), n(2, 3), n(1, 3)));
    cs.add(c("cat", "dim -1, three", in -> Tensor.cat(-1, in[0], in[1], in[0]), n(2, 1), n(2, 3)));
    cs.add(c("stack", "dim 0", in -> Tensor.stack(0, in[0], in[1]), n(2, 3), n(2, 3)));
    cs.add(c("stack", "dim -1", in -> Tensor.stack(-1, in[0], in[1], in[0]), n(2, 3), n(2, 3)));
    cs.add(c("indexSelect", "dim 0 repeats", in -> in[0].indexSelect(0, idx(2, 0, 2, 1)), n(3, 2)));
    cs.add(c("indexSelect", "dim 1", in -> in[0].indexSelect(1, idx(1, 1)), n(3, 2)));
    Tensor gatherIndex = Tensor.of(new int[] {0, 2, 2, 1, 0, 0}, 2, 3);
    cs.add(c("gather", "dim 1 repeats", in -> in[0].gather(1, gatherIndex), n(2, 4)));
    cs.add(c("gather", "dim 0", in -> in[0].gather(0, gatherIndex.clamp(0, 1)), n(3, 3)));
    cs.add(
        c(
            "scatterAdd",
            "dim 1 duplicates",
            in -> Tensor.scatterAdd(new int[] {2, 4}, 1, gatherIndex, in[0]),
            n(2, 3)));
    cs.add(
        c(
            "indexAdd",
            "dim 0 duplicates",
            in -> Tensor.indexAdd(new int[] {3, 2}, 0, idx(2, 0, 2), in[0]),
            n(3, 2)));
    cs.add(
        c(
            "indexAdd",
            "dim 1",
            in -> Tensor.indexAdd(new int[] {2, 4}, 1, idx(3, 0), in[0]),
            n(2, 2)));
    return cs;
  }

  static List<Case> secondOrderCases() {
    List<Case> cs = new ArrayList<>();
    cs.add(c("mul", "[3,1]x[1,4]", in -> in[0].mul(in[1]), n(3, 1), n(1, 4)));
    cs.add(c("mul", "x*x", in -> in[0].mul(in[0]), n(2, 3)));
    cs.add(c("div", "[2,3]/[3]", in -> in[0].div(in[1]), n(2, 3), nz(3)));
    cs.add(c("pow", "scalar 3", in -> in[0].pow(3), n(2, 3)));
    cs.add(c("pow", "scalar -1.5", in -> in[0].pow(-1.5), pos(2, 3)));
    cs.add(c("pow", "tensor exponent", in -> in[0].pow(in[1]), pos(2, 3), n(3)));
    cs.add(c("square", "", in -> in[0].square(), n(2, 3)));
    cs.add(c("exp", "", in -> in[0].exp(), n(2, 3)));
    cs.add(c("log", "", in -> in[0].log(), pos(2, 3)));
    cs.add(c("sqrt", "", in -> in[0].sqrt(), pos(2, 3)));
    cs.add(c("tanh", "", in -> in[0].tanh(), n(2, 3)));
    cs.add(c("sigmoid", "", in -> in[0].sigmoid(), n(2, 3)));
    cs.add(c("sin", "", in -> in[0].sin(), n(2, 3)));
    cs.add(c("cos", "", in -> in[0].cos(), n(2, 3)));
    cs.add(c("erf", "", in -> in[0].erf(), n(2, 3)));
    cs.add(
        c(
            "unfoldColumns",
            "squared",
            in ->
                in[0]
                    .unfoldColumns(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {1})
                    .square(),
            n(2, 1, 3, 3)));
    cs.add(
        c(
            "conv2d",
            "tanh, bias",
            in -> in[0].conv2d(in[1], in[2], new int[] {1}, new int[] {1}, new int[] {1}).tanh(),
            n(2, 2, 3, 3),
            n(2, 2, 2, 2),
            n(2)));
    cs.add(
        c(
            "maxPool2d",
            "squared",
            in ->
                in[0]
                    .maxPool2d(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {1})
                    .square(),
            dist(1, 2, 3, 4)));
    cs.add(
        c(
            "unfold",
            "squared",
            in -> in[0].unfold(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {1}).square(),
            n(1, 1, 3, 3)));
    cs.add(c("matmul", "[2,3].[3,4]", in -> in[0].matmul(in[1]), n(2, 3), n(3, 4)));
    cs.add(c("matmul", "[2,1,2,3].[2,3,2]", in -> in[0].matmul(in[1]), n(2, 1, 2, 3), n(2, 3, 2)));
    cs.add(c("matmul", "x.x^T", in -> in[0].matmul(in[0].t()), n(2, 3)));
    cs.add(c("sum", "of squares", in -> in[0].square().sum(1), n(2, 3)));
    cs.add(c("mean", "of cubes", in -> in[0].pow(3).mean(new int[] {0}, true), n(2, 3)));
    cs.add(c("logsumexp", "dim 1", in -> in[0].logsumexp(1, false), n(2, 3)));
    cs.add(c("softmax", "dim -1", in -> in[0].softmax(-1), n(2, 3)));
    cs.add(c("logSoftmax", "dim 0", in -> in[0].logSoftmax(0), n(2, 3)));
    cs.add(c("var", "dim 1", in -> in[0].var(new int[] {1}, false, 1), n(2, 3)));
    cs.add(c("var", "all c=0", in -> in[0].var(new int[0], false, 0), n(2, 3)));
    cs.add(
        c(
            "tanh",
            "MLP",
            in -> in[1].matmul(in[0].matmul(in[2]).tanh()).sum(),
            n(3, 2),
            n(1, 3),
            n(2, 1)));
    return cs;
  }

  static Stream<Arguments> firstOrder() {
    return firstOrderCases().stream().map(k -> Arguments.of(k.name(), k));
  }

  static Stream<Arguments> secondOrder() {
    return secondOrderCases().stream().map(k -> Arguments.of(k.name(), k));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("firstOrder")
  void gradient(String name, Case k) {
    Tensor[] inputs = k.makeInputs();
    GradCheck.Result r =
        GradCheck.check(k.f(), k.eps(), GradCheck.DEFAULT_ATOL, GradCheck.DEFAULT_RTOL, inputs);
    assertTrue(r.passed(), name + ": " + r);
    assertTrue(r.checked() > 0, name + ": nothing was checked");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("secondOrder")
  void secondOrderGradient(String name, Case k) {
    GradCheck.assertSecondOrderPasses(k.f(), k.makeInputs());
  }

  /**
   * Public Tensor methods that return a Tensor but need no gradient case, each with the reason. Any
   * other such method must be the op of some case above.
   */
  private static final Set<String> EXEMPT =
      Set.of(
          // creation: no tensor inputs to differentiate
          "of",
          "vector",
          "scalar",
          "zeros",
          "ones",
          "full",
          "zerosLike",
          "onesLike",
          "fullLike",
          "arange",
          "linspace",
          "eye",
          "rand",
          "uniform",
          "randn",
          "normal",
          "bernoulli",
          "randperm",
          // comparisons and predicates: 0/1 masks that never require grad
          "eq",
          "ne",
          "lt",
          "le",
          "gt",
          "ge",
          "isFinite",
          // integer results
          "argmax",
          "argmin",
          "oneHot",
          // in place: not differentiable by design
          "addInPlace",
          "subInPlace",
          "mulInPlace",
          "reluInPlace",
          "expInPlace",
          "tanhInPlace",
          "sigmoidInPlace",
          "copyFrom",
          "fill",
          "zero",
          "set",
          // autograd plumbing, not ops
          "detach",
          "requiresGrad",
          "grad",
          "peekGrad",
          "retainGrad",
          "registerHook");

  @Test
  void everyTensorOpHasAGradientCaseOrAnExemption() {
    Set<String> covered = new TreeSet<>();
    firstOrderCases().forEach(k -> covered.add(k.op()));
    Set<String> missing = new TreeSet<>();
    Set<String> seen = new TreeSet<>();
    for (Method m : Tensor.class.getMethods()) {
      if (m.getReturnType() != Tensor.class || !Modifier.isPublic(m.getModifiers())) {
        continue;
      }
      seen.add(m.getName());
      if (!covered.contains(m.getName()) && !EXEMPT.contains(m.getName())) {
        missing.add(m.getName());
      }
    }
    assertTrue(missing.isEmpty(), "Tensor ops without a gradient case or exemption: " + missing);
    // The registry and the exemptions must not name methods that do not exist.
    Set<String> stale = new TreeSet<>(covered);
    stale.addAll(EXEMPT);
    stale.removeAll(seen);
    assertTrue(stale.isEmpty(), "registry names that are not Tensor methods: " + stale);
    // And second-order cases name real ops too.
    Set<String> secondStale = new TreeSet<>();
    secondOrderCases().forEach(k -> secondStale.add(k.op()));
    secondStale.removeAll(seen);
    assertTrue(secondStale.isEmpty(), "second-order names that are not Tensor ops: " + secondStale);
  }
}

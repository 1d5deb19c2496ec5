package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.BinaryOp;
import dev.grad4j.backend.UnaryOp;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Elementwise ops: for each, the forward kernel call and the derivative rule side by side. Rules
 * return gradients of the output's shape; the engine sums them back to broadcast inputs' shapes.
 */
final class Pointwise {
  private Pointwise() {}

  private static Tensor map(UnaryOp op, double p, double q, Tensor x) {
    Tensor out = Tensor.emptyToOverwrite(x.dtype(), x.shapeRef());
    Tensor.backend().unary(op, p, q, x.strided(), out.strided());
    return out;
  }

  private static Tensor zip(String name, BinaryOp op, Tensor a, Tensor b) {
    int[] shape = Shapes.broadcast(name, a.shapeRef(), b.shapeRef());
    Tensor out = Tensor.emptyToOverwrite(DType.promote(a.dtype(), b.dtype()), shape);
    Tensor.backend().binary(op, a.strided(name, shape), b.strided(name, shape), out.strided());
    return out;
  }

  /** op(x) written into out (see {@link Tensor#writeResult}); {@code fresh} is the plain op. */
  static Tensor mapInto(String name, UnaryOp op, Tensor x, Tensor out, Supplier<Tensor> fresh) {
    return Tensor.writeResultLike(
        name, out, x, true, o -> Tensor.backend().unary(op, 0, 0, x.strided(), o.strided()), fresh);
  }

  /** a op b, broadcast, written into out (see {@link Tensor#writeResult}). */
  static Tensor zipInto(
      String name, BinaryOp op, Tensor a, Tensor b, Tensor out, Supplier<Tensor> fresh) {
    int[] shape = Shapes.broadcast(name, a.shapeRef(), b.shapeRef());
    return Tensor.writeResult(
        name,
        out,
        DType.promote(a.dtype(), b.dtype()),
        shape,
        new Tensor[] {a, b},
        true,
        o ->
            Tensor.backend()
                .binary(op, a.strided(name, shape), b.strided(name, shape), o.strided()),
        fresh);
  }

  // ---- unary

  static Tensor neg(Tensor x) {
    return record(
        "neg", map(UnaryOp.NEG, 0, 0, x), new Tensor[] {x}, saved(), g -> new Tensor[] {g.neg()});
  }

  static Tensor exp(Tensor x) {
    Tensor y = map(UnaryOp.EXP, 0, 0, x);
    return record("exp", y, new Tensor[] {x}, saved(y), g -> new Tensor[] {g.mul(y)});
  }

  static Tensor log(Tensor x) {
    return record(
        "log", map(UnaryOp.LOG, 0, 0, x), new Tensor[] {x}, saved(x), g -> new Tensor[] {g.div(x)});
  }

  static Tensor sqrt(Tensor x) {
    Tensor y = map(UnaryOp.SQRT, 0, 0, x);
    return record("sqrt", y, new Tensor[] {x}, saved(y), g -> new Tensor[] {g.div(y.mul(2))});
  }

  static Tensor abs(Tensor x) {
    return record(
        "abs",
        map(UnaryOp.ABS, 0, 0, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {g.mul(x.sign())});
  }

  static Tensor sign(Tensor x) {
    // Piecewise constant: the derivative is truly zero (not "undefined").
    return record(
        "sign",
        map(UnaryOp.SIGN, 0, 0, x),
        new Tensor[] {x},
        saved(),
        g -> new Tensor[] {Tensor.zerosLike(g)});
  }

  static Tensor tanh(Tensor x) {
    Tensor y = map(UnaryOp.TANH, 0, 0, x);
    return record(
        "tanh",
        y,
        new Tensor[] {x},
        saved(y),
        g ->
            new Tensor[] {
              recordingOrMixed(g, y)
                  ? g.mul(y.square().rsub(1))
                  // Not 1 - y² in place too: a pass over memory costs more than an allocation.
                  : y.square().rsub(1).mulInPlace(g)
            });
  }

  static Tensor sigmoid(Tensor x) {
    Tensor y = map(UnaryOp.SIGMOID, 0, 0, x);
    return record(
        "sigmoid",
        y,
        new Tensor[] {x},
        saved(y),
        g ->
            new Tensor[] {
              recordingOrMixed(g, y)
                  ? g.mul(y.mul(y.rsub(1)))
                  : y.rsub(1).mulInPlace(y).mulInPlace(g) // the same products, commuted
            });
  }

  static Tensor relu(Tensor x) {
    Tensor y = map(UnaryOp.RELU, 0, 0, x);
    return record(
        "relu",
        y,
        new Tensor[] {x},
        saved(y),
        g -> new Tensor[] {recordingOrMixed(g, y) ? g.mul(y.gt(0)) : reluGradient(g, y)});
  }

  // g·(y > 0) in one pass and one fresh tensor instead of a mask and a product: the same bits.
  static Tensor reluGradient(Tensor g, Tensor y) {
    return zip("relu", BinaryOp.RELU_BACKWARD, g, y);
  }

  // Activation rules build their gradient from temporaries only they hold; when no graph is being
  // recorded they chain those operations in place on the first one, saving the fresh allocations
  // (for a large tensor each costs about as much as the operation itself) with the same bits. Not
  // while recording (the gradient must stay differentiable) or when g's dtype or shape differs from
  // the output's (the product would then promote or broadcast).
  private static boolean recordingOrMixed(Tensor g, Tensor y) {
    return GradMode.isEnabled()
        || g.dtype() != y.dtype()
        || !Arrays.equals(g.shapeRef(), y.shapeRef());
  }

  static Tensor sin(Tensor x) {
    return record(
        "sin",
        map(UnaryOp.SIN, 0, 0, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {g.mul(x.cos())});
  }

  static Tensor cos(Tensor x) {
    return record(
        "cos",
        map(UnaryOp.COS, 0, 0, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {g.mul(x.sin()).neg()});
  }

  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

  static Tensor erf(Tensor x) {
    return record(
        "erf",
        map(UnaryOp.ERF, 0, 0, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI))});
  }

  static Tensor powScalar(Tensor x, double p) {
    return record(
        "pow",
        map(UnaryOp.POW_SCALAR, p, 0, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {p == 0 ? Tensor.zerosLike(g) : g.mul(x.pow(p - 1).mul(p))});
  }

  static Tensor clamp(Tensor x, double min, double max) {
    return record(
        "clamp",
        map(UnaryOp.CLAMP, min, max, x),
        new Tensor[] {x},
        saved(x),
        g -> new Tensor[] {g.mul(x.ge(min).mul(x.le(max)))});
  }

  // ---- binary

  static Tensor add(Tensor a, Tensor b) {
    return record(
        "add",
        zip("add", BinaryOp.ADD, a, b),
        new Tensor[] {a, b},
        saved(),
        g -> new Tensor[] {g, g});
  }

  static Tensor sub(Tensor a, Tensor b) {
    return record(
        "sub",
        zip("sub", BinaryOp.SUB, a, b),
        new Tensor[] {a, b},
        saved(),
        g -> new Tensor[] {g, g.neg()});
  }

  static Tensor mul(Tensor a, Tensor b) {
    return record(
        "mul",
        zip("mul", BinaryOp.MUL, a, b),
        new Tensor[] {a, b},
        saved(a, b),
        g -> new Tensor[] {g.mul(b), g.mul(a)});
  }

  static Tensor div(Tensor a, Tensor b) {
    return record(
        "div",
        zip("div", BinaryOp.DIV, a, b),
        new Tensor[] {a, b},
        saved(a, b),
        g -> new Tensor[] {g.div(b), g.mul(a).div(b.square()).neg()});
  }

  static Tensor pow(Tensor a, Tensor b) {
    Tensor y = zip("pow", BinaryOp.POW, a, b);
    return record(
        "pow",
        y,
        new Tensor[] {a, b},
        saved(a, b, y),
        g -> {
          // d/da a^b = b a^(b-1), taken as 0 where b == 0 (a^0 is constant; 0 * 0^-1 would be NaN).
          Tensor da =
              Tensor.where(b.ne(0), g.mul(b).mul(a.pow(b.sub(1))), Tensor.scalar(0, g.dtype()));
          // d/db a^b = a^b log a, taken as 0 where a <= 0 (log undefined); log of a masked base
          // keeps NaN out of second derivatives.
          Tensor positive = a.gt(0);
          Tensor safeLog = Tensor.where(positive, a, Tensor.onesLike(a)).log();
          Tensor db = Tensor.where(positive, g.mul(y).mul(safeLog), Tensor.zerosLike(y));
          return new Tensor[] {da, db};
        });
  }

  static Tensor maximum(Tensor a, Tensor b) {
    return extremum("maximum", BinaryOp.MAXIMUM, BinaryOp.GT, a, b);
  }

  static Tensor minimum(Tensor a, Tensor b) {
    return extremum("minimum", BinaryOp.MINIMUM, BinaryOp.LT, a, b);
  }

  // The winner gets the gradient; at ties each side gets half (as torch.maximum does).
  private static Tensor extremum(String name, BinaryOp op, BinaryOp wins, Tensor a, Tensor b) {
    return record(
        name,
        zip(name, op, a, b),
        new Tensor[] {a, b},
        saved(a, b),
        g -> {
          Tensor tie = compare("eq", BinaryOp.EQ, a, b).mul(0.5);
          Tensor aWins = compare(name, wins, a, b).add(tie);
          Tensor bWins = compare(name, wins, b, a).add(tie);
          return new Tensor[] {g.mul(aWins), g.mul(bWins)};
        });
  }

  static Tensor where(Tensor condition, Tensor a, Tensor b) {
    int[] shape =
        Shapes.broadcast(
            "where", Shapes.broadcast("where", condition.shapeRef(), a.shapeRef()), b.shapeRef());
    Tensor out = Tensor.empty(DType.promote(a.dtype(), b.dtype()), shape);
    Tensor.backend()
        .where(
            condition.strided("where", shape),
            a.strided("where", shape),
            b.strided("where", shape),
            out.strided());
    Tensor mask = condition.detach();
    return record(
        "where",
        out,
        new Tensor[] {condition, a, b},
        saved(condition),
        g -> {
          Tensor zero = Tensor.scalar(0, g.dtype());
          return new Tensor[] {null, Tensor.where(mask, g, zero), Tensor.where(mask, zero, g)};
        });
  }

  /** A comparison: a 0/1 mask of the promoted dtype that never requires grad. */
  static Tensor compare(String name, BinaryOp op, Tensor a, Tensor b) {
    return zip(name, op, a, b);
  }
}

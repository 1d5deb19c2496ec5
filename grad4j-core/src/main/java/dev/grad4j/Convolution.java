package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.autograd.GradMode;
import dev.grad4j.backend.Window2d;

/**
 * 2-D convolution (groups 1) as three ops that are each other's derivatives: the convolution F(x,
 * W), its input gradient Gx(gy, W) and its weight gradient Gw(x, gy). All three are bilinear, and
 * each one's adjoints are the other two (⟨F(x, W), gy⟩ = ⟨x, Gx(gy, W)⟩ = ⟨W, Gw(x, gy)⟩), so
 * gradients of any order stay within the set. The backend computes each one directly when it can
 * (float32 on the CPU: per image, without a batch-wide column matrix or a permuting copy);
 * otherwise it is composed from unfold, matmul and fold.
 */
final class Convolution {
  private Convolution() {}

  /** x [N, C, H, W], weight [out, C, kh, kw], bias [out] or null: [N, out, oh, ow]. */
  static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Window2d g) {
    DType dtype = DType.promote(x.dtype(), weight.dtype());
    if (bias != null) {
      dtype = DType.promote(dtype, bias.dtype());
    }
    Tensor xd = x.to(dtype);
    Tensor wd = weight.to(dtype);
    Tensor bd = bias == null ? null : bias.to(dtype);
    int h = x.size(2);
    int w = x.size(3);
    Tensor y = compute(xd, wd, bd, g);
    boolean needX = xd.requiresGrad();
    boolean needW = wd.requiresGrad();
    boolean needB = bd != null && bd.requiresGrad();
    Tensor[] inputs = bd == null ? new Tensor[] {xd, wd} : new Tensor[] {xd, wd, bd};
    return record(
        "conv2d",
        y,
        inputs,
        saved(xd, wd),
        gy -> {
          Tensor gx = needX ? inputGrad(gy, wd, h, w, g) : null;
          Tensor gw = needW ? weightGrad(xd, gy, g) : null;
          if (bd == null) {
            return new Tensor[] {gx, gw};
          }
          return new Tensor[] {gx, gw, needB ? biasGrad(gy) : null};
        });
  }

  // The sum of gy [N, out, oh, ow] over all but dim 1: each image row first (contiguous runs, the
  // fast path of sum), then over the images, instead of one generic reduction over three dims.
  private static Tensor biasGrad(Tensor gy) {
    int n = gy.size(0);
    int out = gy.size(1);
    return gy.reshape(n, out, -1).sum(2).sum(0);
  }

  // Gx(gy, W) [N, C, h, w]: the adjoint of F(·, W).
  private static Tensor inputGrad(Tensor gy, Tensor weight, int h, int w, Window2d g) {
    DType dtype = DType.promote(gy.dtype(), weight.dtype());
    Tensor gyd = gy.to(dtype);
    Tensor wd = weight.to(dtype);
    Tensor gx;
    try (var noGrad = GradMode.disabled()) {
      Tensor gyc = gyd.contiguous();
      Tensor wc = wd.contiguous();
      gx = Tensor.zerosToAddInto(dtype, new int[] {gy.size(0), weight.size(1), h, w});
      if (!Tensor.backend().conv2dInputGrad(gyc.strided(), wc.strided(), g, gx.strided())) {
        int out = weight.size(0);
        Tensor cols =
            wc.reshape(out, -1).t().matmul(gyc.reshape(gy.size(0), out, -1)); // [N, C·kh·kw, L]
        gx = Windows.fold(cols, h, w, g);
      }
    }
    return record(
        "conv2dInputGrad",
        gx,
        new Tensor[] {gyd, wd},
        saved(gyd, wd),
        gr ->
            new Tensor[] {
              gyd.requiresGrad() ? forward(gr, wd, null, g) : null,
              wd.requiresGrad() ? weightGrad(gr, gyd, g) : null
            });
  }

  // Gw(x, gy) [out, C, kh, kw]: the adjoint of F(x, ·).
  private static Tensor weightGrad(Tensor x, Tensor gy, Window2d g) {
    DType dtype = DType.promote(x.dtype(), gy.dtype());
    Tensor xd = x.to(dtype);
    Tensor gyd = gy.to(dtype);
    int h = x.size(2);
    int w = x.size(3);
    Tensor gw;
    try (var noGrad = GradMode.disabled()) {
      Tensor xc = xd.contiguous();
      Tensor gyc = gyd.contiguous();
      gw = Tensor.empty(dtype, new int[] {gy.size(1), x.size(1), g.kernelH(), g.kernelW()});
      if (!Tensor.backend().conv2dWeightGrad(xc.strided(), gyc.strided(), g, gw.strided())) {
        int n = x.size(0);
        Tensor cols = Windows.unfold(xc, g, 0); // [N, C·kh·kw, L]
        gw = gyc.reshape(n, gy.size(1), -1).matmul(cols.transpose(1, 2)).sum(0).reshape(gw.shape());
      }
    }
    return record(
        "conv2dWeightGrad",
        gw,
        new Tensor[] {xd, gyd},
        saved(xd, gyd),
        gr ->
            new Tensor[] {
              xd.requiresGrad() ? inputGrad(gyd, gr, h, w, g) : null,
              gyd.requiresGrad() ? forward(xd, gr, null, g) : null
            });
  }

  // F(x, W) + bias, recorded: used by the rules above, where it is the adjoint of Gx or Gw.
  private static Tensor forward(Tensor x, Tensor weight, Tensor bias, Window2d g) {
    if (Recorder.recording(x, weight) || (bias != null && Recorder.recording(bias))) {
      return conv2d(x, weight, bias, g);
    }
    return compute(x, weight, bias, g);
  }

  private static Tensor compute(Tensor x, Tensor weight, Tensor bias, Window2d g) {
    DType dtype = DType.promote(x.dtype(), weight.dtype());
    int n = x.size(0);
    int out = weight.size(0);
    int oh = g.outH(x.size(2));
    int ow = g.outW(x.size(3));
    try (var noGrad = GradMode.disabled()) {
      Tensor xc = x.to(dtype).contiguous();
      Tensor wc = weight.to(dtype).contiguous();
      Tensor bc = bias == null ? null : bias.to(dtype).contiguous();
      Tensor y = Tensor.emptyToOverwrite(dtype, new int[] {n, out, oh, ow});
      if (Tensor.backend()
          .conv2d(xc.strided(), wc.strided(), bc == null ? null : bc.strided(), g, y.strided())) {
        return y;
      }
      Tensor cols = Windows.unfold(xc, g, 0); // [N, C·kh·kw, L]
      y = wc.reshape(out, -1).matmul(cols);
      if (bc != null) {
        y = y.add(bc.reshape(out, 1));
      }
      return y.reshape(n, out, oh, ow);
    }
  }
}

package dev.grad4j;

import static dev.grad4j.Recorder.record;
import static dev.grad4j.Recorder.saved;

import dev.grad4j.backend.Window2d;

/**
 * Max pooling as one pass that keeps each window's chosen position, and two ops through those
 * positions: scatter (the gradient) and gather (its adjoint), each the other's derivative, so
 * gradients of any order flow without unfolding the windows.
 */
final class MaxPooling {
  private MaxPooling() {}

  /** x [N, C, H, W] pooled over the windows of g: [N, C, oh, ow]. */
  static Tensor maxPool2d(Tensor x, Window2d g) {
    Tensor xc = x.contiguous();
    int[] in = xc.shape();
    Tensor out =
        Tensor.emptyToOverwrite(xc.dtype(), new int[] {in[0], in[1], g.outH(in[2]), g.outW(in[3])});
    int[] index = new int[Math.toIntExact(out.numel())];
    Tensor.backend().maxPool2d(xc.strided(), g, out.strided(), index);
    return record(
        "maxPool2d",
        out,
        new Tensor[] {xc},
        saved(xc),
        gy -> new Tensor[] {scatter(gy, index, in)});
  }

  // g [N, C, oh, ow] added into zeros [in] at the chosen positions.
  private static Tensor scatter(Tensor g, int[] index, int[] in) {
    Tensor gc = g.contiguous();
    int[] pooled = gc.shape();
    Tensor out = Tensor.zerosToAddInto(gc.dtype(), in);
    Tensor.backend().maxPool2dScatter(gc.strided(), index, out.strided());
    return record(
        "maxPool2dBackward",
        out,
        new Tensor[] {gc},
        saved(),
        gr -> new Tensor[] {gather(gr, index, pooled)});
  }

  // x [N, C, H, W] read at the chosen positions: [pooled].
  private static Tensor gather(Tensor x, int[] index, int[] pooled) {
    Tensor xc = x.contiguous();
    int[] in = xc.shape();
    Tensor out = Tensor.empty(xc.dtype(), pooled);
    Tensor.backend().maxPool2dGather(xc.strided(), index, out.strided());
    return record(
        "maxPool2dGather",
        out,
        new Tensor[] {xc},
        saved(),
        gr -> new Tensor[] {scatter(gr, index, in)});
  }
}

package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.SgdStep;
import dev.grad4j.backend.Strided;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused float32 optimizer updates: one pass over parameter, gradient and state instead of one pass
 * per elementwise op and a fresh tensor for each intermediate. An update is memory-bound, so the
 * passes it saves are the time it saves.
 *
 * <p>Every element goes through the same float32 operations, in the same order, as the update
 * composed from {@code Tensor} ops (no fused multiply-add), so both give the same bits; and each
 * element is independent, so splitting across threads changes nothing.
 */
final class FloatUpdates {
  private FloatUpdates() {}

  private static final VectorSpecies<Float> S = FloatKernels.S;
  private static final int L = S.length();

  /** Elements per thread piece at least: below this, threading costs more than it saves. */
  private static final int GRAIN = 1 << 16;

  /** {@link dev.grad4j.backend.Backend#sgdStep} for contiguous float32 operands of one size. */
  static boolean sgd(Strided param, Strided grad, Strided buf, SgdStep step) {
    boolean momentum = step.momentum() != 0;
    if (momentum != (buf != null)
        || !fits(param, grad)
        || (momentum && (!fits(param, buf) || buf.storage() == grad.storage()))) {
      return false;
    }
    float[] p = param.storage().floats();
    float[] g = grad.storage().floats();
    float[] b = momentum ? buf.storage().floats() : null;
    int po = param.offset();
    int go = grad.offset();
    int bo = momentum ? buf.offset() : 0;
    Parallel.forRange(
        param.numel(),
        GRAIN,
        (from, to) -> {
          if (momentum && plainMomentum(step)) {
            plain(p, po + from, g, go + from, b, bo + from, to - from, step);
          } else {
            general(p, po + from, g, go + from, b, bo + from, to - from, step);
          }
        });
    return true;
  }

  // Same shape as the parameter, float32, contiguous, and not the parameter's own storage.
  private static boolean fits(Strided param, Strided other) {
    return other.storage().dtype() == DType.FLOAT32
        && param.storage().dtype() == DType.FLOAT32
        && java.util.Arrays.equals(param.shape(), other.shape())
        && contiguous(param)
        && contiguous(other)
        && param.storage() != other.storage();
  }

  private static boolean contiguous(Strided s) {
    return java.util.Arrays.equals(s.strides(), Strided.rowMajorStrides(s.shape()))
        || s.numel() <= 1;
  }

  // The common case: momentum on a later step, no weight decay, dampening or Nesterov.
  private static boolean plainMomentum(SgdStep step) {
    return !step.firstStep()
        && step.weightDecay() == 0
        && step.dampening() == 0
        && !step.nesterov();
  }

  // buf = μ·buf + g; p -= γ·buf.
  private static void plain(
      float[] p, int po, float[] g, int go, float[] b, int bo, int n, SgdStep step) {
    float lr = (float) step.lr();
    float mu = (float) step.momentum();
    // The factors as vectors, broadcast once outside the loop.
    FloatVector lrv = FloatVector.broadcast(S, lr);
    FloatVector muv = FloatVector.broadcast(S, mu);
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector bv =
          FloatVector.fromArray(S, b, bo + i).mul(muv).add(FloatVector.fromArray(S, g, go + i));
      bv.intoArray(b, bo + i);
      FloatVector.fromArray(S, p, po + i).sub(bv.mul(lrv)).intoArray(p, po + i);
    }
    for (; i < n; i++) {
      float bv = b[bo + i] * mu + g[go + i];
      b[bo + i] = bv;
      p[po + i] -= bv * lr;
    }
  }

  // Every option; b is null without momentum.
  private static void general(
      float[] p, int po, float[] g, int go, float[] b, int bo, int n, SgdStep step) {
    float lr = (float) step.lr();
    float mu = (float) step.momentum();
    float wd = (float) step.weightDecay();
    float keep = (float) (1 - step.dampening());
    boolean decay = step.weightDecay() != 0;
    boolean damp = step.dampening() != 0;
    boolean first = step.firstStep();
    boolean nesterov = step.nesterov();
    FloatVector lrv = FloatVector.broadcast(S, lr);
    FloatVector muv = FloatVector.broadcast(S, mu);
    FloatVector wdv = FloatVector.broadcast(S, wd);
    FloatVector keepv = FloatVector.broadcast(S, keep);
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector pv = FloatVector.fromArray(S, p, po + i);
      FloatVector gv = FloatVector.fromArray(S, g, go + i);
      if (decay) {
        gv = gv.add(pv.mul(wdv));
      }
      if (b != null) {
        FloatVector bv = gv;
        if (!first) {
          bv = FloatVector.fromArray(S, b, bo + i).mul(muv).add(damp ? gv.mul(keepv) : gv);
        }
        bv.intoArray(b, bo + i);
        gv = nesterov ? gv.add(bv.mul(muv)) : bv;
      }
      pv.sub(gv.mul(lrv)).intoArray(p, po + i);
    }
    for (; i < n; i++) {
      float pv = p[po + i];
      float gv = g[go + i];
      if (decay) {
        gv = gv + pv * wd;
      }
      if (b != null) {
        float bv = gv;
        if (!first) {
          bv = b[bo + i] * mu + (damp ? gv * keep : gv);
        }
        b[bo + i] = bv;
        gv = nesterov ? gv + bv * mu : bv;
      }
      p[po + i] = pv - gv * lr;
    }
  }
}

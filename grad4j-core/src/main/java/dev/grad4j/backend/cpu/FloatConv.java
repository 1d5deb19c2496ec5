package dev.grad4j.backend.cpu;

import dev.grad4j.DType;
import dev.grad4j.backend.Storage;
import dev.grad4j.backend.Strided;
import dev.grad4j.backend.Window2d;
import java.util.Arrays;

/**
 * float32 convolution one image at a time: each image's windows are unfolded into a per-thread
 * buffer that stays in cache and multiplied by {@link Sgemm} straight into the output's [N, out,
 * oh, ow] layout, so there is neither a batch-wide column matrix nor a permuting copy. Threads
 * split the images; every image is computed the same way whatever the split, and the weight
 * gradient sums the images in fixed chunks (see {@link #weightGrad}), so results are identical for
 * every thread count.
 */
final class FloatConv {
  private FloatConv() {}

  /**
   * Images per chunk of the weight gradient's sum. Fixed, not derived from the thread count, so the
   * order of the additions never changes; 8 chunks of a batch of 64 keep up to 8 threads busy.
   */
  private static final int CHUNKS = 8;

  // Per thread: one image's unfolded windows [C·kh·kw, L].
  private static final Scratch COLUMNS = new Scratch();

  // Per thread: the weight gradient's partial sums per lane (LaneDots) for a short kernel.
  private static final Scratch LANES = new Scratch();

  /** out [N, out, oh, ow] = weight [out, C, kh, kw] * x [N, C, H, W] (+ bias [out] per channel). */
  static boolean forward(Strided x, Strided weight, Strided bias, Window2d g, Strided out) {
    if (!floats(x, weight, out) || !dense(weight) || !dense(out) || !rowsContiguous(x)) {
      return false;
    }
    if (bias != null && bias.storage().dtype() != DType.FLOAT32) {
      return false;
    }
    Shape s = Shape.of(x, weight.shape()[0], g);
    float[] wa = weight.storage().floats();
    float[] ya = out.storage().floats();
    Parallel.forRange(
        s.images,
        s.grain(),
        (from, to) -> {
          float[] cols = COLUMNS.get(s.per * s.blocks);
          Strided colsView = s.columnsView(cols);
          int threads = s.innerThreads(to - from);
          for (int n = from; n < to; n++) {
            FloatWindows.unfold(s.image(x, n), g, 0, colsView);
            int yOff = out.offset() + n * s.outChannels * s.blocks;
            // [out, per] x [per, L], added to the bias when there is one.
            if (s.per <= SgemmShallow.MAX_K) {
              shallow(threads, bias, s, wa, weight.offset(), cols, ya, yOff);
              continue;
            }
            if (bias != null) {
              float[] ba = bias.storage().floats();
              for (int o = 0; o < s.outChannels; o++) {
                float v = ba[bias.offset() + o * bias.strides()[0]];
                Arrays.fill(ya, yOff + o * s.blocks, yOff + (o + 1) * s.blocks, v);
              }
            }
            Sgemm.gemm(
                threads,
                bias != null,
                1,
                s.outChannels,
                s.blocks,
                s.per,
                wa,
                weight.offset(),
                0,
                s.per,
                1,
                cols,
                0,
                0,
                s.blocks,
                1,
                ya,
                yOff,
                0,
                s.blocks,
                1);
          }
        });
    return true;
  }

  // y [out, L] = bias + weight [out, per] x cols [per, L] for a short per (one input channel), the
  // sums starting from each channel's bias (no bias: from zero), the columns split between threads
  // when one image has them all.
  private static void shallow(
      int threads, Strided bias, Shape s, float[] w, int wOff, float[] cols, float[] y, int yOff) {
    int step = 2 * Sgemm.L;
    long macsPerStep = (long) s.outChannels * s.per * step;
    Parallel.forRange(
        (s.blocks + step - 1) / step,
        threads == 1 ? Integer.MAX_VALUE : (int) Math.max(1, Sgemm.PARALLEL_MIN_MACS / macsPerStep),
        (from, to) -> {
          int j = from * step;
          int n = Math.min(s.blocks, to * step) - j;
          SgemmShallow.gemm(
              bias == null ? null : bias.storage().floats(),
              bias == null ? 0 : bias.offset(),
              bias == null ? 0 : bias.strides()[0],
              s.outChannels,
              n,
              s.per,
              w,
              wOff,
              s.per,
              cols,
              j,
              s.blocks,
              y,
              yOff + j,
              s.blocks);
        });
  }

  /**
   * Adds the input gradient of a convolution into gx [N, C, H, W]: per image, weightᵀ [C·kh·kw,
   * out] times gy [out, L], folded back onto the image.
   */
  static boolean inputGrad(Strided gy, Strided weight, Window2d g, Strided gx) {
    if (!floats(gy, weight, gx) || !dense(weight) || !dense(gy) || !dense(gx)) {
      return false;
    }
    Shape s = Shape.of(gx, weight.shape()[0], g);
    // weightᵀ made contiguous once, so every image's product reads it in place.
    float[] wt = new float[s.per * s.outChannels];
    Sgemm.transposeCopy(
        weight.storage().floats(),
        weight.offset(),
        1,
        s.per,
        wt,
        0,
        s.outChannels,
        s.per,
        s.outChannels);
    float[] ga = gy.storage().floats();
    Parallel.forRange(
        s.images,
        s.grain(),
        (from, to) -> {
          float[] cols = COLUMNS.get(s.per * s.blocks);
          Strided colsView = s.columnsView(cols);
          int threads = s.innerThreads(to - from);
          for (int n = from; n < to; n++) {
            Sgemm.gemm(
                threads,
                false,
                1,
                s.per,
                s.blocks,
                s.outChannels,
                wt,
                0,
                0,
                s.outChannels,
                1,
                ga,
                gy.offset() + n * s.outChannels * s.blocks,
                0,
                s.blocks,
                1,
                cols,
                0,
                0,
                s.blocks,
                1);
            FloatWindows.fold(colsView, g, s.image(gx, n));
          }
        });
    return true;
  }

  /**
   * gw [out, C, kh, kw] = the sum over images of gy [out, L] times the image's windowsᵀ [L,
   * C·kh·kw]. The images are cut into at most {@link #CHUNKS} chunks that depend only on the batch
   * size; each chunk's sum is accumulated image by image in one buffer, and the chunks are added in
   * order at the end.
   */
  static boolean weightGrad(Strided x, Strided gy, Window2d g, Strided gw) {
    if (!floats(x, gy, gw) || !dense(gy) || !dense(gw) || !rowsContiguous(x)) {
      return false;
    }
    Shape s = Shape.of(x, gy.shape()[1], g);
    int size = s.outChannels * s.per;
    float[] wa = gw.storage().floats();
    if (s.images == 0) {
      Arrays.fill(wa, gw.offset(), gw.offset() + size, 0f);
      return true;
    }
    int chunks = Math.min(CHUNKS, s.images);
    float[] partial = chunks == 1 ? wa : new float[chunks * size];
    int base = chunks == 1 ? gw.offset() : 0;
    float[] ga = gy.storage().floats();
    Parallel.forRange(
        chunks,
        Math.max(1, s.grain() * chunks / s.images),
        (from, to) -> {
          float[] cols = COLUMNS.get(s.per * s.blocks);
          Strided colsView = s.columnsView(cols);
          int threads = s.innerThreads(to - from);
          for (int chunk = from; chunk < to; chunk++) {
            int first = (int) ((long) s.images * chunk / chunks);
            int last = (int) ((long) s.images * (chunk + 1) / chunks);
            // Few weights per output channel: dot products along the positions, kept per lane
            // over the chunk's images (LaneDots); otherwise products added image by image.
            boolean shallow = s.per <= SgemmShallow.MAX_K;
            float[] lanes = shallow ? LANES.get(LaneDots.size(s.outChannels, s.per)) : null;
            if (shallow) {
              Arrays.fill(lanes, 0, LaneDots.size(s.outChannels, s.per), 0f);
            }
            for (int n = first; n < last; n++) {
              FloatWindows.unfold(s.image(x, n), g, 0, colsView);
              int gyOff = gy.offset() + n * s.outChannels * s.blocks;
              if (shallow) {
                LaneDots.accumulate(
                    lanes, s.outChannels, s.per, s.blocks, ga, gyOff, s.blocks, cols, 0, s.blocks);
                continue;
              }
              // [out, L] x [L, per]: the windows read transposed.
              Sgemm.gemm(
                  threads,
                  n > first,
                  1,
                  s.outChannels,
                  s.per,
                  s.blocks,
                  ga,
                  gyOff,
                  0,
                  s.blocks,
                  1,
                  cols,
                  0,
                  0,
                  1,
                  s.blocks,
                  partial,
                  base + chunk * size,
                  0,
                  s.per,
                  1);
            }
            if (shallow) {
              LaneDots.sum(lanes, s.outChannels, s.per, partial, base + chunk * size, s.per);
            }
          }
        });
    if (chunks > 1) {
      for (int i = 0; i < size; i++) {
        float sum = partial[i];
        for (int chunk = 1; chunk < chunks; chunk++) {
          sum += partial[chunk * size + i];
        }
        wa[gw.offset() + i] = sum;
      }
    }
    return true;
  }

  private static boolean floats(Strided a, Strided b, Strided c) {
    return a.storage().dtype() == DType.FLOAT32
        && b.storage().dtype() == DType.FLOAT32
        && c.storage().dtype() == DType.FLOAT32;
  }

  private static boolean dense(Strided t) {
    return Arrays.equals(t.strides(), Strided.rowMajorStrides(t.shape()));
  }

  // What FloatWindows needs of an image: unit stride along the width.
  private static boolean rowsContiguous(Strided x) {
    return x.shape()[3] == 1 || x.strides()[3] == 1;
  }

  /** The sizes of one convolution, from its image [N, C, H, W] and output channel count. */
  private record Shape(
      int images, int channels, int h, int w, int per, int blocks, int outChannels) {
    static Shape of(Strided image, int outChannels, Window2d g) {
      int[] sh = image.shape();
      int blocks = g.outH(sh[2]) * g.outW(sh[3]);
      return new Shape(sh[0], sh[1], sh[2], sh[3], sh[1] * g.kernelSize(), blocks, outChannels);
    }

    // Images per thread at least: a thread gets at least Sgemm's parallel threshold of work.
    int grain() {
      long macs = (long) outChannels * per * Math.max(1, blocks);
      return (int) Math.max(1, Math.min(images, Sgemm.PARALLEL_MIN_MACS / Math.max(1, macs)));
    }

    // Threads for each image's product: all of them when the images alone cannot keep them busy
    // (a nested call inside the pool runs on its thread anyway).
    int innerThreads(int imagesHere) {
      long macs = (long) outChannels * per * blocks;
      return imagesHere >= Parallel.threads() || macs < Sgemm.PARALLEL_MIN_MACS
          ? 1
          : Parallel.threads();
    }

    // Image n of t [N, C, H, W] as a batch of one.
    Strided image(Strided t, int n) {
      int[] st = t.strides();
      return new Strided(t.storage(), new int[] {1, channels, h, w}, st, t.offset() + n * st[0]);
    }

    Strided columnsView(float[] cols) {
      return new Strided(
          Storage.wrap(cols), new int[] {1, per, blocks}, new int[] {per * blocks, blocks, 1}, 0);
    }
  }
}

package dev.grad4j.nn;

import dev.grad4j.Tensor;

/** Direct nested-loop definitions of the windowed layers, to test the fast paths against. */
final class Reference {
  private Reference() {}

  static int out(int size, int kernel, int stride, int pad, int dilation) {
    return (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
  }

  /** Cross-correlation with zero padding; g = {kh, kw, sh, sw, ph, pw, dh, dw}. */
  static Tensor conv2d(Tensor x, Tensor w, Tensor b, int[] g, int groups) {
    int n = x.size(0);
    int c = x.size(1);
    int h = x.size(2);
    int wd = x.size(3);
    int out = w.size(0);
    int perGroupIn = c / groups;
    int perGroupOut = out / groups;
    int oh = out(h, g[0], g[2], g[4], g[6]);
    int ow = out(wd, g[1], g[3], g[5], g[7]);
    double[] r = new double[n * out * oh * ow];
    for (int bi = 0; bi < n; bi++) {
      for (int o = 0; o < out; o++) {
        int group = o / perGroupOut;
        for (int y = 0; y < oh; y++) {
          for (int z = 0; z < ow; z++) {
            double acc = b == null ? 0 : b.get(o);
            for (int ci = 0; ci < perGroupIn; ci++) {
              for (int i = 0; i < g[0]; i++) {
                for (int j = 0; j < g[1]; j++) {
                  int ih = y * g[2] - g[4] + i * g[6];
                  int iw = z * g[3] - g[5] + j * g[7];
                  if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                    acc += x.get(bi, group * perGroupIn + ci, ih, iw) * w.get(o, ci, i, j);
                  }
                }
              }
            }
            r[((bi * out + o) * oh + y) * ow + z] = acc;
          }
        }
      }
    }
    return Tensor.of(r, n, out, oh, ow);
  }

  /** Max (max = true) or average pooling; average divides by kh·kw or by the in-bounds count. */
  static Tensor pool(Tensor x, int[] g, boolean max, boolean countIncludePad) {
    int n = x.size(0);
    int c = x.size(1);
    int h = x.size(2);
    int wd = x.size(3);
    int oh = out(h, g[0], g[2], g[4], g[6]);
    int ow = out(wd, g[1], g[3], g[5], g[7]);
    double[] r = new double[n * c * oh * ow];
    for (int bi = 0; bi < n; bi++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < oh; y++) {
          for (int z = 0; z < ow; z++) {
            double best = Double.NEGATIVE_INFINITY;
            double sum = 0;
            int inside = 0;
            for (int i = 0; i < g[0]; i++) {
              for (int j = 0; j < g[1]; j++) {
                int ih = y * g[2] - g[4] + i * g[6];
                int iw = z * g[3] - g[5] + j * g[7];
                if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                  double v = x.get(bi, ch, ih, iw);
                  best = Math.max(best, v);
                  sum += v;
                  inside++;
                }
              }
            }
            double avg = sum / (countIncludePad ? g[0] * g[1] : inside);
            r[((bi * c + ch) * oh + y) * ow + z] = max ? best : avg;
          }
        }
      }
    }
    return Tensor.of(r, n, c, oh, ow);
  }

  /** PyTorch's adaptive average pooling bins: start = ⌊i·H/out⌋, end = ⌈(i+1)·H/out⌉. */
  static Tensor adaptiveAvgPool(Tensor x, int outH, int outW) {
    int n = x.size(0);
    int c = x.size(1);
    int h = x.size(2);
    int wd = x.size(3);
    double[] r = new double[n * c * outH * outW];
    for (int bi = 0; bi < n; bi++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < outH; y++) {
          int h0 = (int) Math.floor((double) y * h / outH);
          int h1 = (int) Math.ceil((double) (y + 1) * h / outH);
          for (int z = 0; z < outW; z++) {
            int w0 = (int) Math.floor((double) z * wd / outW);
            int w1 = (int) Math.ceil((double) (z + 1) * wd / outW);
            double sum = 0;
            for (int i = h0; i < h1; i++) {
              for (int j = w0; j < w1; j++) {
                sum += x.get(bi, ch, i, j);
              }
            }
            r[((bi * c + ch) * outH + y) * outW + z] = sum / ((h1 - h0) * (w1 - w0));
          }
        }
      }
    }
    return Tensor.of(r, n, c, outH, outW);
  }
}

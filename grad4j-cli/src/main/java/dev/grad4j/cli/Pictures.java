package dev.grad4j.cli;

import dev.grad4j.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Pictures for the attack, saliency and visualize commands: tensors to images (grey scale, signed,
 * heat map), captioned grids, PNG files. Uses java.awt off screen, so it runs headless.
 */
final class Pictures {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** How many screen pixels one input pixel becomes. */
  static final int SCALE = 4;

  private static final int CAPTION = 14;
  private static final int PAD = 6;

  private Pictures() {}

  /** One cell of a grid: an image and a caption under it (may be empty). */
  record Cell(BufferedImage image, String caption) {}

  /** The [H, W] plane of one example [C, H, W], [H, W] or a flat [H·W] with H = W. */
  static double[][] plane(Tensor t) {
    double[] v = t.toDoubleArray();
    int h;
    int w;
    int[] s = t.shape();
    if (s.length >= 2) {
      h = s[s.length - 2];
      w = s[s.length - 1];
    } else {
      h = (int) Math.round(Math.sqrt(v.length));
      w = h;
      if (h * w != v.length) {
        throw new IllegalArgumentException(
            "cannot draw an input of shape " + Arrays.toString(s) + " as an image");
      }
    }
    // with several channels, their mean
    int c = v.length / (h * w);
    double[][] p = new double[h][w];
    for (int k = 0; k < c; k++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          p[i][j] += v[k * h * w + i * w + j] / c;
        }
      }
    }
    return p;
  }

  /** Grey levels: lo is black, hi is white. */
  static BufferedImage gray(double[][] p, double lo, double hi) {
    return paint(
        p,
        v -> {
          int g = level((v - lo) / (hi - lo));
          return new Color(g, g, g).getRGB();
        });
  }

  /** Signed values: 0 is mid grey, −absMax black, +absMax white (a perturbation made visible). */
  static BufferedImage signed(double[][] p, double absMax) {
    double m = absMax > 0 ? absMax : 1;
    return gray(p, -m, m);
  }

  /**
   * A heat map of |p| (black → red → yellow → white), normalised by the 99th percentile so that a
   * few extreme pixels do not wash the rest out.
   */
  static BufferedImage heat(double[][] p) {
    double[] all =
        Arrays.stream(p).flatMapToDouble(Arrays::stream).map(Math::abs).sorted().toArray();
    double top = all.length == 0 ? 1 : all[Math.min(all.length - 1, (int) (0.99 * all.length))];
    double norm = top > 0 ? top : 1;
    return paint(
        p,
        v -> {
          double t = Math.min(1, Math.abs(v) / norm);
          int r = level(3 * t);
          int g = level(3 * t - 1);
          int b = level(3 * t - 2);
          return new Color(r, g, b).getRGB();
        });
  }

  private static int level(double t) {
    return (int) Math.round(255 * Math.max(0, Math.min(1, t)));
  }

  private interface Shade {
    int rgb(double v);
  }

  private static BufferedImage paint(double[][] p, Shade shade) {
    int h = p.length;
    int w = h == 0 ? 0 : p[0].length;
    BufferedImage img = new BufferedImage(w * SCALE, h * SCALE, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++) {
        int rgb = shade.rgb(p[i][j]);
        for (int a = 0; a < SCALE; a++) {
          for (int b = 0; b < SCALE; b++) {
            img.setRGB(j * SCALE + b, i * SCALE + a, rgb);
          }
        }
      }
    }
    return img;
  }

  /**
   * A grid of captioned cells on white, rows of equal length (null cells stay blank), with an
   * optional title line on top.
   */
  static BufferedImage grid(String title, List<List<Cell>> rows) {
    int cols = rows.stream().mapToInt(List::size).max().orElse(0);
    int cw = 0;
    int ch = 0;
    for (List<Cell> row : rows) {
      for (Cell c : row) {
        if (c != null) {
          cw = Math.max(cw, c.image().getWidth());
          ch = Math.max(ch, c.image().getHeight());
        }
      }
    }
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    // widen cells so captions fit
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    FontMetrics fm = pg.getFontMetrics(font);
    for (List<Cell> row : rows) {
      for (Cell c : row) {
        if (c != null && c.caption() != null) {
          cw = Math.max(cw, fm.stringWidth(c.caption()) + 2);
        }
      }
    }
    int titleH = title == null || title.isEmpty() ? 0 : CAPTION + PAD;
    int width = Math.max(1, PAD + cols * (cw + PAD));
    if (titleH > 0) {
      width = Math.max(width, fm.stringWidth(title) + 2 * PAD);
    }
    pg.dispose();
    int height = Math.max(1, titleH + PAD + rows.size() * (ch + CAPTION + PAD));
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(font);
    g.setColor(Color.BLACK);
    if (titleH > 0) {
      g.drawString(title, PAD, PAD + fm.getAscent());
    }
    for (int r = 0; r < rows.size(); r++) {
      int y = titleH + PAD + r * (ch + CAPTION + PAD);
      for (int c = 0; c < rows.get(r).size(); c++) {
        Cell cell = rows.get(r).get(c);
        if (cell == null) {
          continue;
        }
        int x = PAD + c * (cw + PAD);
        BufferedImage im = cell.image();
        g.drawImage(im, x + (cw - im.getWidth()) / 2, y, null);
        if (cell.caption() != null) {
          int tw = fm.stringWidth(cell.caption());
          g.drawString(cell.caption(), x + (cw - tw) / 2, y + ch + fm.getAscent());
        }
      }
    }
    g.dispose();
    return out;
  }

  /** Writes a PNG, creating the parent directory. */
  static void write(BufferedImage img, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer available to write " + file);
    }
  }

  /** Softmax probabilities of each row of logits [B, C]. */
  static double[][] probabilities(Tensor logits) {
    int b = logits.size(0);
    int c = logits.size(1);
    double[] v = logits.toDoubleArray();
    double[][] p = new double[b][c];
    for (int i = 0; i < b; i++) {
      double m = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < c; k++) {
        m = Math.max(m, v[i * c + k]);
      }
      double s = 0;
      for (int k = 0; k < c; k++) {
        p[i][k] = Math.exp(v[i * c + k] - m);
        s += p[i][k];
      }
      for (int k = 0; k < c; k++) {
        p[i][k] /= s;
      }
    }
    return p;
  }

  /** The index of the largest entry. */
  static int argmax(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }

  /** "NAME NN%" for a class with a probability. */
  static String label(String[] names, int k, double p) {
    String n = k < names.length ? names[k] : Integer.toString(k);
    return n + " " + Math.round(100 * p) + "%";
  }
}

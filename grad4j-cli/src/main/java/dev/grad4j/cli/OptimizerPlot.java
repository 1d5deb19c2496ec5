package dev.grad4j.cli;

import dev.grad4j.Tensor;
import dev.grad4j.optim.Adam;
import dev.grad4j.optim.Optimizer;
import dev.grad4j.optim.SGD;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * {@code grad4j explain --optimizers}: SGD, momentum, Nesterov and Adam from the same start on the
 * ill-conditioned quadratic f(x, y) = ½(x² + 50·y²), drawn over its contour lines. The steep y
 * direction limits plain SGD's step, so it zig-zags across the valley and crawls along it; momentum
 * averages the zig-zag out and builds up speed along the valley.
 */
final class OptimizerPlot {
  /** The curvature along y (x has curvature 1): the condition number. */
  static final double KAPPA = 50;

  static final double[] START = {-4.5, 1.4};
  static final int STEPS = 40;
  // Each optimiser gets a learning rate near the best stable one for this function.
  static final double SGD_LR = 0.036;
  static final double MOMENTUM = 0.6;
  static final double MOMENTUM_LR = 0.05;
  static final double NESTEROV_LR = 0.02;
  static final double ADAM_LR = 0.3;

  private static final double X_MIN = -5, X_MAX = 1.5, Y_MIN = -2.4, Y_MAX = 2;
  private static final int WIDTH = 900, HEIGHT = 560, MARGIN = 40;

  /** One optimiser's path: its label, colour, and the points visited (the start first). */
  record Trajectory(String label, Color color, List<double[]> points) {
    double finalLoss() {
      double[] p = points.get(points.size() - 1);
      return f(p[0], p[1]);
    }
  }

  private OptimizerPlot() {}

  static double f(double x, double y) {
    return 0.5 * (x * x + KAPPA * y * y);
  }

  /** Runs the four optimisers with grad4j's autograd and optimisers. */
  static List<Trajectory> run() {
    List<Trajectory> out = new ArrayList<>();
    out.add(path("SGD, lr " + SGD_LR, new Color(0xd62728), p -> new SGD(List.of(p), SGD_LR)));
    out.add(
        path(
            "momentum " + MOMENTUM + ", lr " + MOMENTUM_LR,
            new Color(0x1f77b4),
            p -> new SGD(List.of(p), SGD.options().lr(MOMENTUM_LR).momentum(MOMENTUM))));
    out.add(
        path(
            "Nesterov " + MOMENTUM + ", lr " + NESTEROV_LR,
            new Color(0x2ca02c),
            p ->
                new SGD(
                    List.of(p), SGD.options().lr(NESTEROV_LR).momentum(MOMENTUM).nesterov(true))));
    out.add(path("Adam, lr " + ADAM_LR, new Color(0x9467bd), p -> new Adam(List.of(p), ADAM_LR)));
    return out;
  }

  private static Trajectory path(String label, Color color, Function<Tensor, Optimizer> make) {
    Tensor p = Tensor.of(START.clone(), 2).requiresGrad(true);
    Tensor curvature = Tensor.of(new double[] {1, KAPPA}, 2);
    Optimizer opt = make.apply(p);
    List<double[]> points = new ArrayList<>();
    points.add(p.toDoubleArray());
    for (int i = 0; i < STEPS; i++) {
      opt.zeroGrad();
      Tensor loss = p.square().mul(curvature).sum().mul(0.5);
      loss.backward();
      opt.step();
      points.add(p.toDoubleArray());
    }
    return new Trajectory(label, color, points);
  }

  /** Draws the contour plot with the trajectories and writes it as PNG. */
  static void write(List<Trajectory> paths, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    int plotW = WIDTH - 2 * MARGIN;
    int plotH = HEIGHT - 2 * MARGIN;
    // Shade by level and draw contour lines where the (log-spaced) level index changes.
    double[][] level = new double[plotH + 1][plotW + 1];
    for (int r = 0; r <= plotH; r++) {
      for (int c = 0; c <= plotW; c++) {
        double x = X_MIN + (X_MAX - X_MIN) * c / plotW;
        double y = Y_MAX - (Y_MAX - Y_MIN) * r / plotH;
        level[r][c] = 2.5 * Math.log(f(x, y) + 0.05);
      }
    }
    for (int r = 0; r < HEIGHT; r++) {
      for (int c = 0; c < WIDTH; c++) {
        img.setRGB(c, r, 0xffffff);
      }
    }
    for (int r = 0; r < plotH; r++) {
      for (int c = 0; c < plotW; c++) {
        double v = level[r][c];
        int band = (int) Math.floor(v);
        boolean edge =
            band != (int) Math.floor(level[r][c + 1]) || band != (int) Math.floor(level[r + 1][c]);
        double t = Math.max(0, Math.min(1, (v + 7.5) / 18));
        int shade = (int) (250 - 40 * t);
        int rgb = edge ? 0x9a9a9a : (shade << 16) | (shade << 8) | Math.min(255, shade + 5);
        img.setRGB(MARGIN + c, MARGIN + r, rgb);
      }
    }
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.DARK_GRAY);
      g.drawRect(MARGIN, MARGIN, plotW, plotH);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(
          "Optimisers on f(x, y) = (x² + 50·y²)/2, " + STEPS + " steps from (-4.5, 1.4)",
          MARGIN,
          MARGIN - 14);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (double x = Math.ceil(X_MIN); x <= X_MAX; x++) {
        int px = px(x, plotW);
        g.drawLine(px, MARGIN + plotH, px, MARGIN + plotH + 4);
        g.drawString(fmt(x), px - 6, MARGIN + plotH + 16);
      }
      for (double y = Math.ceil(Y_MIN); y <= Y_MAX; y++) {
        int py = py(y, plotH);
        g.drawLine(MARGIN - 4, py, MARGIN, py);
        g.drawString(fmt(y), MARGIN - 24, py + 4);
      }
      g.drawString("x", MARGIN + plotW / 2, HEIGHT - 8);
      g.drawString("y", 10, MARGIN + plotH / 2);
      g.setClip(MARGIN, MARGIN, plotW + 1, plotH + 1);
      for (Trajectory t : paths) {
        Path2D line = new Path2D.Double();
        for (int i = 0; i < t.points().size(); i++) {
          double[] p = t.points().get(i);
          if (i == 0) {
            line.moveTo(pxd(p[0], plotW), pyd(p[1], plotH));
          } else {
            line.lineTo(pxd(p[0], plotW), pyd(p[1], plotH));
          }
        }
        g.setColor(t.color());
        g.setStroke(new BasicStroke(2f));
        g.draw(line);
        for (double[] p : t.points()) {
          g.fill(new Ellipse2D.Double(pxd(p[0], plotW) - 2.5, pyd(p[1], plotH) - 2.5, 5, 5));
        }
      }
      g.setColor(Color.BLACK);
      g.fill(new Ellipse2D.Double(pxd(0, plotW) - 5, pyd(0, plotH) - 5, 10, 10));
      g.fill(new Ellipse2D.Double(pxd(START[0], plotW) - 4, pyd(START[1], plotH) - 4, 8, 8));
      g.setClip(null);
      // Legend, with each optimiser's loss after the last step.
      int lx = WIDTH - MARGIN - 290;
      int ly = MARGIN + 10;
      g.setColor(new Color(255, 255, 255, 230));
      g.fillRect(lx, ly, 280, 22 * paths.size() + 26);
      g.setColor(Color.DARK_GRAY);
      g.drawRect(lx, ly, 280, 22 * paths.size() + 26);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i < paths.size(); i++) {
        Trajectory t = paths.get(i);
        int y = ly + 20 + 22 * i;
        g.setColor(t.color());
        g.setStroke(new BasicStroke(3f));
        g.drawLine(lx + 10, y - 4, lx + 34, y - 4);
        g.setColor(Color.BLACK);
        g.drawString(
            t.label() + String.format(Locale.ROOT, "   f = %.2g", t.finalLoss()), lx + 42, y);
      }
      g.drawString("● start (left), minimum (0, 0)", lx + 10, ly + 20 + 22 * paths.size());
    } finally {
      g.dispose();
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JDK");
    }
  }

  /** Runs the optimisers, writes the picture, and returns a short text summary. */
  static String render(Path file) throws IOException {
    List<Trajectory> paths = run();
    write(paths, file);
    var sb = new StringBuilder();
    sb.append("Wrote ")
        .append(file)
        .append(": SGD, momentum, Nesterov and Adam on f(x, y) = ½(x² + 50·y²),")
        .append(" condition number 50, ")
        .append(STEPS)
        .append(" steps from (-4.5, 1.4).\n");
    for (Trajectory t : paths) {
      sb.append(
          String.format(
              Locale.ROOT, "  %-24s f after %d steps: %.3g%n", t.label(), STEPS, t.finalLoss()));
    }
    sb.append("Plain SGD's step is capped by the steep y direction (lr < 2/50), so it zig-zags")
        .append(" across the valley and crawls along x;\n")
        .append("momentum averages the zig-zag away and builds speed along the valley.\n");
    return sb.toString();
  }

  private static int px(double x, int plotW) {
    return (int) Math.round(pxd(x, plotW));
  }

  private static int py(double y, int plotH) {
    return (int) Math.round(pyd(y, plotH));
  }

  private static double pxd(double x, int plotW) {
    return MARGIN + (x - X_MIN) / (X_MAX - X_MIN) * plotW;
  }

  private static double pyd(double y, int plotH) {
    return MARGIN + (Y_MAX - y) / (Y_MAX - Y_MIN) * plotH;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}

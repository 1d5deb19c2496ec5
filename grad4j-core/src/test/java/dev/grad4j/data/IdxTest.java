package dev.grad4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  /** Three 2x3 images with every pixel value distinct, and matching labels. */
  private static byte[] pixels() {
    byte[] p = new byte[3 * 2 * 3];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (i * 15);
    }
    p[p.length - 1] = (byte) 255;
    return p;
  }

  private static byte[] imageFile(byte[] pixels, int n, int rows, int cols) throws IOException {
    var out = new ByteArrayOutputStream();
    Idx.writeImages(out, pixels, n, rows, cols);
    return out.toByteArray();
  }

  private static byte[] labelFile(byte... labels) throws IOException {
    var out = new ByteArrayOutputStream();
    Idx.writeLabels(out, labels);
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    var out = new ByteArrayOutputStream();
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] header(int... ints) {
    ByteBuffer b = ByteBuffer.allocate(4 * ints.length);
    for (int v : ints) {
      b.putInt(v);
    }
    return b.array();
  }

  private Path write(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    return p;
  }

  private String imagesError(String name, byte[] data) throws IOException {
    Path p = write(name, data);
    return assertThrows(IdxFormatException.class, () -> Idx.readImages(p)).getMessage();
  }

  private String labelsError(String name, byte[] data) throws IOException {
    Path p = write(name, data);
    return assertThrows(IdxFormatException.class, () -> Idx.readLabels(p)).getMessage();
  }

  @Test
  void writesTheStandardLayout() throws IOException {
    byte[] file = imageFile(pixels(), 3, 2, 3);
    assertArrayEquals(header(0x803, 3, 2, 3), Arrays.copyOf(file, 16));
    assertEquals(16 + 18, file.length);
    assertArrayEquals(header(0x801, 2), Arrays.copyOf(labelFile((byte) 7, (byte) 9), 8));
  }

  @Test
  void readsImagesScaledToUnitRange() throws IOException {
    Tensor images = Idx.readImages(write("img", imageFile(pixels(), 3, 2, 3)));
    assertEquals(DType.FLOAT32, images.dtype());
    assertArrayEquals(new int[] {3, 1, 2, 3}, images.shape());
    float[] v = images.toFloatArray();
    byte[] p = pixels();
    for (int i = 0; i < v.length; i++) {
      assertEquals((p[i] & 0xff) / 255f, v[i], 0f, "pixel " + i);
    }
    assertEquals(0f, v[0]);
    assertEquals(1f, v[v.length - 1]);
  }

  @Test
  void readsLabelsAsFloat64() throws IOException {
    Tensor labels = Idx.readLabels(write("lab", labelFile((byte) 0, (byte) 9, (byte) 200)));
    assertEquals(DType.FLOAT64, labels.dtype());
    assertArrayEquals(new int[] {3}, labels.shape());
    assertArrayEquals(new double[] {0, 9, 200}, labels.toDoubleArray());
  }

  @Test
  void roundTripsThroughPlainAndGzippedFiles() throws IOException {
    Tensor images = Tensor.of(new int[] {0, 51, 102, 153, 204, 255, 17, 34}, 2, 1, 2, 2).div(255);
    Tensor labels = Tensor.of(new int[] {3, 8}, 2);
    for (String suffix : new String[] {"", ".gz"}) {
      Path ip = dir.resolve("images" + suffix);
      Path lp = dir.resolve("labels" + suffix);
      Idx.writeImages(ip, images);
      Idx.writeLabels(lp, labels);
      byte[] head = Arrays.copyOf(Files.readAllBytes(ip), 2);
      assertEquals(suffix.equals(".gz"), head[0] == 0x1f && head[1] == (byte) 0x8b, suffix);
      Tensor back = Idx.readImages(ip);
      assertArrayEquals(images.shape(), back.shape());
      assertTrue(back.allClose(images.to(DType.FLOAT32), 0, 1e-7), "images" + suffix);
      assertArrayEquals(labels.toDoubleArray(), Idx.readLabels(lp).toDoubleArray());
      assertEquals(new Idx.Header(true, 2, 2, 2), Idx.readImagesHeader(ip));
      assertEquals(new Idx.Header(false, 2, 1, 1), Idx.readLabelsHeader(lp));
    }
  }

  @Test
  void writesThreeDimImagesAndRoundsPixels() throws IOException {
    Path p = dir.resolve("x");
    Idx.writeImages(p, Tensor.of(new float[] {0.5f, 0.999f, 0.001f, 1f}, 1, 2, 2));
    byte[] file = Files.readAllBytes(p);
    assertArrayEquals(
        new byte[] {(byte) 128, (byte) 255, 0, (byte) 255}, Arrays.copyOfRange(file, 16, 20));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Idx.writeImages(p, Tensor.of(new float[] {0.5f, 2f}, 1, 1, 2)));
    assertEquals(
        "Idx.writeImages: pixel values must be in [0, 1], found 2.0 at element 1", e.getMessage());
  }

  @Test
  void detectsGzipByMagicBytesNotByName() throws IOException {
    byte[] plain = imageFile(pixels(), 3, 2, 3);
    Tensor a = Idx.readImages(write("gzipped-but-named-plain", gzip(plain)));
    Tensor b = Idx.readImages(write("plain-but-named.gz", plain));
    assertArrayEquals(a.toFloatArray(), b.toFloatArray());
    Tensor c = Idx.readLabels(new ByteArrayInputStream(gzip(labelFile((byte) 4))), "stream");
    assertArrayEquals(new double[] {4}, c.toDoubleArray());
  }

  @Test
  void readsFromStreams() throws IOException {
    Tensor fromStream =
        Idx.readImages(new ByteArrayInputStream(imageFile(pixels(), 3, 2, 3)), "mem");
    assertArrayEquals(new int[] {3, 1, 2, 3}, fromStream.shape());
  }

  @Test
  void rejectsWrongMagic() throws IOException {
    String m = imagesError("labels-as-images", labelFile((byte) 1, (byte) 2, (byte) 3, (byte) 4));
    assertTrue(m.startsWith(dir.resolve("labels-as-images") + ": "), m);
    assertTrue(
        m.endsWith(
            "wrong magic number: expected 0x00000803 (IDX images: unsigned bytes, 3 dims), found"
                + " 0x00000801 (an IDX label file, not images)"),
        m);
    String l = labelsError("images-as-labels", imageFile(pixels(), 3, 2, 3));
    assertTrue(
        l.endsWith(
            "wrong magic number: expected 0x00000801 (IDX labels: unsigned bytes, 1 dim), found"
                + " 0x00000803 (an IDX image file, not labels)"),
        l);
    String png = imagesError("picture.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4});
    assertTrue(png.endsWith("found 0x89504e47 (not an IDX file)"), png);
    String floats = imagesError("floats", header(0x0d03, 1, 1, 1));
    assertTrue(
        floats.endsWith("found 0x00000d03 (an IDX file of element type 0x0d, not unsigned bytes)"),
        floats);
  }

  @Test
  void rejectsTruncatedHeaders() throws IOException {
    assertEquals(
        dir.resolve("empty") + ": truncated header: expected 16 bytes, found 0 (the file is empty)",
        imagesError("empty", new byte[0]));
    assertEquals(
        dir.resolve("short") + ": truncated header: expected 16 bytes, found 9",
        imagesError("short", Arrays.copyOf(imageFile(pixels(), 3, 2, 3), 9)));
    assertEquals(
        dir.resolve("short-labels.gz") + ": truncated header: expected 8 bytes, found 6",
        labelsError("short-labels.gz", gzip(Arrays.copyOf(labelFile((byte) 1), 6))));
    assertEquals(
        dir.resolve("three") + ": truncated header: expected 8 bytes, found 3",
        labelsError("three", new byte[] {0, 0, 8}));
  }

  @Test
  void rejectsTruncatedDataBeforeReadingIt() throws IOException {
    byte[] full = imageFile(pixels(), 3, 2, 3);
    assertEquals(
        dir.resolve("cut")
            + ": truncated: the header declares 3 images of 2x3 (34 bytes with the header) but the"
            + " file has 30 bytes",
        imagesError("cut", Arrays.copyOf(full, 30)));
    assertEquals(
        dir.resolve("cut.gz")
            + ": truncated: the header declares 3 images of 2x3 (18 data bytes) but the data ends"
            + " after 14 bytes",
        imagesError("cut.gz", gzip(Arrays.copyOf(full, 30))));
    assertEquals(
        dir.resolve("labels")
            + ": truncated: the header declares 5 labels (13 bytes with the header) but the file has"
            + " 10 bytes",
        labelsError("labels", Arrays.copyOf(labelFile(new byte[5]), 10)));
  }

  @Test
  void aHugeDeclaredCountInATinyGzipFailsAtTheEndOfTheData() throws IOException {
    // 2,000,000 images of 28x28 = 1.5 GB declared, 100 bytes present: fails without allocating it.
    byte[] data = new byte[16 + 100];
    System.arraycopy(header(0x803, 2_000_000, 28, 28), 0, data, 0, 16);
    String m = imagesError("huge.gz", gzip(data));
    assertEquals(
        dir.resolve("huge.gz")
            + ": truncated: the header declares 2000000 images of 28x28 (1568000000 data bytes)"
            + " but the data ends after 100 bytes",
        m);
  }

  @Test
  void aCutGzipStreamIsTruncatedData() throws IOException {
    byte[] noise = new byte[64 * 64 * 40];
    new java.util.Random(1).nextBytes(noise); // incompressible, so half the file is half the data
    byte[] gz = gzip(imageFile(noise, 40, 64, 64));
    String m = imagesError("cut-stream.gz", Arrays.copyOf(gz, gz.length / 2));
    assertTrue(
        m.startsWith(dir.resolve("cut-stream.gz") + ": truncated: the header declares 40"), m);
    String corrupt =
        imagesError(
            "corrupt.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7});
    assertTrue(corrupt.startsWith(dir.resolve("corrupt.gz") + ": corrupt gzip data: "), corrupt);
  }

  @Test
  void rejectsExtraBytes() throws IOException {
    byte[] full = imageFile(pixels(), 3, 2, 3);
    byte[] longer = Arrays.copyOf(full, full.length + 2);
    assertEquals(
        dir.resolve("long")
            + ": the header declares 3 images of 2x3 (34 bytes with the header) but the file has 36"
            + " bytes; 2 extra bytes at the end",
        imagesError("long", longer));
    assertEquals(
        dir.resolve("long.gz")
            + ": the header declares 3 images of 2x3 (18 data bytes) but more data follows",
        imagesError("long.gz", gzip(longer)));
  }

  @Test
  void rejectsAbsurdDimensions() throws IOException {
    assertEquals(
        dir.resolve("zero")
            + ": absurd dimensions: the header declares 0 images; expected at least 1",
        imagesError("zero", header(0x803, 0, 28, 28)));
    assertEquals(
        dir.resolve("negative")
            + ": absurd dimensions: the header declares 4294967295 labels; expected at most "
            + Idx.MAX_BYTES,
        labelsError("negative", header(0x801, -1)));
    assertEquals(
        dir.resolve("wide")
            + ": absurd dimensions: the header declares images of 28x5000; expected rows and cols"
            + " in 1..4096",
        imagesError("wide", header(0x803, 10, 28, 5000)));
    assertEquals(
        dir.resolve("flat")
            + ": absurd dimensions: the header declares images of 0x28; expected rows and cols in"
            + " 1..4096",
        imagesError("flat", header(0x803, 10, 0, 28)));
    assertEquals(
        dir.resolve("big")
            + ": absurd dimensions: the header declares 1000000 images of 4096x4096 ="
            + " 16777216000000 bytes; at most 2147483631 are supported",
        imagesError("big", header(0x803, 1_000_000, 4096, 4096)));
  }
}

package dev.grad4j.data;

import dev.grad4j.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX file format that MNIST and Fashion-MNIST ship in, plain or gzipped.
 *
 * <p>An IDX file is a big-endian header followed by the raw data: a magic number {@code 0x0000TTDD}
 * (TT the element type, 0x08 for unsigned bytes; DD the number of dims), then one 32-bit size per
 * dim, then the elements row-major. grad4j reads the two kinds MNIST uses:
 *
 * <ul>
 *   <li>images, magic {@code 0x00000803}: sizes N, rows, cols, then N·rows·cols pixels 0..255, read
 *       as a float32 tensor [N, 1, rows, cols] scaled to [0, 1] (pixel / 255);
 *   <li>labels, magic {@code 0x00000801}: size N, then N bytes, read as a float64 tensor [N].
 * </ul>
 *
 * <p>A gzipped file is recognised by its first two bytes (1f 8b), whatever its name. Every file is
 * checked before the big arrays are made: the magic number, that each dim is positive, rows and
 * cols at most {@value #MAX_SIDE}, the total below 2^31, and that the data is as long as the header
 * says (a plain file by its size; a gzipped stream is read in chunks and fails where it ends).
 * Extra bytes after the declared data are an error too. Problems are reported as {@link
 * IdxFormatException}s naming the file, what was expected and what was found.
 */
public final class Idx {
  /** Magic number of an image file: unsigned bytes, 3 dims. */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Magic number of a label file: unsigned bytes, 1 dim. */
  public static final int LABELS_MAGIC = 0x00000801;

  /** The largest number of rows or columns accepted in an image file. */
  public static final int MAX_SIDE = 4096;

  /** The largest number of data bytes accepted (what one Java array can hold). */
  public static final long MAX_BYTES = Integer.MAX_VALUE - 16L;

  private static final int CHUNK = 1 << 22;
  private static final float[] SCALE = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      SCALE[i] = i / 255f;
    }
  }

  private Idx() {}

  /**
   * What an IDX header declares: {@code count} items of {@code rows × cols} bytes ({@code rows} and
   * {@code cols} are 1 for a label file).
   */
  public record Header(boolean images, int count, int rows, int cols) {
    /** The number of data bytes after the header. */
    public long dataBytes() {
      return (long) count * rows * cols;
    }

    /** The header's length in bytes. */
    public int headerBytes() {
      return images ? 16 : 8;
    }

    /** E.g. {@code 60000 images of 28x28} or {@code 60000 labels}. */
    public String describe() {
      return images ? count + " images of " + rows + "x" + cols : count + " labels";
    }
  }

  // ---------------------------------------------------------------- reading

  /** Reads an image file as a float32 tensor [N, 1, rows, cols] with values in [0, 1]. */
  public static Tensor readImages(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readImages(in, file.toString(), Files.size(file));
    }
  }

  /** Reads a label file as a float64 tensor [N] of the byte values 0..255. */
  public static Tensor readLabels(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readLabels(in, file.toString(), Files.size(file));
    }
  }

  /**
   * Reads an image file from a stream (plain or gzipped); {@code name} is used in error messages.
   * The stream is read to its end but not closed.
   */
  public static Tensor readImages(InputStream in, String name) throws IOException {
    return readImages(in, name, -1);
  }

  /**
   * Reads a label file from a stream (plain or gzipped); {@code name} is used in error messages.
   * The stream is read to its end but not closed.
   */
  public static Tensor readLabels(InputStream in, String name) throws IOException {
    return readLabels(in, name, -1);
  }

  /** Reads and checks only the header of an image file. */
  public static Header readImagesHeader(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readHeader(open(in, file.toString()), file.toString(), true, -1);
    }
  }

  /** Reads and checks only the header of a label file. */
  public static Header readLabelsHeader(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readHeader(open(in, file.toString()), file.toString(), false, -1);
    }
  }

  private static Tensor readImages(InputStream raw, String name, long fileSize) throws IOException {
    InputStream in = open(raw, name);
    Header h = readHeader(in, name, true, in instanceof GzipSource ? -1 : fileSize);
    List<byte[]> chunks = readData(in, name, h);
    float[] pixels = new float[Math.toIntExact(h.dataBytes())];
    int at = 0;
    for (byte[] chunk : chunks) {
      for (byte b : chunk) {
        pixels[at++] = SCALE[b & 0xff];
      }
    }
    return Tensor.of(pixels, h.count(), 1, h.rows(), h.cols());
  }

  private static Tensor readLabels(InputStream raw, String name, long fileSize) throws IOException {
    InputStream in = open(raw, name);
    Header h = readHeader(in, name, false, in instanceof GzipSource ? -1 : fileSize);
    List<byte[]> chunks = readData(in, name, h);
    double[] labels = new double[h.count()];
    int at = 0;
    for (byte[] chunk : chunks) {
      for (byte b : chunk) {
        labels[at++] = b & 0xff;
      }
    }
    return Tensor.of(labels, h.count());
  }

  /** A decompressing stream, marked so that readers can tell a gzipped file from a plain one. */
  private static final class GzipSource extends BufferedInputStream {
    GzipSource(InputStream in) throws IOException {
      super(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
  }

  /** Buffers {@code raw}, through a gzip decoder when it starts with the bytes 1f 8b. */
  private static InputStream open(InputStream raw, String name) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        return new GzipSource(in);
      } catch (EOFException e) {
        throw new IdxFormatException(
            name + ": truncated: the gzip header ends early (the file is cut short)", e);
      } catch (ZipException e) {
        throw new IdxFormatException(name + ": corrupt gzip data: " + e.getMessage(), e);
      }
    }
    return in;
  }

  /**
   * Reads and validates the header. {@code plainSize} is the size of an uncompressed file when it
   * is known (else -1): it is checked against the declared data length before anything is read.
   */
  private static Header readHeader(InputStream in, String name, boolean images, long plainSize)
      throws IOException {
    int expectedMagic = images ? IMAGES_MAGIC : LABELS_MAGIC;
    int headerBytes = images ? 16 : 8;
    byte[] header = new byte[headerBytes];
    int got = readUpTo(in, name, header, 0, 4);
    if (got < 4) {
      throw new IdxFormatException(
          name
              + ": truncated header: expected "
              + headerBytes
              + " bytes, found "
              + got
              + (got == 0 ? " (the file is empty)" : ""));
    }
    int magic = readInt(header, 0);
    if (magic != expectedMagic) {
      throw new IdxFormatException(name + ": " + badMagic(magic, images));
    }
    got += readUpTo(in, name, header, 4, headerBytes - 4);
    if (got < headerBytes) {
      throw new IdxFormatException(
          name + ": truncated header: expected " + headerBytes + " bytes, found " + got);
    }
    int count = readInt(header, 4);
    int rows = images ? readInt(header, 8) : 1;
    int cols = images ? readInt(header, 12) : 1;
    String what = images ? "images" : "labels";
    if (count <= 0) {
      throw new IdxFormatException(
          name
              + ": absurd dimensions: the header declares "
              + Integer.toUnsignedString(count)
              + " "
              + what
              + (count == 0 ? "; expected at least 1" : "; expected at most " + MAX_BYTES));
    }
    if (images && (rows <= 0 || rows > MAX_SIDE || cols <= 0 || cols > MAX_SIDE)) {
      throw new IdxFormatException(
          name
              + ": absurd dimensions: the header declares images of "
              + Integer.toUnsignedString(rows)
              + "x"
              + Integer.toUnsignedString(cols)
              + "; expected rows and cols in 1.."
              + MAX_SIDE);
    }
    Header h = new Header(images, count, rows, cols);
    if (h.dataBytes() > MAX_BYTES) {
      throw new IdxFormatException(
          name
              + ": absurd dimensions: the header declares "
              + h.describe()
              + " = "
              + h.dataBytes()
              + " bytes; at most "
              + MAX_BYTES
              + " are supported");
    }
    if (plainSize >= 0) {
      long expected = headerBytes + h.dataBytes();
      if (plainSize < expected) {
        throw new IdxFormatException(
            name
                + ": truncated: the header declares "
                + h.describe()
                + " ("
                + expected
                + " bytes with the header) but the file has "
                + plainSize
                + " bytes");
      }
      if (plainSize > expected) {
        throw new IdxFormatException(
            name
                + ": the header declares "
                + h.describe()
                + " ("
                + expected
                + " bytes with the header) but the file has "
                + plainSize
                + " bytes; "
                + (plainSize - expected)
                + " extra bytes at the end");
      }
    }
    return h;
  }

  private static String badMagic(int magic, boolean images) {
    String expected =
        images
            ? String.format("0x%08x (IDX images: unsigned bytes, 3 dims)", IMAGES_MAGIC)
            : String.format("0x%08x (IDX labels: unsigned bytes, 1 dim)", LABELS_MAGIC);
    String found = String.format("0x%08x", magic);
    String hint;
    if (magic == LABELS_MAGIC) {
      hint = " (an IDX label file, not images)";
    } else if (magic == IMAGES_MAGIC) {
      hint = " (an IDX image file, not labels)";
    } else if ((magic >>> 16) == 0 && (magic >>> 8 & 0xff) != 0x08) {
      hint =
          String.format(" (an IDX file of element type 0x%02x, not unsigned bytes)", magic >>> 8);
    } else if ((magic >>> 16) != 0) {
      hint = " (not an IDX file)";
    } else {
      hint = "";
    }
    return "wrong magic number: expected " + expected + ", found " + found + hint;
  }

  /** Reads the declared data in chunks, so a short stream fails before the big arrays are made. */
  private static List<byte[]> readData(InputStream in, String name, Header h) throws IOException {
    long total = h.dataBytes();
    List<byte[]> chunks = new ArrayList<>();
    long done = 0;
    while (done < total) {
      byte[] chunk = new byte[(int) Math.min(CHUNK, total - done)];
      int n = readUpTo(in, name, chunk, 0, chunk.length);
      done += n;
      if (n < chunk.length) {
        throw new IdxFormatException(
            name
                + ": truncated: the header declares "
                + h.describe()
                + " ("
                + total
                + " data bytes) but the data ends after "
                + done
                + " bytes");
      }
      chunks.add(chunk);
    }
    int extra = readUpTo(in, name, new byte[1], 0, 1);
    if (extra > 0) {
      throw new IdxFormatException(
          name
              + ": the header declares "
              + h.describe()
              + " ("
              + total
              + " data bytes) but more data follows");
    }
    return chunks;
  }

  /**
   * Reads up to {@code len} bytes, stopping early only at the end of the stream. A gzip stream that
   * ends mid-member counts as an end; corrupt gzip data is an {@link IdxFormatException}.
   */
  private static int readUpTo(InputStream in, String name, byte[] buf, int off, int len)
      throws IOException {
    int done = 0;
    try {
      while (done < len) {
        int n = in.read(buf, off + done, len - done);
        if (n < 0) {
          break;
        }
        done += n;
      }
    } catch (EOFException e) {
      // GZIPInputStream: "Unexpected end of ZLIB input stream" -- a truncated .gz file.
      return done;
    } catch (ZipException e) {
      throw new IdxFormatException(name + ": corrupt gzip data: " + e.getMessage(), e);
    }
    return done;
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24
        | (b[at + 1] & 0xff) << 16
        | (b[at + 2] & 0xff) << 8
        | b[at + 3] & 0xff;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes images [N, 1, rows, cols] or [N, rows, cols] with values in [0, 1] as an IDX image file,
   * each pixel stored as {@code round(v * 255)}; gzipped when the file name ends in ".gz".
   */
  public static void writeImages(Path file, Tensor images) throws IOException {
    try (OutputStream out = create(file)) {
      writeImages(out, images);
    }
  }

  /**
   * Writes labels [N] (integers 0..255) as an IDX label file; gzipped when the file name ends in
   * ".gz".
   */
  public static void writeLabels(Path file, Tensor labels) throws IOException {
    try (OutputStream out = create(file)) {
      writeLabels(out, labels);
    }
  }

  /**
   * Writes an uncompressed IDX image file to {@code out} (see {@link #writeImages(Path, Tensor)}).
   */
  public static void writeImages(OutputStream out, Tensor images) throws IOException {
    int[] s = images.shape();
    boolean ok = s.length == 3 || (s.length == 4 && s[1] == 1);
    if (!ok) {
      throw new IllegalArgumentException(
          "Idx.writeImages: expected images [N, 1, rows, cols] or [N, rows, cols], got "
              + Arrays.toString(s));
    }
    int rows = s[s.length - 2];
    int cols = s[s.length - 1];
    double[] v = images.toDoubleArray();
    byte[] pixels = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      if (!(v[i] >= 0 && v[i] <= 1)) {
        throw new IllegalArgumentException(
            "Idx.writeImages: pixel values must be in [0, 1], found " + v[i] + " at element " + i);
      }
      pixels[i] = (byte) Math.round(v[i] * 255);
    }
    writeImages(out, pixels, s[0], rows, cols);
  }

  /**
   * Writes an uncompressed IDX label file to {@code out} (see {@link #writeLabels(Path, Tensor)}).
   */
  public static void writeLabels(OutputStream out, Tensor labels) throws IOException {
    if (labels.dim() != 1) {
      throw new IllegalArgumentException(
          "Idx.writeLabels: expected labels [N], got " + Arrays.toString(labels.shape()));
    }
    double[] v = labels.toDoubleArray();
    byte[] bytes = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      if (!(v[i] >= 0 && v[i] <= 255 && v[i] == Math.rint(v[i]))) {
        throw new IllegalArgumentException(
            "Idx.writeLabels: labels must be integers in 0..255, found " + v[i] + " at index " + i);
      }
      bytes[i] = (byte) v[i];
    }
    writeLabels(out, bytes);
  }

  /** Writes an uncompressed IDX image file of {@code count} raw {@code rows × cols} images. */
  public static void writeImages(OutputStream out, byte[] pixels, int count, int rows, int cols)
      throws IOException {
    if (count <= 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols != pixels.length) {
      throw new IllegalArgumentException(
          "Idx.writeImages: "
              + pixels.length
              + " pixels do not make "
              + count
              + " images of "
              + rows
              + "x"
              + cols);
    }
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    data.writeInt(IMAGES_MAGIC);
    data.writeInt(count);
    data.writeInt(rows);
    data.writeInt(cols);
    data.write(pixels);
    data.flush();
  }

  /** Writes an uncompressed IDX label file of raw label bytes. */
  public static void writeLabels(OutputStream out, byte[] labels) throws IOException {
    if (labels.length == 0) {
      throw new IllegalArgumentException("Idx.writeLabels: no labels");
    }
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    data.writeInt(LABELS_MAGIC);
    data.writeInt(labels.length);
    data.write(labels);
    data.flush();
  }

  /**
   * Opens {@code file} for writing, through a gzip encoder (best compression, no timestamp, so the
   * same data gives the same bytes) when its name ends in ".gz".
   */
  private static OutputStream create(Path file) throws IOException {
    OutputStream out = Files.newOutputStream(file);
    if (file.getFileName().toString().endsWith(".gz")) {
      return new GZIPOutputStream(out, 1 << 16) {
        {
          def.setLevel(Deflater.BEST_COMPRESSION);
        }
      };
    }
    return out;
  }
}

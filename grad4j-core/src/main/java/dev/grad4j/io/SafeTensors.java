package dev.grad4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.grad4j.DType;
import dev.grad4j.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format,
 * so that weights move between grad4j and PyTorch (or anything else that reads it) unchanged.
 *
 * <h2>The format</h2>
 *
 * <pre>
 * [8 bytes]  N, the header length: unsigned 64-bit little-endian
 * [N bytes]  header: UTF-8 JSON object
 *            {"__metadata__": {"key": "value", ...},                  (optional, strings only)
 *             "name": {"dtype": "F32", "shape": [2, 2], "data_offsets": [begin, end]}, ...}
 * [rest]     the data buffer: each tensor's elements, row-major, little-endian, at
 *            [begin, end) counted from the first byte after the header
 * </pre>
 *
 * <h2>Writing</h2>
 *
 * Files are byte-for-byte what Hugging Face's reference implementation writes for the same tensors:
 * tensors are ordered by descending dtype alignment (F64 before F32) and then by name in UTF-8 byte
 * order, and laid out back to back in that order; the header is compact JSON with {@code
 * __metadata__} first (its keys sorted; omitted when there is none) and each tensor's fields in the
 * order {@code dtype, shape, data_offsets}; the header is padded with spaces to a multiple of 8
 * bytes so that the data is aligned. A rank-0 tensor has {@code "shape":[]}. Files are written
 * atomically: to a temporary file in the same directory, forced to disk, then renamed over the
 * target, so a crash or error leaves either the old file or the new one, never a torn one.
 *
 * <h2>Reading</h2>
 *
 * The reader accepts F32 and F64 tensors and validates the whole header before it allocates any
 * tensor: the header length against the file size and a {@value #MAX_HEADER_BYTES}-byte cap (the
 * reference implementation's), UTF-8 and strict JSON (no duplicate keys, integers only, nesting at
 * most 16 deep), exactly the fields {@code dtype}, {@code shape}, {@code data_offsets} per tensor,
 * non-negative dimensions without overflow, offsets that match the dtype's size times the element
 * count, and — as the reference implementation requires — offsets that cover the data buffer
 * exactly, without overlaps, gaps or trailing bytes. Any problem is a {@link SafeTensorsException}
 * whose message names the file, the tensor and the rule. Data is read with positioned reads in
 * chunks, so a file claiming gigabytes it does not have costs nothing.
 *
 * <p>Tensors are returned in data-buffer order (for files written by grad4j or the reference
 * implementation, the order described above).
 */
public final class SafeTensors {
  /** The largest header accepted, in bytes (100 MB, as in the reference implementation). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The most elements one tensor may have: the largest Java array the JVM reliably allocates. */
  static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final String METADATA_KEY = "__metadata__";
  private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");

  /** Dtype names of the safetensors specification that grad4j does not read. */
  private static final Set<String> OTHER_SPEC_DTYPES =
      Set.of(
          "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32",
          "U32", "I64", "U64", "F4", "F6_E2M3", "F6_E3M2", "C64");

  private static final int CHUNK_BYTES = 1 << 20;

  private SafeTensors() {}

  /** What a safetensors file holds: tensors in data order and the free-form string metadata. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Wraps both maps unmodifiably, keeping their order. */
    public Contents {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /** Called after each tensor's bytes are written; tests use it to fail in the middle. */
  @FunctionalInterface
  interface WriteHook {
    void afterTensor(String name) throws IOException;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes {@code tensors} and {@code metadata} (may be null or empty) to {@code path}, atomically.
   * On any failure the temporary file is deleted and a previous file at {@code path} is untouched.
   *
   * @throws IllegalArgumentException for a null map, name, tensor or metadata entry, or the
   *     reserved name {@code __metadata__}
   * @throws IOException if the directory is missing or unwritable, or the disk fails
   */
  public static void write(Map<String, Tensor> tensors, Map<String, String> metadata, Path path)
      throws IOException {
    write(tensors, metadata, path, name -> {});
  }

  static void write(
      Map<String, Tensor> tensors, Map<String, String> metadata, Path path, WriteHook hook)
      throws IOException {
    if (path == null) {
      throw new IllegalArgumentException("safetensors: path is null");
    }
    Plan plan = plan(tensors, metadata);
    Path target = path.toAbsolutePath();
    Path dir = target.getParent();
    if (Files.isDirectory(target)) {
      throw new IOException("cannot save " + path + ": it is a directory");
    }
    if (dir == null || !Files.isDirectory(dir)) {
      String why = dir != null && Files.exists(dir) ? " is not a directory" : " does not exist";
      throw new NoSuchFileException(path.toString(), null, "cannot save: " + dir + why);
    }
    Path tmp = createTempFile(path, target, dir);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writeAll(plan, ch, hook);
        ch.force(true);
      }
      moveIntoPlace(path, tmp, target);
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException | RuntimeException e) {
        t.addSuppressed(e);
      }
      throw t;
    }
    syncDirectory(dir);
  }

  /** The bytes of a safetensors file holding {@code tensors} and {@code metadata}. */
  public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
    Plan plan = plan(tensors, metadata);
    long total = 8 + plan.header.length + plan.dataBytes;
    if (total > MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          "safetensors: " + total + " bytes do not fit in a byte array; write to a file instead");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total);
    try {
      writeAll(
          plan,
          new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
              int n = src.remaining();
              out.put(src);
              return n;
            }

            @Override
            public boolean isOpen() {
              return true;
            }

            @Override
            public void close() {}
          },
          name -> {});
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return out.array();
  }

  private record Planned(String name, Tensor tensor, long begin, long end) {}

  private record Plan(byte[] header, List<Planned> entries, long dataBytes) {}

  private static Plan plan(Map<String, Tensor> tensors, Map<String, String> metadata) {
    if (tensors == null) {
      throw new IllegalArgumentException("safetensors: the tensor map is null");
    }
    List<Map.Entry<String, Tensor>> sorted = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null) {
        throw new IllegalArgumentException("safetensors: a tensor name is null");
      }
      if (name.equals(METADATA_KEY)) {
        throw new IllegalArgumentException(
            "safetensors: \"__metadata__\" is reserved for metadata and cannot name a tensor");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("safetensors: tensor " + Json.quote(name) + " is null");
      }
      sorted.add(Map.entry(name, e.getValue()));
    }
    sorted.sort(
        Comparator.comparingInt((Map.Entry<String, Tensor> e) -> -e.getValue().dtype().byteSize())
            .thenComparing(Map.Entry::getKey, SafeTensors::compareUtf8));

    StringBuilder json = new StringBuilder("{");
    if (metadata != null && !metadata.isEmpty()) {
      TreeMap<String, String> meta = new TreeMap<>(SafeTensors::compareUtf8);
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException(
              "safetensors: metadata keys and values must not be null, got "
                  + e.getKey()
                  + "="
                  + e.getValue());
        }
        meta.put(e.getKey(), e.getValue());
      }
      json.append("\"__metadata__\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : meta.entrySet()) {
        if (!first) {
          json.append(',');
        }
        first = false;
        Json.writeString(json, e.getKey(), "metadata key").append(':');
        Json.writeString(json, e.getValue(), "metadata value");
      }
      json.append('}');
    }
    List<Planned> entries = new ArrayList<>(sorted.size());
    long offset = 0;
    for (Map.Entry<String, Tensor> e : sorted) {
      Tensor t = e.getValue();
      long end = offset + (long) t.numel() * t.dtype().byteSize();
      entries.add(new Planned(e.getKey(), t, offset, end));
      if (json.length() > 1) {
        json.append(',');
      }
      Json.writeString(json, e.getKey(), "tensor name").append(':');
      json.append("{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
      int[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) {
        json.append(i == 0 ? "" : ",").append(shape[i]);
      }
      json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    json.append('}');
    byte[] raw = json.toString().getBytes(UTF_8);
    int padded = (raw.length + 7) & ~7;
    if (padded > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException(
          "safetensors: the header would be "
              + padded
              + " bytes, over the "
              + MAX_HEADER_BYTES
              + "-byte limit that readers accept");
    }
    byte[] header = Arrays.copyOf(raw, padded);
    Arrays.fill(header, raw.length, padded, (byte) ' ');
    return new Plan(header, entries, offset);
  }

  /** Compares strings by code point, which is the byte order of their UTF-8 encodings. */
  static int compareUtf8(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static void writeAll(Plan plan, WritableByteChannel ch, WriteHook hook)
      throws IOException {
    ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(0, plan.header.length);
    writeFully(ch, head);
    writeFully(ch, ByteBuffer.wrap(plan.header));
    int chunkBytes = (int) Math.max(8, Math.min(CHUNK_BYTES, plan.dataBytes));
    ByteBuffer chunk = ByteBuffer.allocate(chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
    for (Planned p : plan.entries) {
      if (p.tensor.dtype() == DType.FLOAT32) {
        float[] data = p.tensor.toFloatArray();
        int per = chunkBytes / Float.BYTES;
        for (int i = 0; i < data.length; i += per) {
          int k = Math.min(per, data.length - i);
          chunk.clear();
          chunk.asFloatBuffer().put(data, i, k);
          chunk.limit(k * Float.BYTES);
          writeFully(ch, chunk);
        }
      } else {
        double[] data = p.tensor.toDoubleArray();
        int per = chunkBytes / Double.BYTES;
        for (int i = 0; i < data.length; i += per) {
          int k = Math.min(per, data.length - i);
          chunk.clear();
          chunk.asDoubleBuffer().put(data, i, k);
          chunk.limit(k * Double.BYTES);
          writeFully(ch, chunk);
        }
      }
      hook.afterTensor(p.name);
    }
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static Path createTempFile(Path path, Path target, Path dir) throws IOException {
    String base = "." + target.getFileName() + ".";
    for (int attempt = 0; ; attempt++) {
      byte[] random = new byte[6];
      ThreadLocalRandom.current().nextBytes(random);
      Path tmp = dir.resolve(base + HexFormat.of().formatHex(random) + ".tmp");
      try {
        // Created with default permissions (unlike Files.createTempFile's owner-only ones), since
        // the file becomes the target.
        return Files.createFile(tmp);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt >= 10) {
          throw e;
        }
      } catch (IOException e) {
        throw new IOException(
            "cannot save " + path + ": cannot create a file in " + dir + " (" + describe(e) + ")",
            e);
      }
    }
  }

  private static void moveIntoPlace(Path path, Path tmp, Path target) throws IOException {
    try {
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new IOException("cannot save " + path + ": cannot replace it (" + describe(e) + ")", e);
    }
  }

  // Makes the rename itself durable. Not every platform can open a directory; that is harmless.
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | RuntimeException e) {
      // best effort
    }
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads a safetensors file.
   *
   * @throws NoSuchFileException if there is no file at {@code path}
   * @throws SafeTensorsException if the file is truncated, corrupt, or holds dtypes other than F32
   *     and F64
   */
  public static Contents read(Path path) throws IOException {
    if (path == null) {
      throw new IllegalArgumentException("safetensors: path is null");
    }
    if (Files.isDirectory(path)) {
      throw new IOException("cannot load " + path + ": it is a directory, not a safetensors file");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "cannot load: no such file");
    } catch (IOException e) {
      throw new IOException("cannot load " + path + " (" + describe(e) + ")", e);
    }
    try (ch) {
      return read(
          new Source() {
            @Override
            public long size() throws IOException {
              return ch.size();
            }

            @Override
            public void readFully(ByteBuffer dst, long position) throws IOException {
              long at = position;
              while (dst.hasRemaining()) {
                int n = ch.read(dst, at);
                if (n < 0) {
                  throw new SafeTensorsException(
                      path
                          + ": unexpected end of file at byte "
                          + at
                          + " (changed while reading?)");
                }
                at += n;
              }
            }
          },
          path.toString());
    }
  }

  /** Reads safetensors data held in memory. */
  public static Contents read(byte[] bytes) throws SafeTensorsException {
    if (bytes == null) {
      throw new IllegalArgumentException("safetensors: bytes are null");
    }
    try {
      return read(
          new Source() {
            @Override
            public long size() {
              return bytes.length;
            }

            @Override
            public void readFully(ByteBuffer dst, long position) {
              dst.put(bytes, (int) position, dst.remaining());
            }
          },
          "safetensors data");
    } catch (SafeTensorsException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading from memory cannot fail", e);
    }
  }

  private interface Source {
    long size() throws IOException;

    /** Fills {@code dst} from {@code position}; the caller has checked the range. */
    void readFully(ByteBuffer dst, long position) throws IOException;
  }

  private record Entry(String name, DType dtype, int[] shape, int numel, long begin, long end) {}

  private static Contents read(Source src, String where) throws IOException {
    long size = src.size();
    if (size < 8) {
      throw fail(
          where,
          "file is "
              + size
              + " bytes, too short to hold the 8-byte header length (truncated, or not a"
              + " safetensors file)");
    }
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    src.readFully(lengthBytes, 0);
    long n = lengthBytes.getLong(0);
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw fail(
          where,
          "header length "
              + Long.toUnsignedString(n)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes (corrupt, or not a safetensors file)");
    }
    if (n > size - 8) {
      throw fail(
          where,
          "header length "
              + n
              + " runs past the end of the file ("
              + size
              + " bytes): truncated, or not a safetensors file");
    }
    byte[] headerBytes = new byte[(int) n];
    src.readFully(ByteBuffer.wrap(headerBytes), 8);
    if (n == 0 || headerBytes[0] != '{') {
      throw fail(
          where,
          "header does not start with '{' (truncated or corrupt, or not a safetensors file)");
    }
    Object root;
    try {
      root = Json.parse(decodeUtf8(headerBytes, where));
    } catch (Json.ParseException e) {
      throw fail(where, e.getMessage());
    }
    long dataSize = size - 8 - n;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Object> e : asMap(root).entrySet()) {
      if (e.getKey().equals(METADATA_KEY)) {
        metadata = metadata(e.getValue(), where);
      } else {
        entries.add(entry(e.getKey(), e.getValue(), dataSize, where));
      }
    }
    entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    checkCoverage(entries, dataSize, where);

    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long maxBytes = 0;
    for (Entry e : entries) {
      maxBytes = Math.max(maxBytes, e.end - e.begin);
    }
    ByteBuffer chunk =
        ByteBuffer.allocate((int) Math.max(8, Math.min(CHUNK_BYTES, maxBytes)))
            .order(ByteOrder.LITTLE_ENDIAN);
    long dataStart = 8 + n;
    for (Entry e : entries) {
      tensors.put(e.name, readTensor(src, e, dataStart + e.begin, chunk));
    }
    return new Contents(tensors, metadata);
  }

  private static Tensor readTensor(Source src, Entry e, long position, ByteBuffer chunk)
      throws IOException {
    int size = e.dtype.byteSize();
    int per = chunk.capacity() / size;
    long at = position;
    if (e.dtype == DType.FLOAT32) {
      float[] data = new float[e.numel];
      for (int i = 0; i < data.length; i += per) {
        int k = Math.min(per, data.length - i);
        chunk.clear().limit(k * size);
        src.readFully(chunk, at);
        chunk.flip();
        chunk.asFloatBuffer().get(data, i, k);
        at += (long) k * size;
      }
      return Tensor.of(data, e.shape);
    }
    double[] data = new double[e.numel];
    for (int i = 0; i < data.length; i += per) {
      int k = Math.min(per, data.length - i);
      chunk.clear().limit(k * size);
      src.readFully(chunk, at);
      chunk.flip();
      chunk.asDoubleBuffer().get(data, i, k);
      at += (long) k * size;
    }
    return Tensor.of(data, e.shape);
  }

  private static String decodeUtf8(byte[] bytes, String where) throws SafeTensorsException {
    CharsetDecoder decoder =
        UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      throw fail(
          where, "header is not valid UTF-8 (bad byte at header offset " + in.position() + ")");
    }
    return out.flip().toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }

  private static Map<String, String> metadata(Object value, String where)
      throws SafeTensorsException {
    Map<String, String> out = new LinkedHashMap<>();
    if (value == null) {
      return out; // the reference implementation reads a null __metadata__ as none
    }
    if (!(value instanceof Map)) {
      throw fail(
          where, "\"__metadata__\" must be an object of strings, got " + Json.typeName(value));
    }
    for (Map.Entry<String, Object> e : asMap(value).entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw fail(
            where,
            "\"__metadata__\" value for "
                + Json.quote(e.getKey())
                + " must be a string, got "
                + Json.typeName(e.getValue()));
      }
      out.put(e.getKey(), s);
    }
    return out;
  }

  private static Entry entry(String name, Object value, long dataSize, String where)
      throws SafeTensorsException {
    String t = "tensor " + Json.quote(name);
    if (!(value instanceof Map)) {
      throw fail(
          where,
          t
              + ": expected an object with \"dtype\", \"shape\" and \"data_offsets\", got "
              + Json.typeName(value));
    }
    Map<String, Object> info = asMap(value);
    for (String key : info.keySet()) {
      if (!FIELDS.contains(key)) {
        throw fail(
            where,
            t
                + " has an unexpected field "
                + Json.quote(key)
                + " (allowed: \"dtype\", \"shape\", \"data_offsets\")");
      }
    }
    for (String key : List.of("dtype", "shape", "data_offsets")) {
      if (!info.containsKey(key)) {
        throw fail(where, t + " is missing the field \"" + key + "\"");
      }
    }
    DType dtype = dtype(info.get("dtype"), t, where);
    int[] shape = shape(info.get("shape"), t, where);
    String shapeText = Arrays.toString(shape);
    long numel = Arrays.stream(shape).anyMatch(d -> d == 0) ? 0 : 1;
    for (int d : shape) {
      numel *= d; // both factors are below 2^31, so the product cannot overflow
      if (numel > MAX_ELEMENTS) {
        throw fail(
            where,
            t
                + ": shape "
                + shapeText
                + " has more elements than a grad4j tensor can hold ("
                + MAX_ELEMENTS
                + ")");
      }
    }
    long[] offsets = offsets(info.get("data_offsets"), t, where);
    long begin = offsets[0];
    long end = offsets[1];
    String offsetsText = "data_offsets [" + begin + ", " + end + "]";
    if (begin > end) {
      throw fail(where, t + ": " + offsetsText + " are reversed (begin is after end)");
    }
    long needed = numel * dtype.byteSize();
    if (end - begin != needed) {
      throw fail(
          where,
          t
              + ": "
              + offsetsText
              + " span "
              + (end - begin)
              + " bytes, but "
              + dtype.safetensorsName()
              + " shape "
              + shapeText
              + " needs "
              + needed
              + " ("
              + numel
              + " elements of "
              + dtype.byteSize()
              + " bytes)");
    }
    if (end > dataSize) {
      throw fail(
          where,
          t
              + ": "
              + offsetsText
              + " run past the end of the data buffer, which holds "
              + dataSize
              + " bytes (truncated file?)");
    }
    return new Entry(name, dtype, shape, (int) numel, begin, end);
  }

  private static DType dtype(Object value, String t, String where) throws SafeTensorsException {
    if (!(value instanceof String s)) {
      throw fail(where, t + ": \"dtype\" must be a string, got " + Json.typeName(value));
    }
    for (DType d : DType.values()) {
      if (d.safetensorsName().equals(s)) {
        return d;
      }
    }
    throw fail(
        where,
        (OTHER_SPEC_DTYPES.contains(s) ? "unsupported dtype " : "unknown dtype ")
            + Json.quote(s)
            + " for "
            + t
            + "; grad4j reads F32 and F64");
  }

  private static int[] shape(Object value, String t, String where) throws SafeTensorsException {
    if (!(value instanceof List<?> list)) {
      throw fail(
          where, t + ": \"shape\" must be an array of integers, got " + Json.typeName(value));
    }
    int[] shape = new int[list.size()];
    for (int i = 0; i < shape.length; i++) {
      Object d = list.get(i);
      if (!(d instanceof Long v)) {
        throw fail(
            where,
            t + ": \"shape\" must be an array of integers, got " + Json.typeName(d) + " at " + i);
      }
      if (v < 0) {
        throw fail(where, t + ": shape " + list + " has a negative dimension");
      }
      if (v > Integer.MAX_VALUE) {
        throw fail(
            where,
            t
                + ": dimension "
                + v
                + " in shape "
                + list
                + " is larger than grad4j allows (2^31-1)");
      }
      shape[i] = (int) (long) v;
    }
    return shape;
  }

  private static long[] offsets(Object value, String t, String where) throws SafeTensorsException {
    if (!(value instanceof List<?> list)
        || list.size() != 2
        || !(list.get(0) instanceof Long begin)
        || !(list.get(1) instanceof Long end)) {
      throw fail(
          where,
          t
              + ": \"data_offsets\" must be [begin, end], two integers, got "
              + (value instanceof List<?> l ? l.toString() : Json.typeName(value)));
    }
    if (begin < 0 || end < 0) {
      throw fail(where, t + ": data_offsets " + list + " are negative");
    }
    return new long[] {begin, end};
  }

  private static void checkCoverage(List<Entry> sorted, long dataSize, String where)
      throws SafeTensorsException {
    long covered = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin < covered) {
        throw fail(
            where,
            "tensors "
                + Json.quote(previous.name)
                + " ["
                + previous.begin
                + ", "
                + previous.end
                + "] and "
                + Json.quote(e.name)
                + " ["
                + e.begin
                + ", "
                + e.end
                + "] overlap in the data buffer");
      }
      if (e.begin > covered) {
        throw fail(
            where,
            "gap of "
                + (e.begin - covered)
                + " bytes before tensor "
                + Json.quote(e.name)
                + " (data_offsets ["
                + e.begin
                + ", "
                + e.end
                + "]): the data buffer must be covered by the tensors without gaps");
      }
      covered = e.end;
      previous = e;
    }
    if (covered != dataSize) {
      throw fail(
          where,
          (dataSize - covered)
              + " trailing bytes after the last tensor: the data buffer holds "
              + dataSize
              + " bytes but the tensors cover "
              + covered
              + " (truncated header or corrupt file?)");
    }
  }

  private static SafeTensorsException fail(String where, String what) {
    return new SafeTensorsException(where + ": " + what);
  }
}

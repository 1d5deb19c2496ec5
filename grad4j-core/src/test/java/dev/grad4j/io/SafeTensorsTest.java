package dev.grad4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grad4j.DType;
import dev.grad4j.Generator;
import dev.grad4j.Tensor;
import dev.grad4j.nn.Linear;
import dev.grad4j.nn.ReLU;
import dev.grad4j.nn.Sequential;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, byte-exact layouts and compatibility with the reference implementation. */
class SafeTensorsTest {
  @TempDir Path dir;

  private static final float[] SPECIAL_FLOATS = {
    0f,
    -0f,
    1f,
    -1.5f,
    Float.MIN_VALUE, // smallest subnormal
    Float.intBitsToFloat(0x007fffff), // largest subnormal
    -Float.MIN_VALUE,
    Float.MIN_NORMAL,
    Float.MAX_VALUE,
    Float.POSITIVE_INFINITY,
    Float.NEGATIVE_INFINITY,
    Float.NaN,
    Float.intBitsToFloat(0x7fc12345), // quiet NaN with a payload
    Float.intBitsToFloat(0xffc00001), // negative quiet NaN with a payload
    // No float32 signaling NaN: Tensor.toFloatArray() copies through a double buffer, which
    // quiets it (0x7fa00001 -> 0x7fe00001) before the writer sees it. float64 ones survive.
  };

  private static final double[] SPECIAL_DOUBLES = {
    0d,
    -0d,
    1d,
    -1.5d,
    Math.PI,
    Double.MIN_VALUE,
    Double.longBitsToDouble(0x000fffffffffffffL),
    -Double.MIN_VALUE,
    Double.MIN_NORMAL,
    Double.MAX_VALUE,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    Double.NaN,
    Double.longBitsToDouble(0x7ff8000000abcdefL), // quiet NaN with a payload
    Double.longBitsToDouble(0xfff0000000000001L), // signaling NaN with a payload
    Double.longBitsToDouble(0x7ff4000000000123L), // signaling NaN with a payload
  };

  private static int[] bits(float[] a) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Float.floatToRawIntBits(a[i]);
    }
    return out;
  }

  private static long[] bits(double[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Double.doubleToRawLongBits(a[i]);
    }
    return out;
  }

  private static void assertSameTensor(Tensor expected, Tensor actual, String name) {
    assertEquals(expected.dtype(), actual.dtype(), name + " dtype");
    assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
    if (expected.dtype() == DType.FLOAT32) {
      assertArrayEquals(bits(expected.toFloatArray()), bits(actual.toFloatArray()), name + " bits");
    } else {
      assertArrayEquals(
          bits(expected.toDoubleArray()), bits(actual.toDoubleArray()), name + " bits");
    }
  }

  @Test
  void roundTripIsBitExactForBothDtypesAndAllShapes() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("f32", Tensor.of(SPECIAL_FLOATS, 2, 7));
    tensors.put("f64", Tensor.of(SPECIAL_DOUBLES, 4, 2, 2));
    tensors.put("scalar32", Tensor.of(new float[] {-0f}));
    tensors.put("scalar64", Tensor.scalar(1e-310, DType.FLOAT64));
    tensors.put("empty32", Tensor.of(new float[0], 0));
    tensors.put("empty64", Tensor.of(new double[0], 3, 0, 2));
    tensors.put("transposed", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1));
    Map<String, String> metadata = Map.of("note", "bits \"exact\"\n", "ünï", "\uD83D\uDE00");
    Path file = dir.resolve("all.safetensors");
    SafeTensors.write(tensors, metadata, file);

    SafeTensors.Contents back = SafeTensors.read(file);
    assertEquals(tensors.keySet(), back.tensors().keySet());
    for (String name : tensors.keySet()) {
      assertSameTensor(tensors.get(name), back.tensors().get(name), name);
    }
    assertEquals(metadata, back.metadata());
    assertArrayEquals(new int[0], back.tensors().get("scalar64").shape());
    assertArrayEquals(
        new float[] {1, 4, 2, 5, 3, 6}, back.tensors().get("transposed").toFloatArray());

    byte[] bytes = Files.readAllBytes(file);
    assertArrayEquals(bytes, SafeTensors.toBytes(tensors, metadata), "file equals toBytes");
    SafeTensors.Contents fromBytes = SafeTensors.read(bytes);
    assertEquals(List.copyOf(back.tensors().keySet()), List.copyOf(fromBytes.tensors().keySet()));
  }

  @Test
  void writtenDataIsLittleEndianRawBits() throws IOException {
    byte[] bytes = SafeTensors.toBytes(Map.of("x", Tensor.of(SPECIAL_FLOATS, 14)), null);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int data = 8 + (int) b.getLong(0);
    for (int i = 0; i < SPECIAL_FLOATS.length; i++) {
      assertEquals(Float.floatToRawIntBits(SPECIAL_FLOATS[i]), b.getInt(data + 4 * i), "elt " + i);
    }
    assertEquals(data + 4 * SPECIAL_FLOATS.length, bytes.length);
  }

  /** A file built byte by byte: a 2x2 F32 tensor [[1, 2], [3, 4]] and an F64 scalar -2.5. */
  @Test
  void readsAHandWrittenFile() throws IOException {
    String header =
        "{\"m\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[16,24]}} ";
    byte[] headerBytes = header.getBytes(UTF_8);
    assertEquals(112, headerBytes.length);
    byte[] prefix = {112, 0, 0, 0, 0, 0, 0, 0};
    byte[] data = {
      0,
      0,
      (byte) 0x80,
      0x3f, // 1.0f
      0,
      0,
      0,
      0x40, // 2.0f
      0,
      0,
      0x40,
      0x40, // 3.0f
      0,
      0,
      (byte) 0x80,
      0x40, // 4.0f
      0,
      0,
      0,
      0,
      0,
      0,
      0x04,
      (byte) 0xc0, // -2.5
    };
    Path file = dir.resolve("hand.safetensors");
    Files.write(file, concat(prefix, headerBytes, data));

    SafeTensors.Contents c = SafeTensors.read(file);
    assertEquals(List.of("m", "s"), List.copyOf(c.tensors().keySet()));
    Tensor m = c.tensors().get("m");
    assertEquals(DType.FLOAT32, m.dtype());
    assertArrayEquals(new int[] {2, 2}, m.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, m.toFloatArray());
    assertEquals(2f, (float) m.get(0, 1));
    Tensor s = c.tensors().get("s");
    assertEquals(DType.FLOAT64, s.dtype());
    assertArrayEquals(new int[0], s.shape());
    assertEquals(-2.5, s.item());
    assertEquals(Map.of(), c.metadata());
  }

  @Test
  void tensorsComeBackInDataOrderWhateverTheHeaderOrder() throws IOException {
    String header =
        "{\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
            + "\"e\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[8,8]},"
            + "\"__metadata__\":null,"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    byte[] file = file(header, new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40});
    SafeTensors.Contents c = SafeTensors.read(file);
    assertEquals(List.of("a", "z", "e"), List.copyOf(c.tensors().keySet()));
    assertEquals(1f, c.tensors().get("a").item());
    assertEquals(2f, c.tensors().get("z").item());
    assertEquals(0, c.tensors().get("e").numel());
  }

  // The next three expectations are the reference implementation's own serialization tests
  // (huggingface/safetensors, safetensors/src/tensor.rs): same inputs, same bytes.

  @Test
  void matchesReferenceBytesForOneTensor() {
    Tensor attn = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3);
    byte[] out = SafeTensors.toBytes(Map.of("attn.0", attn), null);
    String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    assertArrayEquals(
        concat(le(64), header.getBytes(UTF_8), floatsLe(0, 1, 2, 3, 4, 5)), out, "no padding");

    out = SafeTensors.toBytes(Map.of("attn0", attn.reshape(1, 1, 2, 3)), null);
    header =
        "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}" + "       ";
    assertArrayEquals(
        concat(le(72), header.getBytes(UTF_8), floatsLe(0, 1, 2, 3, 4, 5)), out, "7 spaces");
  }

  @Test
  void matchesReferenceBytesWhenEmpty() {
    assertArrayEquals(
        concat(le(8), "{}      ".getBytes(UTF_8)), SafeTensors.toBytes(Map.of(), null));
    assertArrayEquals(
        concat(le(40), "{\"__metadata__\":{\"framework\":\"pt\"}}     ".getBytes(UTF_8)),
        SafeTensors.toBytes(Map.of(), Map.of("framework", "pt")));
  }

  @Test
  void ordersByDtypeAlignmentThenUtf8Name() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("b32", Tensor.of(new float[] {1}, 1));
    t.put("a32", Tensor.of(new float[] {1}, 1));
    t.put("\uE000", Tensor.of(new float[] {1}, 1)); // 3 UTF-8 bytes, EE 80 80
    t.put("\uD83D\uDE00", Tensor.of(new float[] {1}, 1)); // 4 UTF-8 bytes, F0 9F 98 80
    t.put("z64", Tensor.of(new double[] {1}, 1));
    t.put("B64", Tensor.of(new double[] {1}, 1));
    SafeTensors.Contents c = SafeTensors.read(SafeTensors.toBytes(t, null));
    assertEquals(
        List.of("B64", "z64", "a32", "b32", "\uE000", "\uD83D\uDE00"),
        List.copyOf(c.tensors().keySet()));
  }

  /**
   * The header of a saved Linear layer is exactly what PyTorch's {@code safetensors.torch
   * .save_model(nn.Sequential(nn.Linear(3, 2)), ...)} writes.
   */
  @Test
  void linearModuleHeaderHasPyTorchNamesShapesAndOffsets() throws IOException {
    Sequential model = new Sequential(new Linear(3, 2, true, new Generator(7)));
    Path file = dir.resolve("linear.safetensors");
    StateDicts.save(model, file);

    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    String expected =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}";
    assertEquals(160, n, "153 bytes padded to a multiple of 8");
    assertEquals(expected + "       ", new String(bytes, 8, (int) n, UTF_8));
    assertEquals(8 + n + 32, bytes.length);

    float[] bias = model.stateDict().get("0.bias").toFloatArray();
    float[] weight = model.stateDict().get("0.weight").toFloatArray();
    int data = 8 + (int) n;
    for (int i = 0; i < 2; i++) {
      assertEquals(Float.floatToRawIntBits(bias[i]), b.getInt(data + 4 * i));
    }
    for (int i = 0; i < 6; i++) {
      assertEquals(Float.floatToRawIntBits(weight[i]), b.getInt(data + 8 + 4 * i));
    }
  }

  @Test
  void moduleRoundTripRestoresTheFunction() throws IOException {
    Sequential a =
        new Sequential(
            new Linear(4, 3, true, new Generator(1)),
            new ReLU(),
            new Linear(3, 2, true, new Generator(2)));
    Sequential b =
        new Sequential(
            new Linear(4, 3, true, new Generator(3)),
            new ReLU(),
            new Linear(3, 2, true, new Generator(4)));
    Tensor kept = b.parameters().get(0);
    Path file = dir.resolve("mlp.safetensors");
    StateDicts.save(a, file);
    StateDicts.load(b, file);

    for (String name : a.stateDict().keySet()) {
      assertSameTensor(a.stateDict().get(name), b.stateDict().get(name), name);
    }
    assertEquals(kept, b.parameters().get(0), "parameters are updated in place");
    Tensor x = Tensor.of(new float[] {1, -2, 0.5f, 3}, 1, 4);
    assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
    assertEquals(
        List.of("0.bias", "0.weight", "2.bias", "2.weight"),
        List.copyOf(StateDicts.load(file).keySet()));
  }

  @Test
  void optimizerStyleMapsWithScalarsRoundTrip() throws IOException {
    Map<String, Tensor> state = new LinkedHashMap<>();
    state.put("state.0.momentum_buffer", Tensor.of(new float[] {0.1f, -0.2f}, 2));
    state.put("state.0.step", Tensor.scalar(12, DType.FLOAT64));
    state.put("param_groups.0.lr", Tensor.scalar(0.01, DType.FLOAT64));
    state.put("param_groups.0.momentum", Tensor.scalar(0.9, DType.FLOAT64));
    Path file = dir.resolve("opt.safetensors");
    StateDicts.save(state, file);
    Map<String, Tensor> back = StateDicts.load(file);
    assertEquals(state.keySet(), back.keySet());
    for (String k : state.keySet()) {
      assertSameTensor(state.get(k), back.get(k), k);
    }
    assertEquals(0.01, back.get("param_groups.0.lr").item());
    assertThrows(UnsupportedOperationException.class, () -> back.put("x", null));
  }

  @Test
  void largeTensorsCrossChunkBoundaries() throws IOException {
    int n = (1 << 20) / 4 * 3 + 5; // three 1 MiB chunks and a bit
    float[] f = new float[n];
    double[] d = new double[n / 2 + 3];
    for (int i = 0; i < f.length; i++) {
      f[i] = i * 0.5f - 7;
    }
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.sqrt(i) - 1e-300;
    }
    Map<String, Tensor> t = Map.of("f", Tensor.of(f, n), "d", Tensor.of(d, d.length));
    Path file = dir.resolve("big.safetensors");
    SafeTensors.write(t, null, file);
    Map<String, Tensor> back = SafeTensors.read(file).tensors();
    assertArrayEquals(f, back.get("f").toFloatArray());
    assertArrayEquals(d, back.get("d").toDoubleArray());
  }

  @Test
  void rejectsBadArgumentsWhenWriting() {
    Map<String, Tensor> withNull = new LinkedHashMap<>();
    withNull.put("x", null);
    assertEquals(
        "safetensors: tensor \"x\" is null",
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(withNull, null))
            .getMessage());
    assertEquals(
        "safetensors: \"__metadata__\" is reserved for metadata and cannot name a tensor",
        assertThrows(
                IllegalArgumentException.class,
                () -> SafeTensors.toBytes(Map.of("__metadata__", Tensor.vector(1f)), null))
            .getMessage());
    assertEquals(
        "safetensors: the tensor map is null",
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(null, null))
            .getMessage());
    Map<String, String> badMeta = new LinkedHashMap<>();
    badMeta.put("k", null);
    assertEquals(
        "safetensors: metadata keys and values must not be null, got k=null",
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(Map.of(), badMeta))
            .getMessage());
  }

  // ---------------------------------------------------------------- helpers

  /** A file with the given header (unpadded) and data buffer. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(UTF_8);
    return concat(le(h.length), h, data);
  }

  static byte[] concat(byte[]... parts) {
    int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }

  static byte[] le(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static byte[] floatsLe(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }
}

package dev.grad4j.io;

import static dev.grad4j.io.SafeTensorsTest.concat;
import static dev.grad4j.io.SafeTensorsTest.file;
import static dev.grad4j.io.SafeTensorsTest.le;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grad4j.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of damaged or unsupported file is rejected with a message that says what is wrong. */
class SafeTensorsCorruptionTest {
  @TempDir Path dir;

  private static String tensor(String name, String dtype, String shape, String offsets) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":"
        + offsets
        + "}";
  }

  /** The message of reading {@code bytes} from a file, without the leading file name. */
  private String reject(byte[] bytes) throws IOException {
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, bytes);
    String message =
        assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file)).getMessage();
    String prefix = file + ": ";
    assertTrue(message.startsWith(prefix), () -> "names the file: " + message);
    // The in-memory reader applies the same checks.
    String fromBytes =
        assertThrows(SafeTensorsException.class, () -> SafeTensors.read(bytes)).getMessage();
    assertEquals("safetensors data: " + message.substring(prefix.length()), fromBytes);
    return message.substring(prefix.length());
  }

  private String rejectHeader(String header, int dataBytes) throws IOException {
    return reject(file(header, new byte[dataBytes]));
  }

  private String rejectTensor(String dtype, String shape, String offsets, int dataBytes)
      throws IOException {
    return rejectHeader("{" + tensor("x", dtype, shape, offsets) + "}", dataBytes);
  }

  // ---------------------------------------------------------------- the 8-byte length and bounds

  @Test
  void tooShortForTheLength() throws IOException {
    assertEquals(
        "file is 0 bytes, too short to hold the 8-byte header length (truncated, or not a"
            + " safetensors file)",
        reject(new byte[0]));
    assertEquals(
        "file is 5 bytes, too short to hold the 8-byte header length (truncated, or not a"
            + " safetensors file)",
        reject(new byte[5]));
  }

  @Test
  void absurdHeaderLengthsAreRejectedBeforeAllocating() throws IOException {
    assertEquals(
        "header length 4294967296 exceeds the limit of 100000000 bytes (corrupt, or not a"
            + " safetensors file)",
        reject(concat(le(1L << 32), "{}".getBytes(UTF_8))));
    assertEquals(
        "header length 18446744073709551615 exceeds the limit of 100000000 bytes (corrupt, or not"
            + " a safetensors file)",
        reject(concat(le(-1L), "{}".getBytes(UTF_8))));
    assertEquals(
        "header length 100000000 runs past the end of the file (10 bytes): truncated, or not a"
            + " safetensors file",
        reject(concat(le(100_000_000L), "{}".getBytes(UTF_8))));
  }

  @Test
  void truncatedInsideTheHeader() throws IOException {
    byte[] good = SafeTensors.toBytes(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)), null);
    assertEquals(
        "header length 64 runs past the end of the file (40 bytes): truncated, or not a"
            + " safetensors file",
        reject(Arrays.copyOf(good, 40)));
  }

  @Test
  void truncatedInsideTheData() throws IOException {
    byte[] good = SafeTensors.toBytes(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)), null);
    assertEquals(
        "tensor \"x\": data_offsets [0, 16] run past the end of the data buffer, which holds 12"
            + " bytes (truncated file?)",
        reject(Arrays.copyOf(good, good.length - 4)));
  }

  @Test
  void aClaimOfGigabytesOfDataAllocatesNothing() throws IOException {
    // 2^30 floats = 4 GiB claimed, 16 bytes present: rejected from the header alone.
    assertEquals(
        "tensor \"x\": data_offsets [0, 4294967296] run past the end of the data buffer, which"
            + " holds 16 bytes (truncated file?)",
        rejectTensor("F32", "[1073741824]", "[0,4294967296]", 16));
  }

  // ---------------------------------------------------------------- header text and JSON

  @Test
  void headerMustBeAJsonObject() throws IOException {
    String expected =
        "header does not start with '{' (truncated or corrupt, or not a safetensors file)";
    assertEquals(expected, rejectHeader("[]", 0));
    assertEquals(expected, rejectHeader(" {}", 0));
    assertEquals(expected, reject(le(0)));
  }

  @Test
  void headerMustBeUtf8() throws IOException {
    byte[] header = "{\"x\u00e9\":1}".getBytes(UTF_8);
    header[3] = (byte) 0xc3;
    header[4] = (byte) 0x28; // 0xC3 0x28: a lead byte without its continuation
    assertEquals(
        "header is not valid UTF-8 (bad byte at header offset 3)",
        reject(concat(le(header.length), header)));
  }

  @Test
  void malformedJson() throws IOException {
    assertEquals(
        "malformed header JSON at character 31: expected ',' or '}' in object, found end of header",
        rejectHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]", 0));
    assertEquals(
        "malformed header JSON at character 4: unexpected 'x' after the end of the JSON value",
        rejectHeader("{}  x", 0));
    assertEquals(
        "malformed header JSON at character 29: only integers are allowed in a safetensors header",
        rejectTensor("F32", "[2.5]", "[0,8]", 8));
  }

  @Test
  void spacesTabsAndNewlinesMayPadTheHeader() throws IOException {
    byte[] ok = file("{}\n\t \r", new byte[0]);
    assertEquals(Map.of(), SafeTensors.read(ok).tensors());
  }

  @Test
  void duplicateKeys() throws IOException {
    String x = tensor("x", "F32", "[1]", "[0,4]");
    assertEquals(
        "malformed header JSON at character 54: duplicate key \"x\"",
        rejectHeader("{" + x + "," + x + "}", 4));
    assertEquals(
        "malformed header JSON at character 20: duplicate key \"dtype\"",
        rejectHeader("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", 4));
  }

  @Test
  void nestingIsLimited() throws IOException {
    String deep = "[".repeat(40) + "]".repeat(40);
    assertEquals(
        "malformed header JSON at character 42: nesting deeper than 16 levels",
        rejectTensor("F32", deep, "[0,4]", 4));
  }

  // ---------------------------------------------------------------- fields

  @Test
  void tensorEntryMustBeAnObject() throws IOException {
    assertEquals(
        "tensor \"x\": expected an object with \"dtype\", \"shape\" and \"data_offsets\", got"
            + " array",
        rejectHeader("{\"x\":[1,2]}", 0));
    assertEquals(
        "tensor \"x\": expected an object with \"dtype\", \"shape\" and \"data_offsets\", got null",
        rejectHeader("{\"x\":null}", 0));
  }

  @Test
  void missingAndExtraFields() throws IOException {
    assertEquals(
        "tensor \"x\" is missing the field \"data_offsets\"",
        rejectHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4));
    assertEquals(
        "tensor \"x\" is missing the field \"dtype\"",
        rejectHeader("{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
    assertEquals(
        "tensor \"x\" has an unexpected field \"offsets\" (allowed: \"dtype\", \"shape\","
            + " \"data_offsets\")",
        rejectHeader(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"offsets\":[0,4]}}",
            4));
  }

  @Test
  void unsupportedAndUnknownDtypesAreNamed() throws IOException {
    assertEquals(
        "unsupported dtype \"BF16\" for tensor \"x\"; grad4j reads F32 and F64",
        rejectTensor("BF16", "[2]", "[0,4]", 4));
    assertEquals(
        "unsupported dtype \"I64\" for tensor \"x\"; grad4j reads F32 and F64",
        rejectTensor("I64", "[1]", "[0,8]", 8));
    assertEquals(
        "unknown dtype \"f32\" for tensor \"x\"; grad4j reads F32 and F64",
        rejectTensor("f32", "[1]", "[0,4]", 4));
    assertEquals(
        "tensor \"x\": \"dtype\" must be a string, got integer",
        rejectHeader("{\"x\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
  }

  @Test
  void badShapes() throws IOException {
    assertEquals(
        "tensor \"x\": shape [2, -1] has a negative dimension",
        rejectTensor("F32", "[2,-1]", "[0,8]", 8));
    assertEquals(
        "tensor \"x\": dimension 3000000000 in shape [3000000000] is larger than grad4j allows"
            + " (2^31-1)",
        rejectTensor("F32", "[3000000000]", "[0,12000000000]", 0));
    assertEquals(
        "tensor \"x\": shape [2147483647, 2147483647, 2147483647] has more elements than a grad4j"
            + " tensor can hold (2147483639)",
        rejectTensor("F64", "[2147483647,2147483647,2147483647]", "[0,8]", 8));
    assertEquals(
        "tensor \"x\": \"shape\" must be an array of integers, got string at 1",
        rejectTensor("F32", "[2,\"3\"]", "[0,24]", 24));
    assertEquals(
        "tensor \"x\": \"shape\" must be an array of integers, got object",
        rejectTensor("F32", "{}", "[0,4]", 4));
  }

  @Test
  void aZeroDimensionMakesAnyShapeEmpty() throws IOException {
    byte[] ok =
        file("{" + tensor("x", "F32", "[2147483647,2147483647,0]", "[0,0]") + "}", new byte[0]);
    assertArrayEqualsShape(
        new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 0},
        SafeTensors.read(ok).tensors().get("x").shape());
  }

  private static void assertArrayEqualsShape(int[] expected, int[] actual) {
    assertEquals(Arrays.toString(expected), Arrays.toString(actual));
  }

  // ---------------------------------------------------------------- offsets

  @Test
  void badOffsetSyntax() throws IOException {
    assertEquals(
        "tensor \"x\": \"data_offsets\" must be [begin, end], two integers, got [0]",
        rejectTensor("F32", "[1]", "[0]", 4));
    assertEquals(
        "tensor \"x\": \"data_offsets\" must be [begin, end], two integers, got string",
        rejectTensor("F32", "[1]", "\"0-4\"", 4));
    assertEquals(
        "tensor \"x\": data_offsets [-4, 0] are negative", rejectTensor("F32", "[1]", "[-4,0]", 4));
    assertEquals(
        "malformed header JSON at character 50: integer 18446744073709551616 is out of range"
            + " (above 2^63)",
        rejectTensor("F32", "[1]", "[0,18446744073709551616]", 4));
  }

  @Test
  void reversedOffsets() throws IOException {
    assertEquals(
        "tensor \"x\": data_offsets [16, 0] are reversed (begin is after end)",
        rejectTensor("F32", "[4]", "[16,0]", 16));
  }

  @Test
  void offsetsMustMatchDtypeTimesElementCount() throws IOException {
    assertEquals(
        "tensor \"x\": data_offsets [0, 12] span 12 bytes, but F32 shape [2, 2] needs 16 (4"
            + " elements of 4 bytes)",
        rejectTensor("F32", "[2,2]", "[0,12]", 12));
    assertEquals(
        "tensor \"x\": data_offsets [0, 16] span 16 bytes, but F64 shape [] needs 8 (1 elements"
            + " of 8 bytes)",
        rejectTensor("F64", "[]", "[0,16]", 16));
  }

  @Test
  void overlappingTensors() throws IOException {
    String h =
        "{" + tensor("a", "F32", "[4]", "[0,16]") + "," + tensor("b", "F32", "[4]", "[8,24]") + "}";
    assertEquals(
        "tensors \"a\" [0, 16] and \"b\" [8, 24] overlap in the data buffer", rejectHeader(h, 24));
    String same =
        "{" + tensor("a", "F32", "[4]", "[0,16]") + "," + tensor("b", "F32", "[4]", "[0,16]") + "}";
    assertEquals(
        "tensors \"a\" [0, 16] and \"b\" [0, 16] overlap in the data buffer",
        rejectHeader(same, 16));
    String emptyInside =
        "{" + tensor("a", "F32", "[4]", "[0,16]") + "," + tensor("e", "F32", "[0]", "[4,4]") + "}";
    assertEquals(
        "tensors \"a\" [0, 16] and \"e\" [4, 4] overlap in the data buffer",
        rejectHeader(emptyInside, 16));
  }

  @Test
  void gapsInTheDataBuffer() throws IOException {
    String h =
        "{"
            + tensor("a", "F32", "[4]", "[0,16]")
            + ","
            + tensor("b", "F32", "[4]", "[20,36]")
            + "}";
    assertEquals(
        "gap of 4 bytes before tensor \"b\" (data_offsets [20, 36]): the data buffer must be"
            + " covered by the tensors without gaps",
        rejectHeader(h, 36));
    assertEquals(
        "gap of 8 bytes before tensor \"x\" (data_offsets [8, 24]): the data buffer must be"
            + " covered by the tensors without gaps",
        rejectTensor("F32", "[4]", "[8,24]", 24));
  }

  @Test
  void trailingBytesAfterTheLastTensor() throws IOException {
    assertEquals(
        "4 trailing bytes after the last tensor: the data buffer holds 20 bytes but the tensors"
            + " cover 16 (truncated header or corrupt file?)",
        rejectTensor("F32", "[4]", "[0,16]", 20));
    assertEquals(
        "3 trailing bytes after the last tensor: the data buffer holds 3 bytes but the tensors"
            + " cover 0 (truncated header or corrupt file?)",
        rejectHeader("{}", 3));
  }

  // ---------------------------------------------------------------- metadata

  @Test
  void metadataMustBeStrings() throws IOException {
    assertEquals(
        "\"__metadata__\" value for \"epoch\" must be a string, got integer",
        rejectHeader("{\"__metadata__\":{\"epoch\":3}}", 0));
    assertEquals(
        "\"__metadata__\" must be an object of strings, got array",
        rejectHeader("{\"__metadata__\":[\"a\"]}", 0));
  }

  @Test
  void namesAreQuotedSafelyInMessages() throws IOException {
    assertEquals(
        "unsupported dtype \"F16\" for tensor \"a\\\"b\\u000a\"; grad4j reads F32 and F64",
        rejectHeader("{" + tensor("a\\\"b\\n", "F16", "[1]", "[0,2]") + "}", 2));
  }
}

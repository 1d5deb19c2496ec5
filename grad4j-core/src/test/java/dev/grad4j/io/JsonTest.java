package dev.grad4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesObjectsArraysStringsIntegersAndLiterals() throws Exception {
    Object v =
        Json.parse(
            " {\"a\": [1, -2, 0, 9223372036854775807], \"b\": {\"c\": \"d\"},"
                + " \"t\": true, \"f\": false, \"n\": null, \"e\": {}, \"l\": []}\n");
    Map<String, Object> expected =
        new java.util.LinkedHashMap<>(
            Map.of(
                "a", List.of(1L, -2L, 0L, Long.MAX_VALUE),
                "b", Map.of("c", "d"),
                "t", true,
                "f", false,
                "e", Map.of(),
                "l", List.of()));
    expected.put("n", null);
    assertEquals(expected, v);
    assertEquals(
        List.of("a", "b", "t", "f", "n", "e", "l"),
        List.copyOf(((Map<?, ?>) v).keySet()),
        "document order is kept");
  }

  @Test
  void decodesEveryEscape() throws Exception {
    assertEquals(
        "q\"b\\s/\b\f\n\r\tA\u00e9\u20ac\uD83D\uDE00 raw é",
        Json.parse("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u0041\\u00E9\\u20ac\\ud83d\\ude00 raw é\""));
  }

  @Test
  void writesEscapesLikeSerdeJson() throws Exception {
    String s = "a\"b\\c\n\r\t\b\f\u0001\u001f/é\uD83D\uDE00";
    String json = Json.writeString(new StringBuilder(), s, "name").toString();
    assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/é\uD83D\uDE00\"", json);
    assertEquals(s, Json.parse(json), "round trip");
  }

  @Test
  void writerRejectsUnpairedSurrogates() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Json.writeString(new StringBuilder(), "x\uD800y", "tensor name"));
    assertEquals(
        "tensor name \"x\\ud800y\" contains an unpaired surrogate, not valid UTF-8",
        e.getMessage());
  }

  private static String error(String text) {
    return assertThrows(Json.ParseException.class, () -> Json.parse(text)).getMessage();
  }

  @Test
  void rejectsMalformedInputWithPosition() {
    assertEquals(
        "malformed header JSON at character 7: duplicate key \"a\"", error("{\"a\":1,\"a\":2}"));
    assertEquals(
        "malformed header JSON at character 5: number with a leading zero", error("{\"a\":01}"));
    assertEquals(
        "malformed header JSON at character 5: only integers are allowed in a safetensors header",
        error("{\"a\":1.5}"));
    assertEquals(
        "malformed header JSON at character 5: only integers are allowed in a safetensors header",
        error("{\"a\":1e3}"));
    assertEquals(
        "malformed header JSON at character 5: integer 99999999999999999999 is out of range"
            + " (above 2^63)",
        error("{\"a\":99999999999999999999}"));
    assertEquals(
        "malformed header JSON at character 6: expected a digit after '-', found 'x'",
        error("{\"a\":-x}"));
    assertEquals(
        "malformed header JSON at character 2: unexpected 'x' after the end of the JSON value",
        error("{}x"));
    assertEquals(
        "malformed header JSON at character 8: expected ',' or '}' in object, found end of header",
        error("{\"a\":[1]"));
    assertEquals(
        "malformed header JSON at character 7: expected ',' or ']' in array, found '}'",
        error("{\"a\":[1}"));
    assertEquals(
        "malformed header JSON at character 1: expected a string key, found 'a'", error("{a:1}"));
    assertEquals(
        "malformed header JSON at character 4: expected ':' after object key \"a\", found '1'",
        error("{\"a\"1}"));
    assertEquals("malformed header JSON at character 8: unterminated string", error("{\"a\":\"bc"));
    assertEquals(
        "malformed header JSON at character 6: control character U+000A must be escaped in a"
            + " string",
        error("{\"a\":\"\n\"}"));
    assertEquals(
        "malformed header JSON at character 6: invalid escape '\\x' in a string",
        error("{\"a\":\"\\x\"}"));
    assertEquals(
        "malformed header JSON at character 8: invalid \\u escape: expected 4 hex digits",
        error("{\"a\":\"\\u12g4\"}"));
    assertEquals(
        "malformed header JSON at character 6: lone low surrogate \\udc00 in a string",
        error("{\"a\":\"\\udc00\"}"));
    assertEquals(
        "malformed header JSON at character 6: high surrogate \\ud800 is not followed by a low"
            + " surrogate",
        error("{\"a\":\"\\ud800x\"}"));
    assertEquals(
        "malformed header JSON at character 5: expected a value, found 'T'", error("{\"a\":True}"));
  }

  @Test
  void limitsNesting() throws Exception {
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertTrue(Json.parse(ok) instanceof List);
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertEquals(
        "malformed header JSON at character 16: nesting deeper than 16 levels", error(deep));
  }

  @Test
  void parseValueReadsFractionsAndExponentsAsDoubles() throws Exception {
    Object v = Json.parseValue("{\"a\":0.25,\"b\":-3,\"c\":1e-3,\"d\":2.5E+2,\"e\":null}");
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(0.25, m.get("a"));
    assertEquals(-3L, m.get("b"));
    assertEquals(1e-3, m.get("c"));
    assertEquals(250.0, m.get("d"));
    assertNull(m.get("e"));
    assertTrue(m.containsKey("e"));
    assertEquals(1e20, Json.parseValue("100000000000000000000"), "too big for a long");
  }

  @Test
  void parseValueRejectsMalformedNumbersWithPosition() {
    assertEquals(
        "malformed JSON at character 3: expected a digit after '.', found ','",
        assertThrows(Json.ParseException.class, () -> Json.parseValue("[1.,2]")).getMessage());
    assertEquals(
        "malformed JSON at character 3: expected a digit in the exponent, found end of input",
        assertThrows(Json.ParseException.class, () -> Json.parseValue("1e+")).getMessage());
    assertEquals(
        "malformed JSON at character 6: expected ',' or '}' in object, found end of input",
        assertThrows(Json.ParseException.class, () -> Json.parseValue("{\"a\":1")).getMessage());
  }
}

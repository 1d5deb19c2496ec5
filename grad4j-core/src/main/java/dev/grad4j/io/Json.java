package dev.grad4j.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small, strict JSON reader and writer that the safetensors header needs, also used for other
 * small JSON files and answers (metrics lines, the dashboard's data).
 *
 * <p>Values read by {@link #parse} are {@link Map} (a {@link LinkedHashMap} in document order;
 * duplicate keys are an error), {@link List}, {@link String}, {@link Long} (integers only:
 * fractions and exponents are an error, as are integers outside the range of a {@code long}),
 * {@link Boolean} and {@code null}. Nesting is limited to {@link #MAX_DEPTH} levels, so a hostile
 * header cannot exhaust the stack. The writer emits compact JSON (no spaces) with the same escapes
 * as Rust's {@code serde_json}, so grad4j's headers are byte-for-byte those of the reference
 * implementation. {@link #parseValue} reads any JSON, numbers with a fraction or an exponent as
 * {@link Double}.
 */
public final class Json {
  /** Deepest nesting of arrays and objects accepted; a safetensors header needs 3. */
  static final int MAX_DEPTH = 16;

  private Json() {}

  /** Thrown for malformed JSON; the message says what was expected and where. */
  public static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String message) {
      super(message);
    }
  }

  /** Parses one JSON value that fills {@code text}, surrounding whitespace aside. */
  static Object parse(String text) throws ParseException {
    return parse(text, false);
  }

  /**
   * Parses one JSON value that fills {@code text}, surrounding whitespace aside. Objects, arrays,
   * strings, booleans and null are read as by the header parser; integers are {@link Long}, and
   * numbers with a fraction or an exponent are {@link Double}.
   *
   * @throws ParseException for malformed JSON, saying what was expected and at which character
   */
  public static Object parseValue(String text) throws ParseException {
    return parse(text, true);
  }

  private static Object parse(String text, boolean anyNumber) throws ParseException {
    Parser p = new Parser(text, anyNumber);
    p.skipWhitespace();
    Object value = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("unexpected " + p.describeHere() + " after the end of the JSON value");
    }
    return value;
  }

  /** A name for the JSON type of a parsed value, for error messages. */
  static String typeName(Object value) {
    if (value == null) {
      return "null";
    } else if (value instanceof Map) {
      return "object";
    } else if (value instanceof List) {
      return "array";
    } else if (value instanceof String) {
      return "string";
    } else if (value instanceof Long) {
      return "integer";
    } else {
      return "boolean";
    }
  }

  private static final class Parser {
    private final String s;
    // false: the safetensors header (integers only, messages say "header"); true: any JSON.
    private final boolean anyNumber;
    private int pos;

    Parser(String s, boolean anyNumber) {
      this.s = s;
      this.anyNumber = anyNumber;
    }

    ParseException error(String what) {
      return new ParseException(
          (anyNumber ? "malformed JSON" : "malformed header JSON")
              + " at character "
              + pos
              + ": "
              + what);
    }

    String describeHere() {
      if (pos >= s.length()) {
        return anyNumber ? "end of input" : "end of header";
      }
      char c = s.charAt(pos);
      return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("character U+%04X", (int) c);
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    Object value(int depth) throws ParseException {
      if (pos >= s.length()) {
        throw error("expected a value, found " + describeHere());
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object(depth + 1);
        case '[' -> array(depth + 1);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("expected a value, found " + describeHere());
        }
      };
    }

    private void checkDepth(int depth) throws ParseException {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH + " levels");
      }
    }

    private Map<String, Object> object(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '{'
      Map<String, Object> out = new LinkedHashMap<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("expected a string key, found " + describeHere());
        }
        int keyAt = pos;
        String key = string();
        if (out.containsKey(key)) {
          pos = keyAt;
          throw error("duplicate key " + quote(key));
        }
        skipWhitespace();
        expect(':', "after object key " + quote(key));
        skipWhitespace();
        out.put(key, value(depth));
        skipWhitespace();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
        } else if (pos < s.length() && s.charAt(pos) == '}') {
          pos++;
          return out;
        } else {
          throw error("expected ',' or '}' in object, found " + describeHere());
        }
      }
    }

    private List<Object> array(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '['
      List<Object> out = new ArrayList<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        out.add(value(depth));
        skipWhitespace();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
        } else if (pos < s.length() && s.charAt(pos) == ']') {
          pos++;
          return out;
        } else {
          throw error("expected ',' or ']' in array, found " + describeHere());
        }
      }
    }

    private void expect(char c, String where) throws ParseException {
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw error("expected '" + c + "' " + where + ", found " + describeHere());
      }
      pos++;
    }

    private Object literal(String word, Object value) throws ParseException {
      if (!s.startsWith(word, pos)) {
        throw error("expected a value, found " + describeHere());
      }
      pos += word.length();
      return value;
    }

    private Object number() throws ParseException {
      int start = pos;
      boolean negative = false;
      if (s.charAt(pos) == '-') {
        negative = true;
        pos++;
      }
      int digitsStart = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      int digits = pos - digitsStart;
      if (digits == 0) {
        throw error("expected a digit after '-', found " + describeHere());
      }
      if (digits > 1 && s.charAt(digitsStart) == '0') {
        pos = start;
        throw error("number with a leading zero");
      }
      if (pos < s.length()
          && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        if (anyNumber) {
          return fractionAndExponent(start);
        }
        pos = start;
        throw error("only integers are allowed in a safetensors header");
      }
      String text = s.substring(start, pos);
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        if (anyNumber) {
          return Double.parseDouble(text);
        }
        pos = start;
        throw error(
            "integer " + text + " is out of range (" + (negative ? "below " : "above ") + "2^63)");
      }
    }

    // After the integer digits of a number that starts at start: ".digits" and/or "e[+-]digits".
    private Double fractionAndExponent(int start) throws ParseException {
      if (s.charAt(pos) == '.') {
        pos++;
        if (skipDigits() == 0) {
          throw error("expected a digit after '.', found " + describeHere());
        }
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        if (skipDigits() == 0) {
          throw error("expected a digit in the exponent, found " + describeHere());
        }
      }
      return Double.parseDouble(s.substring(start, pos));
    }

    private int skipDigits() {
      int from = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      return pos - from;
    }

    private String string() throws ParseException {
      pos++; // opening quote
      StringBuilder sb = null;
      int runStart = pos;
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          String out =
              sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
          pos++;
          return out;
        }
        if (c < 0x20) {
          throw error(
              String.format("control character U+%04X must be escaped in a string", (int) c));
        }
        if (c != '\\') {
          pos++;
          continue;
        }
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(s, runStart, pos);
        pos++; // backslash
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> sb.append(unicodeEscape());
          default -> {
            pos -= 2;
            throw error("invalid escape '\\" + e + "' in a string");
          }
        }
        runStart = pos;
      }
    }

    // After "\\u": one code point, a surrogate pair written as two escapes included.
    private String unicodeEscape() throws ParseException {
      int escapeAt = pos - 2;
      char high = hex4();
      if (Character.isLowSurrogate(high)) {
        pos = escapeAt;
        throw error("lone low surrogate \\u" + hexOf(high) + " in a string");
      }
      if (!Character.isHighSurrogate(high)) {
        return String.valueOf(high);
      }
      if (!s.startsWith("\\u", pos)) {
        pos = escapeAt;
        throw error("high surrogate \\u" + hexOf(high) + " is not followed by a low surrogate");
      }
      pos += 2;
      char low = hex4();
      if (!Character.isLowSurrogate(low)) {
        pos = escapeAt;
        throw error("high surrogate \\u" + hexOf(high) + " is not followed by a low surrogate");
      }
      return new String(new char[] {high, low});
    }

    private char hex4() throws ParseException {
      if (pos + 4 > s.length()) {
        throw error("truncated \\u escape");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        char c = s.charAt(pos + i);
        int d =
            c >= '0' && c <= '9'
                ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) {
          throw error("invalid \\u escape: expected 4 hex digits");
        }
        v = v * 16 + d;
      }
      pos += 4;
      return (char) v;
    }

    private static String hexOf(char c) {
      return String.format("%04x", (int) c);
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends {@code value} as a JSON string: {@code "} and {@code \} escaped, control characters as
   * {@code \n \r \t \b \f} or a six-character {@code u00XX} escape, everything else (non-ASCII
   * included) as is, which is what {@code serde_json} writes.
   *
   * @throws IllegalArgumentException if {@code value} holds an unpaired surrogate, which UTF-8
   *     cannot encode
   */
  public static StringBuilder writeString(StringBuilder out, String value, String what) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isSurrogate(c)) {
        boolean paired =
            Character.isHighSurrogate(c)
                && i + 1 < value.length()
                && Character.isLowSurrogate(value.charAt(i + 1));
        if (!paired) {
          throw new IllegalArgumentException(
              what + " " + quote(value) + " contains an unpaired surrogate, not valid UTF-8");
        }
        out.append(c).append(value.charAt(++i));
        continue;
      }
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }

  /** {@code value} as a JSON string literal, for error messages. */
  static String quote(String value) {
    StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20 || Character.isSurrogate(c) && !validPairAt(value, i)) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  private static boolean validPairAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}

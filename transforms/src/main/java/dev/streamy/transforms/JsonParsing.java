package dev.streamy.transforms;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Turns the bytes of one record value into a JSON object tree, or says why it cannot, with a stable
 * {@link ErrorCode} and a message written here that never quotes the payload.
 *
 * <p>The rules run in this order: empty, too large, another binary format, not UTF-8 (byte-order
 * marks, UTF-16/32, invalid or surrogate-encoding UTF-8), then one streaming parse that fails on
 * syntax errors, trailing data, NaN/Infinity, nesting deeper than the limit, duplicate keys and
 * escaped lone surrogates; a well-formed value whose root is not an object comes last. An instance
 * is immutable and thread-safe: build it once and share it.
 */
public final class JsonParsing {

  /** A generous default for one event: 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  /** A default nesting limit far above any real event and far below a stack's worth. */
  public static final int DEFAULT_MAX_DEPTH = 64;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

  /** Key names shown in messages; anything else is replaced, since keys are payload too. */
  private static final Pattern SHOWABLE_KEY = Pattern.compile("[A-Za-z0-9_$@:-]{1,64}");

  private final int maxBytes;
  private final int maxDepth;
  private final JsonFactory factory;

  private JsonParsing(int maxBytes, int maxDepth) {
    if (maxBytes < 1 || maxDepth < 1) {
      throw new IllegalArgumentException("maxBytes and maxDepth must be positive");
    }
    this.maxBytes = maxBytes;
    this.maxDepth = maxDepth;
    this.factory =
        JsonFactory.builder()
            // Our own depth count fires first; Jackson's limit only backs it up.
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxDepth == Integer.MAX_VALUE ? maxDepth : maxDepth + 1)
                    .maxStringLength(
                        Math.max(maxBytes, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                    .build())
            // Jackson 2.15 copies the payload into exception locations; we never want it there.
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
  }

  /** Rules with the given size limit (bytes) and nesting limit (levels of objects and arrays). */
  public static JsonParsing withLimits(int maxBytes, int maxDepth) {
    return new JsonParsing(maxBytes, maxDepth);
  }

  public int maxBytes() {
    return maxBytes;
  }

  public int maxDepth() {
    return maxDepth;
  }

  /** Parses a record value that must be one JSON object. */
  public Outcome parse(@Nullable byte[] value) {
    Outcome outcome = parseAnyRoot(value);
    if (outcome.isOk() && !outcome.getNode().isObject()) {
      return Outcome.failure(
          ErrorCode.SCHEMA_INVALID,
          "JSON root is " + describe(outcome.getNode()) + ", not an object",
          null);
    }
    return outcome;
  }

  /** As {@link #parse} but any JSON value may be the root (for coders, not for events). */
  Outcome parseAnyRoot(@Nullable byte[] value) {
    if (value == null) {
      return Outcome.failure(ErrorCode.EMPTY_PAYLOAD, "value is null", null);
    }
    if (value.length == 0) {
      return Outcome.failure(ErrorCode.EMPTY_PAYLOAD, "value is empty (0 bytes)", null);
    }
    if (value.length > maxBytes) {
      return Outcome.failure(
          ErrorCode.TOO_LARGE,
          "value is " + value.length + " bytes, over the limit of " + maxBytes + " bytes",
          null);
    }
    Outcome sniffed = sniffFormatAndEncoding(value);
    if (sniffed != null) {
      return sniffed;
    }
    int scanned = scanUtf8(value);
    if (scanned >= 0) {
      return Outcome.failure(
          ErrorCode.ENCODING_ERROR, "invalid UTF-8 byte sequence at byte offset " + scanned, null);
    }
    // A lone surrogate can only come from a \\u escape: strict UTF-8 cannot encode one.
    boolean hasEscapes = scanned == VALID_WITH_UNICODE_ESCAPE;
    // Most values are fine: read them without the per-key duplicate lookup, noticing a duplicate
    // when it replaces a value. Anything short of a tree is read again, exactly as the rules say,
    // so that every failure is the one (and at the place) the rules give.
    Outcome quick = readBytes(value, hasEscapes, false);
    return quick != null ? quick : readBytes(value, hasEscapes, true);
  }

  /** The outcome of one streaming read; null when {@code !exact} and the value is not fine. */
  private @Nullable Outcome readBytes(byte[] value, boolean hasEscapes, boolean exact) {
    try (JsonParser parser = factory.createParser(value)) {
      Outcome outcome = readTree(parser, hasEscapes, exact);
      return exact || (outcome != null && outcome.isOk()) ? outcome : null;
    } catch (StreamConstraintsException e) {
      // Depth and string length cannot trip here (see the constructor), so it is a number.
      return exact
          ? Outcome.failure(
              ErrorCode.PARSE_ERROR, "a number is longer than the parser allows" + at(e), null)
          : null;
    } catch (JsonEOFException e) {
      return exact ? Outcome.failure(ErrorCode.PARSE_ERROR, "JSON ends early" + at(e), null) : null;
    } catch (JsonProcessingException e) {
      return exact
          ? Outcome.failure(ErrorCode.PARSE_ERROR, "JSON syntax error" + at(e), null)
          : null;
    } catch (IOException e) {
      if (!exact) {
        return null;
      }
      // Reading a byte array does no I/O; this would be a bug, and the caller dead-letters it.
      throw new UncheckedIOException("Unexpected I/O error while parsing a byte array", e);
    } catch (RuntimeException e) {
      if (!exact) {
        return null;
      }
      throw e;
    }
  }

  /** The magic numbers and byte-order patterns that tell us the bytes are not UTF-8 JSON. */
  private static @Nullable Outcome sniffFormatAndEncoding(byte[] b) {
    String format = null;
    if (startsWith(b, 0x1F, 0x8B)) {
      format = "gzip";
    } else if (startsWith(b, 0x28, 0xB5, 0x2F, 0xFD)) {
      format = "zstd";
    } else if (startsWith(b, 'O', 'b', 'j', 0x01)) {
      format = "an Avro object container";
    } else if (startsWith(b, 0x04, 0x22, 0x4D, 0x18)) {
      format = "an LZ4 frame";
    } else if (startsWith(b, 0xFF, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y')) {
      format = "a Snappy framed stream";
    } else if (startsWith(b, 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00)) {
      format = "Snappy (xerial framing)";
    }
    if (format != null) {
      return Outcome.failure(ErrorCode.WRONG_FORMAT, "value is " + format + ", not JSON", null);
    }
    String bom = null;
    if (startsWith(b, 0xEF, 0xBB, 0xBF)) {
      bom = "UTF-8";
    } else if (startsWith(b, 0x00, 0x00, 0xFE, 0xFF)) {
      bom = "UTF-32BE";
    } else if (startsWith(b, 0xFF, 0xFE, 0x00, 0x00)) {
      bom = "UTF-32LE";
    } else if (startsWith(b, 0xFE, 0xFF)) {
      bom = "UTF-16BE";
    } else if (startsWith(b, 0xFF, 0xFE)) {
      bom = "UTF-16LE";
    }
    if (bom != null) {
      return Outcome.failure(
          ErrorCode.ENCODING_ERROR, "value starts with a " + bom + " byte-order mark", null);
    }
    // JSON text starts with an ASCII character, so NULs among the first bytes mean UTF-16/32
    // (RFC 4627, section 3) - or, after a leading NUL, Confluent's wire-format header.
    boolean nulInFirstTwo = b[0] == 0 || (b.length > 1 && b[1] == 0);
    if (!nulInFirstTwo) {
      return null;
    }
    if (b[0] == 0 && b.length >= 5 && !looksLikeWideBigEndianText(b)) {
      return Outcome.failure(
          ErrorCode.WRONG_FORMAT,
          "value starts with the Confluent wire-format header (magic byte 0 and a schema id)",
          null);
    }
    return Outcome.failure(
        ErrorCode.ENCODING_ERROR, "value has NUL bytes where JSON starts: UTF-16/32 text?", null);
  }

  /** {@code 00 xx 00 yy} (UTF-16BE) or {@code 00 00 00 xx 00 00 00 yy} (UTF-32BE), xx, yy != 0. */
  private static boolean looksLikeWideBigEndianText(byte[] b) {
    boolean utf16 = b.length >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0;
    boolean utf32 =
        b.length >= 8
            && b[0] == 0
            && b[1] == 0
            && b[2] == 0
            && b[3] != 0
            && b[4] == 0
            && b[5] == 0
            && b[6] == 0
            && b[7] != 0;
    return utf16 || utf32;
  }

  /**
   * The offset of the first byte that breaks strict UTF-8 (RFC 3629: no overlong forms, no encoded
   * surrogates as in CESU-8, nothing above U+10FFFF, no truncated sequence), or -1.
   */
  static int firstInvalidUtf8(byte[] b) {
    int scanned = scanUtf8(b);
    return scanned >= 0 ? scanned : -1;
  }

  /** {@link #scanUtf8}: valid UTF-8 with no backslash followed by {@code u}. */
  private static final int VALID = -1;

  /** {@link #scanUtf8}: valid UTF-8 with a backslash followed by {@code u} (maybe an escape). */
  private static final int VALID_WITH_UNICODE_ESCAPE = -2;

  /**
   * One pass over the bytes: the offset of the first byte that breaks strict UTF-8 (as {@link
   * #firstInvalidUtf8}), else {@link #VALID} or {@link #VALID_WITH_UNICODE_ESCAPE}. An escaped
   * backslash before a {@code u} counts too; that only costs a needless check of the strings.
   */
  static int scanUtf8(byte[] b) {
    boolean escapes = false;
    int i = 0;
    int n = b.length;
    while (i < n) {
      // Most bytes are ASCII: step over eight at a time while none has its high bit set.
      while (i + 8 <= n) {
        long word = (long) LONGS.get(b, i);
        if ((word & HIGH_BITS) != 0) {
          break;
        }
        if (!escapes && hasByte(word, BACKSLASHES)) {
          escapes = hasUnicodeEscape(b, i, i + 8);
        }
        i += 8;
      }
      if (i >= n) {
        break;
      }
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        if (c == '\\' && !escapes) {
          escapes = hasUnicodeEscape(b, i, i + 1);
        }
        i++;
        continue;
      }
      int length;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0) {
          lo = 0xA0; // shorter forms are overlong
        } else if (c == 0xED) {
          hi = 0x9F; // ED A0..BF would encode a UTF-16 surrogate
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0) {
          lo = 0x90; // shorter forms are overlong
        } else if (c == 0xF4) {
          hi = 0x8F; // above U+10FFFF
        }
      } else {
        return i; // a continuation byte without a lead, C0/C1 (overlong) or F5..FF
      }
      if (i + length > n) {
        return i;
      }
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        int next = b[i + k] & 0xFF;
        if (next < 0x80 || next > 0xBF) {
          return i;
        }
      }
      i += length;
    }
    return escapes ? VALID_WITH_UNICODE_ESCAPE : VALID;
  }

  /** Whether a backslash at {@code from..to-1} has a {@code u} right after it. */
  private static boolean hasUnicodeEscape(byte[] b, int from, int to) {
    for (int i = from; i < to && i + 1 < b.length; i++) {
      if (b[i] == '\\' && b[i + 1] == 'u') {
        return true;
      }
    }
    return false;
  }

  /** Whether one of the eight bytes of {@code word} is the byte repeated in {@code pattern}. */
  private static boolean hasByte(long word, long pattern) {
    long x = word ^ pattern;
    return ((x - LOW_BITS) & ~x & HIGH_BITS) != 0;
  }

  /**
   * Builds the tree from the token stream without recursion, so that depth is counted by us and a
   * deep document cannot overflow the stack, and checks each object for duplicate keys and (when
   * the bytes may hold a {@code \\u} escape) each string for a lone surrogate made by one. When not
   * {@code exact}, a duplicate key is only noticed as it replaces a value, and gives null.
   */
  private @Nullable Outcome readTree(JsonParser parser, boolean hasEscapes, boolean exact)
      throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      return Outcome.failure(ErrorCode.PARSE_ERROR, "no JSON value, only whitespace", null);
    }
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    JsonNode root = null;
    while (true) {
      JsonNode value;
      switch (token) {
        case START_OBJECT:
        case START_ARRAY:
          if (stack.size() >= maxDepth) {
            return Outcome.failure(
                ErrorCode.TOO_DEEP,
                "JSON nesting deeper than " + maxDepth + " levels" + at(parser),
                null);
          }
          ContainerNode<?> container =
              token == JsonToken.START_OBJECT ? NODES.objectNode() : NODES.arrayNode();
          if (stack.isEmpty()) {
            root = container;
          } else {
            if (attach(stack.peek(), container)) {
              return null; // a duplicate key, only seen when !exact
            }
          }
          stack.push(new Frame(container, stack.peek()));
          token = parser.nextToken();
          continue;
        case END_OBJECT:
        case END_ARRAY:
          stack.pop();
          value = null;
          break;
        case FIELD_NAME:
          String name = parser.currentName();
          if (hasEscapes && hasLoneSurrogate(name)) {
            String objectPath = showPath(stack, null, false);
            return Outcome.failure(
                ErrorCode.ENCODING_ERROR,
                "a key in the object at "
                    + objectPath
                    + " has an unpaired UTF-16 surrogate escape"
                    + at(parser),
                objectPath);
          }
          Frame frame = stack.peek();
          if (exact && ((ObjectNode) frame.node).has(name)) {
            String keyPath = showPath(stack, name, true);
            return Outcome.failure(
                ErrorCode.DUPLICATE_KEY, "duplicate key at " + keyPath + at(parser), keyPath);
          }
          frame.pendingName = name;
          token = parser.nextToken();
          continue;
        case VALUE_STRING:
          String text = parser.getText();
          if (hasEscapes && hasLoneSurrogate(text)) {
            String valuePath = showPath(stack, null, true);
            return Outcome.failure(
                ErrorCode.ENCODING_ERROR,
                "the string at "
                    + valuePath
                    + " has an unpaired UTF-16 surrogate escape"
                    + at(parser),
                valuePath);
          }
          value = NODES.textNode(text);
          break;
        case VALUE_NUMBER_INT:
          value = integer(parser);
          break;
        case VALUE_NUMBER_FLOAT:
          double d = parser.getDoubleValue();
          if (Double.isFinite(d)) {
            value = NODES.numberNode(d);
            break;
          }
          // Out-of-range literals (1e400) stay exact instead of becoming Infinity, unless even a
          // BigDecimal cannot hold the exponent (11e400724299439).
          try {
            value = NODES.numberNode(parser.getDecimalValue());
          } catch (NumberFormatException e) {
            String numberPath = showPath(stack, null, true);
            return Outcome.failure(
                ErrorCode.PARSE_ERROR,
                "the number at " + numberPath + " has an exponent out of range" + at(parser),
                numberPath);
          }
          break;
        case VALUE_TRUE:
          value = NODES.booleanNode(true);
          break;
        case VALUE_FALSE:
          value = NODES.booleanNode(false);
          break;
        case VALUE_NULL:
          value = NODES.nullNode();
          break;
        default:
          // Embedded objects and NOT_AVAILABLE never come from a byte-array JSON parser.
          throw new IllegalStateException("Unexpected JSON token " + token);
      }
      if (value != null) {
        if (stack.isEmpty()) {
          root = value;
        } else {
          if (attach(stack.peek(), value)) {
            return null; // a duplicate key, only seen when !exact
          }
        }
      }
      if (stack.isEmpty()) {
        break;
      }
      token = parser.nextToken();
      if (token == null) {
        return Outcome.failure(ErrorCode.PARSE_ERROR, "JSON ends early" + at(parser), null);
      }
    }
    // Equivalent of DeserializationFeature.FAIL_ON_TRAILING_TOKENS for our own tree reader.
    if (parser.nextToken() != null) {
      return Outcome.failure(
          ErrorCode.PARSE_ERROR, "trailing data after the JSON value" + at(parser), null);
    }
    return Outcome.ok(Objects.requireNonNull(root));
  }

  /**
   * Adds a value to an open container, saying whether it replaced the value of an earlier equal key
   * (never when the read is exact: those duplicates were refused when the key was read).
   */
  private static boolean attach(Frame top, JsonNode value) {
    if (top.node.isArray()) {
      ((ArrayNode) top.node).add(value);
      return false;
    }
    return ((ObjectNode) top.node).replace(top.pendingName, value) != null;
  }

  private static JsonNode integer(JsonParser parser) throws IOException {
    switch (parser.getNumberType()) {
      case INT:
        return NODES.numberNode(parser.getIntValue());
      case LONG:
        return NODES.numberNode(parser.getLongValue());
      default:
        return NODES.numberNode(parser.getBigIntegerValue());
    }
  }

  static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A dotted path ({@code a.b[2].c}, {@code $} for the root) from the root to the innermost open
   * container and, when {@code current}, on to the key being read ({@code key}, else the last key
   * read) or the next array slot. Keys that are not short plain identifiers show as {@code <key>}:
   * keys are payload too.
   */
  private static String showPath(ArrayDeque<Frame> stack, @Nullable String key, boolean current) {
    StringBuilder path = new StringBuilder();
    Iterator<Frame> fromRoot = stack.descendingIterator();
    Frame parent = null;
    while (fromRoot.hasNext()) {
      Frame frame = fromRoot.next();
      if (parent != null) {
        appendStep(path, parent, frame.indexInParent, frame.keyInParent);
      }
      parent = frame;
    }
    if (current && parent != null) {
      appendStep(path, parent, parent.node.size(), key != null ? key : parent.pendingName);
    }
    return JsonPaths.shown(path);
  }

  private static void appendStep(
      StringBuilder path, Frame parent, int index, @Nullable String key) {
    if (parent.node.isArray()) {
      JsonPaths.appendIndex(path, index);
    } else {
      JsonPaths.appendKey(path, key != null && SHOWABLE_KEY.matcher(key).matches() ? key : "<key>");
    }
  }

  private static String describe(JsonNode node) {
    switch (node.getNodeType()) {
      case ARRAY:
        return "an array";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      case NULL:
        return "null";
      default:
        return "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static String at(JsonParser parser) {
    return at(parser.currentTokenLocation());
  }

  private static String at(JsonProcessingException e) {
    return at(e.getLocation());
  }

  private static String at(@Nullable JsonLocation location) {
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static boolean startsWith(byte[] b, int... magic) {
    if (b.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((b[i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** One open object or array, and where it sits in its parent (for messages only). */
  private static final class Frame {
    final ContainerNode<?> node;
    final @Nullable String keyInParent;
    final int indexInParent;
    @Nullable String pendingName;

    Frame(ContainerNode<?> node, @Nullable Frame parent) {
      this.node = node;
      if (parent == null) {
        this.keyInParent = null;
        this.indexInParent = -1;
      } else if (parent.node.isArray()) {
        this.keyInParent = null;
        this.indexInParent = parent.node.size() - 1; // already attached
      } else {
        this.keyInParent = parent.pendingName;
        this.indexInParent = -1;
      }
    }
  }

  /** Either a parsed JSON value, or an error code with a message that never quotes the value. */
  @AutoValue
  public abstract static class Outcome {

    static Outcome ok(JsonNode node) {
      return new AutoValue_JsonParsing_Outcome(node, null, "", null);
    }

    static Outcome failure(ErrorCode code, String message, @Nullable String path) {
      return new AutoValue_JsonParsing_Outcome(null, code, message, path);
    }

    /** The parsed value; null when parsing failed. */
    public abstract @Nullable JsonNode getNode();

    /** Why parsing failed; null when it succeeded. */
    public abstract @Nullable ErrorCode getCode();

    /** A message written by streamy, never quoting the value; empty when parsing succeeded. */
    public abstract String getMessage();

    /**
     * Where in the document the failure is, as a dotted path ({@code a.b[2].c}, {@code $} for the
     * root) with unsafe keys masked as {@code <key>}; null when it is about the value as a whole.
     */
    public abstract @Nullable String getPath();

    public boolean isOk() {
      return getNode() != null;
    }

    /** Never the parsed value: it is payload. */
    @Override
    public String toString() {
      return isOk() ? "Outcome{ok}" : "Outcome{" + getCode() + ": " + getMessage() + "}";
    }
  }
}

package dev.streamy.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** One test per row of the bad-input catalogue for the parse stage, plus the good cases. */
@RunWith(JUnit4.class)
public class JsonParsingTest {

  private static final String SECRET = "Zq9SecretPayload";
  private final JsonParsing parsing = JsonParsing.withLimits(4096, 16);

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] out = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, out, first.length, second.length);
    return out;
  }

  private JsonParsing.Outcome assertFails(byte[] value, ErrorCode code) {
    JsonParsing.Outcome outcome = parsing.parse(value);
    assertFalse("expected " + code + " but parsed", outcome.isOk());
    assertEquals(outcome.getMessage(), code, outcome.getCode());
    assertFalse(outcome.getMessage().isEmpty());
    assertThat(outcome.getMessage(), not(containsString(SECRET)));
    return outcome;
  }

  private JsonNode assertParses(byte[] value) {
    JsonParsing.Outcome outcome = parsing.parse(value);
    assertTrue(outcome.toString(), outcome.isOk());
    return outcome.getNode();
  }

  @Test
  public void parsesAnObjectWithEveryKindOfValue() {
    JsonNode node =
        assertParses(
            utf8(
                "{\"s\":\"héllo 😀 日本\",\"i\":7,\"l\":9000000000,\"b\":123456789012345678901234,"
                    + "\"d\":1.5,\"huge\":1e400,\"t\":true,\"f\":false,\"n\":null,"
                    + "\"a\":[1,{\"x\":[]}],\"o\":{}} \n"));
    assertEquals("héllo 😀 日本", node.get("s").textValue());
    assertEquals(JsonNodeType.NUMBER, node.get("i").getNodeType());
    assertTrue(node.get("i").isInt());
    assertTrue(node.get("l").isLong());
    assertEquals(new BigInteger("123456789012345678901234"), node.get("b").bigIntegerValue());
    assertTrue(node.get("d").isDouble());
    assertEquals(0, new BigDecimal("1e400").compareTo(node.get("huge").decimalValue()));
    assertTrue(node.get("t").booleanValue());
    assertTrue(node.get("n").isNull());
    assertEquals(2, node.get("a").size());
    assertTrue(node.get("a").get(1).get("x").isArray());
    assertEquals(
        List.of("s", "i", "l", "b", "d", "huge", "t", "f", "n", "a", "o"),
        iteratorToList(node.fieldNames()));
  }

  private static List<String> iteratorToList(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  public void nullIsEmptyPayload() {
    assertFails(null, ErrorCode.EMPTY_PAYLOAD);
  }

  @Test
  public void zeroBytesIsEmptyPayload() {
    assertFails(new byte[0], ErrorCode.EMPTY_PAYLOAD);
  }

  @Test
  public void whitespaceOnlyIsParseError() {
    assertFails(utf8(" \n\t "), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void malformedJsonIsParseErrorWithLocationButNoPayload() {
    JsonParsing.Outcome outcome =
        assertFails(utf8("{\"k\":\"" + SECRET + "\",\n \"x\": }"), ErrorCode.PARSE_ERROR);
    assertThat(outcome.getMessage(), containsString("line 2, column"));
    assertNull(outcome.getPath());
  }

  @Test
  public void unquotedGarbageIsParseError() {
    assertFails(utf8(SECRET), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{'single':'quotes'}"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":01}"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":1,}"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":1 /* comment */}"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":\"raw\ttab\"}"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void truncatedInputIsParseError() {
    JsonParsing.Outcome outcome =
        assertFails(utf8("{\"a\":{\"b\":\"" + SECRET), ErrorCode.PARSE_ERROR);
    assertThat(outcome.getMessage(), containsString("ends early"));
    assertFails(utf8("{\"a\":[1,2"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void aNumberWhoseExponentNoDecimalCanHoldIsAParseError() {
    JsonParsing.Outcome outcome =
        assertFails(
            utf8("{\"k\":\"" + SECRET + "\",\"n\":11e400724299439}"), ErrorCode.PARSE_ERROR);
    assertThat(outcome.getMessage(), containsString("exponent out of range"));
    assertEquals("n", outcome.getPath());
  }

  @Test
  public void trailingGarbageIsParseError() {
    JsonParsing.Outcome outcome = assertFails(utf8("{\"a\":1} " + SECRET), ErrorCode.PARSE_ERROR);
    assertThat(outcome.getMessage(), containsString("line 1, column"));
  }

  @Test
  public void aSecondValueIsTrailingData() {
    JsonParsing.Outcome outcome = assertFails(utf8("{\"a\":1}\n{\"b\":2}"), ErrorCode.PARSE_ERROR);
    assertThat(outcome.getMessage(), containsString("trailing data"));
    assertFails(utf8("{\"a\":1}]"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":1} 5"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void trailingWhitespaceIsFine() {
    assertParses(utf8("{\"a\":1}\r\n  \t"));
  }

  @Test
  public void nanIsParseError() {
    assertFails(utf8("{\"a\":NaN}"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void infinityIsParseError() {
    assertFails(utf8("{\"a\":Infinity}"), ErrorCode.PARSE_ERROR);
    assertFails(utf8("{\"a\":-Infinity}"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void rootArrayIsSchemaInvalid() {
    JsonParsing.Outcome outcome = assertFails(utf8("[{\"a\":1}]"), ErrorCode.SCHEMA_INVALID);
    assertEquals("JSON root is an array, not an object", outcome.getMessage());
  }

  @Test
  public void rootScalarsAreSchemaInvalid() {
    assertFails(utf8("\"" + SECRET + "\""), ErrorCode.SCHEMA_INVALID);
    assertFails(utf8("42"), ErrorCode.SCHEMA_INVALID);
    assertFails(utf8("null"), ErrorCode.SCHEMA_INVALID);
    assertFails(utf8("true"), ErrorCode.SCHEMA_INVALID);
  }

  @Test
  public void malformedArrayRootIsParseErrorNotSchemaInvalid() {
    assertFails(utf8("[1,2"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void invalidUtf8IsEncodingErrorWithOffset() {
    byte[] value = concat(utf8("{\"a\":\"" + SECRET), bytes(0xC3, 0x28, '"', '}'));
    JsonParsing.Outcome outcome = assertFails(value, ErrorCode.ENCODING_ERROR);
    assertEquals(
        "invalid UTF-8 byte sequence at byte offset " + (6 + SECRET.length()),
        outcome.getMessage());
  }

  @Test
  public void latin1IsEncodingError() {
    assertFails("{\"a\":\"café\"}".getBytes(StandardCharsets.ISO_8859_1), ErrorCode.ENCODING_ERROR);
  }

  @Test
  public void overlongAndSurrogateEncodingsAreEncodingErrors() {
    byte[] prefix = utf8("{\"a\":\"");
    byte[] suffix = utf8("\"}");
    int[][] bad = {
      {0xC0, 0xAF}, // overlong '/'
      {0xE0, 0x80, 0xAF}, // overlong '/'
      {0xED, 0xA0, 0x80}, // CESU-8: an encoded high surrogate
      {0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}, // CESU-8 pair for U+1F600
      {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
      {0xF5, 0x80, 0x80, 0x80},
      {0x80}, // a lone continuation byte
      {0xE2, 0x82}, // truncated sequence
    };
    for (int[] sequence : bad) {
      assertFails(concat(concat(prefix, bytes(sequence)), suffix), ErrorCode.ENCODING_ERROR);
    }
  }

  @Test
  public void truncatedSequenceAtTheEndIsEncodingError() {
    assertFails(concat(utf8("{\"a\":1}"), bytes(0xE2, 0x82)), ErrorCode.ENCODING_ERROR);
  }

  @Test
  public void utf8ValidatorAgreesWithTheJdkDecoder() {
    Random random = new Random(42);
    int[] interesting = {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0};
    int[] more = {0xF4, 0xF5, 0xFF, 0x9F, 0xA0, 0x8F, 0x90};
    for (int round = 0; round < 200_000; round++) {
      byte[] b = new byte[random.nextInt(7)];
      for (int i = 0; i < b.length; i++) {
        int pick = random.nextInt(3);
        b[i] =
            (byte)
                (pick == 0
                    ? interesting[random.nextInt(interesting.length)]
                    : pick == 1 ? more[random.nextInt(more.length)] : random.nextInt(256));
      }
      boolean jdk = jdkAcceptsUtf8(b);
      assertEquals(
          "disagreement on " + Arrays.toString(b), jdk, JsonParsing.firstInvalidUtf8(b) < 0);
    }
  }

  @Test
  public void utf8ValidatorFindsTheJdksOffsetInLongerValues() {
    // Long enough for the eight-bytes-at-a-time ASCII steps, with a bad byte anywhere.
    Random random = new Random(43);
    int[] odd = {0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xA0, 0xF0, 0xF4, 0x90, 0xF5, 0xFF};
    for (int round = 0; round < 100_000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) ('a' + random.nextInt(26));
      }
      for (int k = random.nextInt(3); k > 0 && b.length > 0; k--) {
        b[random.nextInt(b.length)] = (byte) odd[random.nextInt(odd.length)];
      }
      assertEquals("on " + Arrays.toString(b), jdkFirstInvalid(b), JsonParsing.firstInvalidUtf8(b));
    }
  }

  private static int jdkFirstInvalid(byte[] b) {
    ByteBuffer in = ByteBuffer.wrap(b);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(b.length + 1);
    java.nio.charset.CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    java.nio.charset.CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      return in.position();
    }
    result = decoder.flush(out);
    return result.isError() ? in.position() : -1;
  }

  @Test
  public void escapedLoneSurrogateIsFoundWhereverItFallsInTheBytes() {
    for (int pad = 0; pad < 20; pad++) {
      String value = "{\"" + "k".repeat(pad) + "\":\"" + "v".repeat(pad) + "\\ud800\"}";
      assertFails(utf8(value), ErrorCode.ENCODING_ERROR);
      assertParses(utf8(value.replace("\\ud800", "\\ud83d\\ude00")));
      String key = "{\"" + "k".repeat(pad) + "\\udfff\":1}";
      assertFails(utf8(key), ErrorCode.ENCODING_ERROR);
    }
  }

  @Test
  public void aDuplicateKeyIsReportedBeforeLaterProblems() {
    // Pinned: the parse reads duplicates without a per-key lookup and reads again on trouble.
    assertEquals(
        "duplicate key at a at line 1, column 8",
        assertFails(utf8("{\"a\":1,\"a\":2,}"), ErrorCode.DUPLICATE_KEY).getMessage());
    assertFails(utf8("{\"a\":1,\"a\":2,\"b\":NaN}"), ErrorCode.DUPLICATE_KEY);
    assertEquals(
        "duplicate key at a at line 1, column 14",
        assertFails(utf8("{\"a\":{\"b\":1},\"a\":{\"c\":\"\\ud800\"}}"), ErrorCode.DUPLICATE_KEY)
            .getMessage());
    assertEquals(
        "a[1].x",
        assertFails(utf8("{\"a\":[1,{\"x\":1,\"x\":2}],\"a\":1"), ErrorCode.DUPLICATE_KEY)
            .getPath());
    // What comes first still wins: a bad escape before the duplicate, or a bad value right
    // after the key (Jackson reads the value's first byte along with the key).
    assertFails(utf8("{\"a\":\"\\ud800\",\"a\":1}"), ErrorCode.ENCODING_ERROR);
    assertEquals(
        "JSON syntax error at line 1, column 13",
        assertFails(utf8("{\"a\":1,\"a\":}"), ErrorCode.PARSE_ERROR).getMessage());
  }

  private static boolean jdkAcceptsUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  public void utf8ByteOrderMarkIsEncodingError() {
    JsonParsing.Outcome outcome =
        assertFails(concat(bytes(0xEF, 0xBB, 0xBF), utf8("{\"a\":1}")), ErrorCode.ENCODING_ERROR);
    assertThat(outcome.getMessage(), containsString("UTF-8 byte-order mark"));
  }

  @Test
  public void utf16WithByteOrderMarkIsEncodingError() {
    assertFails("{\"a\":1}".getBytes(StandardCharsets.UTF_16), ErrorCode.ENCODING_ERROR);
    assertFails(
        concat(bytes(0xFF, 0xFE), "{\"a\":1}".getBytes(StandardCharsets.UTF_16LE)),
        ErrorCode.ENCODING_ERROR);
  }

  @Test
  public void utf16WithoutByteOrderMarkIsEncodingError() {
    assertFails("{\"a\":1}".getBytes(StandardCharsets.UTF_16BE), ErrorCode.ENCODING_ERROR);
    assertFails("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), ErrorCode.ENCODING_ERROR);
  }

  @Test
  public void utf32IsEncodingError() {
    assertFails(
        "{\"a\":1}".getBytes(java.nio.charset.Charset.forName("UTF-32BE")),
        ErrorCode.ENCODING_ERROR);
    assertFails(
        "{\"a\":1}".getBytes(java.nio.charset.Charset.forName("UTF-32LE")),
        ErrorCode.ENCODING_ERROR);
  }

  @Test
  public void escapedLoneSurrogateIsEncodingError() {
    JsonParsing.Outcome outcome =
        assertFails(
            utf8("{\"meta\":{\"" + "title\":\"" + SECRET + "\\ud800\"}}"),
            ErrorCode.ENCODING_ERROR);
    assertEquals("meta.title", outcome.getPath());
    assertFails(utf8("{\"a\":\"\\uDC00x\"}"), ErrorCode.ENCODING_ERROR);
    assertFails(utf8("{\"a\":[\"ok\",\"\\ud83d\"]}"), ErrorCode.ENCODING_ERROR);
    assertEquals("a[1]", parsing.parse(utf8("{\"a\":[\"ok\",\"\\ud83d\"]}")).getPath());
  }

  @Test
  public void escapedLoneSurrogateInAKeyIsEncodingError() {
    JsonParsing.Outcome outcome =
        assertFails(utf8("{\"m\":{\"\\udfff\":1}}"), ErrorCode.ENCODING_ERROR);
    assertEquals("m", outcome.getPath());
  }

  @Test
  public void escapedSurrogatePairIsFine() {
    JsonNode node = assertParses(utf8("{\"a\":\"\\ud83d\\ude00 \\u00e9\"}"));
    assertEquals("😀 é", node.get("a").textValue());
  }

  @Test
  public void gzipIsWrongFormat() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(utf8("{\"a\":\"" + SECRET + "\"}"));
    }
    JsonParsing.Outcome outcome = assertFails(out.toByteArray(), ErrorCode.WRONG_FORMAT);
    assertEquals("value is gzip, not JSON", outcome.getMessage());
  }

  @Test
  public void zstdIsWrongFormat() {
    assertFails(bytes(0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05, 0x29, 0x00), ErrorCode.WRONG_FORMAT);
  }

  @Test
  public void avroContainerIsWrongFormat() {
    byte[] value = concat(bytes('O', 'b', 'j', 1), utf8("\u0004\u0014avro.schema"));
    JsonParsing.Outcome outcome = assertFails(value, ErrorCode.WRONG_FORMAT);
    assertThat(outcome.getMessage(), containsString("Avro"));
  }

  @Test
  public void confluentWireFormatIsWrongFormat() {
    // Magic byte 0, schema id 7, then a JSON Schema serializer's payload.
    byte[] value = concat(bytes(0, 0, 0, 0, 7), utf8("{\"a\":\"" + SECRET + "\"}"));
    JsonParsing.Outcome outcome = assertFails(value, ErrorCode.WRONG_FORMAT);
    assertThat(outcome.getMessage(), containsString("Confluent"));
    // Schema id 123 and an Avro binary payload.
    assertFails(bytes(0, 0, 0, 0, 123, 2, 6, 'a', 'b', 'c'), ErrorCode.WRONG_FORMAT);
  }

  @Test
  public void snappyAndLz4FramesAreWrongFormat() {
    assertFails(bytes(0x04, 0x22, 0x4D, 0x18, 0x64, 0x40, 0xA7), ErrorCode.WRONG_FORMAT);
    assertFails(
        bytes(0xFF, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y', 0x01), ErrorCode.WRONG_FORMAT);
  }

  @Test
  public void overTheSizeLimitIsTooLarge() {
    JsonParsing small = JsonParsing.withLimits(16, 8);
    byte[] exactly16 = utf8("{\"a\":\"12345678\"}");
    assertEquals(16, exactly16.length);
    assertTrue(small.parse(exactly16).isOk());
    JsonParsing.Outcome outcome = small.parse(utf8("{\"a\":\"123456789\"}"));
    assertEquals(ErrorCode.TOO_LARGE, outcome.getCode());
    assertEquals("value is 17 bytes, over the limit of 16 bytes", outcome.getMessage());
  }

  @Test
  public void nestingDeeperThanTheLimitIsTooDeep() {
    JsonParsing shallow = JsonParsing.withLimits(4096, 3);
    assertTrue(shallow.parse(utf8("{\"a\":{\"b\":[1]}}")).isOk());
    JsonParsing.Outcome outcome = shallow.parse(utf8("{\"a\":{\"b\":[[1]]}}"));
    assertEquals(ErrorCode.TOO_DEEP, outcome.getCode());
    assertThat(outcome.getMessage(), containsString("deeper than 3 levels"));
  }

  @Test
  public void hundredThousandOpenBracketsAreTooDeepWithoutOverflow() {
    byte[] value = new byte[100_000];
    Arrays.fill(value, (byte) '[');
    JsonParsing generous = JsonParsing.withLimits(1 << 20, JsonParsing.DEFAULT_MAX_DEPTH);
    assertEquals(ErrorCode.TOO_DEEP, generous.parse(value).getCode());
    byte[] objects = utf8("{\"a\":".repeat(50_000));
    assertEquals(ErrorCode.TOO_DEEP, generous.parse(objects).getCode());
  }

  @Test
  public void deepDocumentsWithinAHugeLimitDoNotOverflowEither() {
    int depth = 100_000;
    byte[] value = new byte[2 * depth];
    Arrays.fill(value, 0, depth, (byte) '[');
    Arrays.fill(value, depth, 2 * depth, (byte) ']');
    JsonParsing unlimited = JsonParsing.withLimits(1 << 20, Integer.MAX_VALUE);
    assertEquals(ErrorCode.SCHEMA_INVALID, unlimited.parse(value).getCode());
    Arrays.fill(value, depth, 2 * depth, (byte) ' ');
    assertEquals(ErrorCode.PARSE_ERROR, unlimited.parse(value).getCode());
  }

  @Test
  public void duplicateKeyIsDuplicateKeyWithItsPath() {
    JsonParsing.Outcome outcome =
        assertFails(utf8("{\"a\":1,\"b\":\"" + SECRET + "\",\"a\":2}"), ErrorCode.DUPLICATE_KEY);
    assertEquals("a", outcome.getPath());
    assertEquals("duplicate key at a at line 1, column 31", outcome.getMessage());
  }

  @Test
  public void nestedDuplicateKeyIsDuplicateKey() {
    assertEquals(
        "meta.id",
        assertFails(utf8("{\"meta\":{\"id\":\"x\",\"id\":\"x\"}}"), ErrorCode.DUPLICATE_KEY)
            .getPath());
    assertEquals(
        "list[1].k",
        assertFails(utf8("{\"list\":[{\"k\":1},{\"k\":1,\"k\":null}]}"), ErrorCode.DUPLICATE_KEY)
            .getPath());
  }

  @Test
  public void sameKeyInDifferentObjectsIsFine() {
    assertParses(utf8("{\"a\":{\"k\":1},\"b\":{\"k\":1},\"c\":[{\"k\":1},{\"k\":2}]}"));
  }

  @Test
  public void keysThatAreNotPlainIdentifiersAreMaskedInPaths() {
    String key = "my " + SECRET + " key";
    JsonParsing.Outcome outcome =
        assertFails(utf8("{\"" + key + "\":{\"x\":1,\"x\":2}, \"z\":1}"), ErrorCode.DUPLICATE_KEY);
    assertEquals("<key>.x", outcome.getPath());
    assertThat(outcome.getMessage(), not(containsString(SECRET)));
  }

  @Test
  public void longNumbersAreParseErrors() {
    assertFails(utf8("{\"a\":" + "9".repeat(1500) + "}"), ErrorCode.PARSE_ERROR);
  }

  @Test
  public void noMessageQuotesThePayload() {
    String s = SECRET;
    byte[][] bad = {
      utf8("{\"" + s + "\":" + s + "}"),
      utf8("{\"a\":\"" + s + "\"} " + s),
      utf8("[\"" + s + "\"]"),
      utf8("{\"a\":\"" + s + "\",\"a\":\"" + s + "\"}"),
      // Keys that look like identifiers are shown in paths on purpose; any other key is masked.
      utf8("{\"" + s + " \":1,\"" + s + " \":2}"),
      utf8("{\"a\":\"" + s + "\\udead\"}"),
      concat(utf8("{\"a\":\"" + s), bytes(0xFF)),
      utf8("{\"a\":\"" + s + "\",\"b\":NaN}"),
      utf8("{\"a\":\"" + s + "\",\"b\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}"),
      utf8("{\"a\":\"" + s),
    };
    for (byte[] value : bad) {
      JsonParsing.Outcome outcome = parsing.parse(value);
      assertFalse(outcome.isOk());
      assertThat(outcome.getMessage(), not(containsString(s)));
      if (outcome.getPath() != null) {
        assertThat(outcome.getPath(), not(containsString(s)));
      }
    }
  }
}

package dev.streamy.generator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.streamy.generator.EventFactory.Expected;
import dev.streamy.generator.EventFactory.GeneratedRecord;
import dev.streamy.generator.EventFactory.Kind;
import dev.streamy.generator.EventFactory.Outcome;
import dev.streamy.transforms.ErrorCode;
import dev.streamy.transforms.EventTimes;
import dev.streamy.transforms.JsonParsing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.SeekableByteArrayInput;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.BeforeClass;
import org.junit.Test;

/** The generator's records: deterministic, realistic, and each bad one bad in the way it claims. */
public class EventFactoryTest {

  private static final Instant NOW = Instant.parse("2025-05-03T07:46:53Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Pattern UUID =
      Pattern.compile("^[a-fA-F0-9]{8}(-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$");
  private static final ObjectMapper LENIENT = new ObjectMapper();
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static JsonSchema schema;

  @BeforeClass
  public static void loadSchema() throws IOException {
    try (InputStream in =
        EventFactoryTest.class
            .getClassLoader()
            .getResourceAsStream("contracts/mediawiki-recentchange-1.0.0.schema.json")) {
      assertNotNull("contract schema on the classpath", in);
      // A base URI lets the schema's relative "$id" resolve; nothing is fetched.
      schema =
          JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
              .getSchema(
                  URI.create("https://contracts.streamy.invalid/recentchange/schema.json"),
                  LENIENT.readTree(in),
                  new SchemaValidatorsConfig());
    }
  }

  private static EventFactory factory(long seed) {
    return EventFactory.builder().seed(seed).clock(CLOCK).build();
  }

  @Test
  public void sameSeedGivesTheSameRecords() {
    EventFactory a = factory(7);
    EventFactory b = factory(7);
    EventFactory other = factory(8);
    int differences = 0;
    for (int i = 0; i < 2_000; i++) {
      GeneratedRecord x = a.next();
      GeneratedRecord y = b.next();
      GeneratedRecord z = other.next();
      assertEquals(x.kind(), y.kind());
      assertArrayEquals(x.key(), y.key());
      assertArrayEquals(x.value(), y.value());
      assertEquals(x.eventId(), y.eventId());
      assertEquals(x.headers().keySet(), y.headers().keySet());
      x.headers().forEach((k, v) -> assertArrayEquals(v, y.headers().get(k)));
      if (!Arrays.equals(x.value(), z.value())) {
        differences++;
      }
    }
    assertThat("another seed gives other records", differences, greaterThan(1_900));
  }

  @Test
  public void goodEventsFollowTheContract() throws IOException {
    EventFactory factory = factory(42);
    Set<String> ids = new HashSet<>();
    Map<String, Integer> types = new HashMap<>();
    Set<String> wikis = new HashSet<>();
    int bots = 0;
    for (int i = 0; i < 1_000; i++) {
      GeneratedRecord record = factory.next(Kind.GOOD);
      assertEquals(Expected.EVENT, record.expected());
      JsonNode event = STRICT.readTree(strictUtf8(record.value()));
      assertValid(event);
      JsonNode meta = event.get("meta");
      assertEquals(EventFactory.SCHEMA_URI, event.get("$schema").asText());
      assertEquals(EventFactory.STREAM, meta.get("stream").asText());
      assertEquals(event.get("server_name").asText(), meta.get("domain").asText());
      assertThat(
          meta.get("uri").asText(), containsString("https://" + meta.get("domain").asText()));
      assertTrue(URI.create(meta.get("uri").asText()).isAbsolute());
      assertEquals(meta.get("uri").asText(), event.get("title_url").asText());
      assertTrue(UUID.matcher(meta.get("id").asText()).matches());
      assertTrue(UUID.matcher(meta.get("request_id").asText()).matches());
      assertEquals(meta.get("id").asText(), record.eventId());
      assertTrue("fresh id per event", ids.add(record.eventId()));
      assertThat(meta.get("dt").asText(), containsString("Z"));
      Instant dt = Instant.ofEpochMilli(EventTimes.parse(meta.get("dt").asText()).getMillis());
      assertThat(Math.abs(dt.getEpochSecond() - NOW.getEpochSecond()), lessThanOrEqualTo(3L));
      assertEquals(dt.getEpochSecond(), event.get("timestamp").asLong());
      assertArrayEquals(event.get("wiki").asText().getBytes(StandardCharsets.UTF_8), record.key());
      String type = event.get("type").asText();
      types.merge(type, 1, Integer::sum);
      wikis.add(event.get("wiki").asText());
      if (event.get("bot").asBoolean()) {
        bots++;
      }
      switch (type) {
        case "edit" -> {
          assertTrue(event.get("length").get("old").canConvertToLong());
          assertThat(
              event.get("revision").get("new").asLong(),
              greaterThan(event.get("revision").get("old").asLong()));
        }
        case "new" -> assertTrue(event.get("revision").get("new").canConvertToLong());
        case "log" -> {
          assertTrue(event.get("log_id").canConvertToLong());
          assertFalse(event.get("log_type").asText().isEmpty());
          assertTrue(event.has("log_params"));
        }
        default -> {}
      }
    }
    // The mix follows the real capture: edits and categorizations dominate, all four types occur.
    assertEquals(Set.of("edit", "categorize", "new", "log"), types.keySet());
    assertThat(types.get("edit"), greaterThan(types.get("new")));
    assertThat(wikis.size(), greaterThan(15));
    assertThat(bots, greaterThan(100));
    assertThat(bots, lessThanOrEqualTo(600));
  }

  @Test
  public void everyBadKindIsWhatItClaims() throws Exception {
    for (Kind kind : Kind.badKinds()) {
      EventFactory factory = factory(kind.ordinal());
      int count = kind == Kind.OVERSIZED ? EventFactory.MAX_OVERSIZED : 30;
      for (int i = 0; i < count; i++) {
        GeneratedRecord record = factory.next(kind);
        assertEquals(kind, record.kind());
        assertEquals(Outcome.DLQ, record.expected().outcome());
        try {
          checkBad(record);
        } catch (AssertionError | Exception e) {
          throw new AssertionError(kind + " #" + i + ": " + e.getMessage(), e);
        }
      }
    }
  }

  @Test
  public void theParserGivesEachParseStageKindItsCode() {
    JsonParsing parser =
        JsonParsing.withLimits(JsonParsing.DEFAULT_MAX_BYTES, JsonParsing.DEFAULT_MAX_DEPTH);
    Set<ErrorCode> parseStage =
        Set.of(
            ErrorCode.EMPTY_PAYLOAD,
            ErrorCode.PARSE_ERROR,
            ErrorCode.SCHEMA_INVALID,
            ErrorCode.ENCODING_ERROR,
            ErrorCode.WRONG_FORMAT,
            ErrorCode.TOO_LARGE,
            ErrorCode.TOO_DEEP,
            ErrorCode.DUPLICATE_KEY);
    int checked = 0;
    for (Kind kind : Kind.badKinds()) {
      if (!parseStage.contains(kind.expected().code())) {
        continue;
      }
      EventFactory factory = factory(100 + kind.ordinal());
      int count = kind == Kind.OVERSIZED ? EventFactory.MAX_OVERSIZED : 20;
      for (int i = 0; i < count; i++) {
        assertEquals(
            kind + " #" + i,
            kind.expected().code(),
            parser.parse(factory.next(kind).value()).getCode());
        checked++;
      }
    }
    assertThat(checked, greaterThan(300));
  }

  @Test
  public void theAvroRecordIsAContainerAvroReads() throws IOException {
    EventFactory factory = factory(9);
    for (int i = 0; i < 20; i++) {
      GeneratedRecord record = factory.next(Kind.AVRO_CONTAINER);
      byte[] v = record.value();
      assertArrayEquals(new byte[] {'O', 'b', 'j', 1}, Arrays.copyOf(v, 4));
      try (DataFileReader<GenericRecord> reader =
          new DataFileReader<>(new SeekableByteArrayInput(v), new GenericDatumReader<>())) {
        assertEquals("RecentChange", reader.getSchema().getName());
        assertEquals("null", reader.getMetaString("avro.codec"));
        assertTrue(reader.hasNext());
        GenericRecord avro = reader.next();
        assertFalse("one record", reader.hasNext());
        assertGoodEvent(STRICT.readTree(avro.get("json").toString()), record);
      }
    }
  }

  @Test
  public void oversizedRecordsAreCapped() {
    EventFactory factory = factory(1);
    for (int i = 0; i < EventFactory.MAX_OVERSIZED; i++) {
      assertThat(factory.next(Kind.OVERSIZED).value().length, greaterThan(1_048_576));
    }
    assertFalse(factory.oversizedAllowed());
    assertThrows(IllegalStateException.class, () -> factory.next(Kind.OVERSIZED));
    EventFactory none = EventFactory.builder().clock(CLOCK).allowOversized(false).build();
    for (int i = 0; i < 2_000; i++) {
      assertNotEquals(Kind.OVERSIZED, none.next().kind());
    }
  }

  @Test
  public void sharesAndCatalogueCoverage() {
    EventFactory factory =
        EventFactory.builder().seed(3).clock(CLOCK).badShare(0.05).duplicateShare(0.02).build();
    Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      kinds.merge(factory.next().kind(), 1, Integer::sum);
    }
    int bad =
        kinds.entrySet().stream()
            .filter(e -> e.getKey().isBad())
            .mapToInt(Map.Entry::getValue)
            .sum();
    assertThat(bad, greaterThanOrEqualTo(400));
    assertThat(bad, lessThanOrEqualTo(600));
    assertThat(kinds.get(Kind.DUPLICATE), greaterThanOrEqualTo(140));
    assertThat(kinds.get(Kind.DUPLICATE), lessThanOrEqualTo(260));
    assertTrue("every bad kind occurs", kinds.keySet().containsAll(Kind.badKinds()));
    assertThat(kinds.get(Kind.OVERSIZED), lessThanOrEqualTo(EventFactory.MAX_OVERSIZED));
  }

  @Test
  public void duplicatesRepeatARecentGoodEvent() {
    EventFactory factory =
        EventFactory.builder().seed(5).clock(CLOCK).badShare(0.1).duplicateShare(0.1).build();
    Map<String, GeneratedRecord> good = new HashMap<>();
    int duplicates = 0;
    for (int i = 0; i < 3_000; i++) {
      GeneratedRecord record = factory.next();
      if (record.kind() == Kind.GOOD) {
        assertNull("good ids are fresh", good.put(record.eventId(), record));
      } else if (record.kind() == Kind.DUPLICATE) {
        duplicates++;
        assertEquals(Expected.DEDUPED, record.expected());
        GeneratedRecord original = good.get(record.eventId());
        assertNotNull("a duplicate repeats an earlier good event", original);
        assertArrayEquals(original.value(), record.value());
        assertArrayEquals(original.key(), record.key());
        assertEquals(original.headers(), record.headers());
      }
    }
    assertThat(duplicates, greaterThan(200));
  }

  @Test
  public void noDuplicateWithoutARecentGoodEvent() {
    EventFactory fresh = factory(1);
    assertFalse(fresh.hasDuplicateCandidate());
    assertThrows(IllegalStateException.class, () -> fresh.next(Kind.DUPLICATE));
    fresh.next(Kind.GOOD);
    assertTrue(fresh.hasDuplicateCandidate());

    // Events older than the horizon are never re-sent: they would be late, not duplicates.
    Instant[] now = {NOW};
    Clock moving =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    EventFactory factory = EventFactory.builder().clock(moving).build();
    factory.next(Kind.GOOD);
    now[0] = NOW.plus(EventFactory.DUPLICATE_HORIZON).plusSeconds(5);
    assertFalse(factory.hasDuplicateCandidate());
  }

  @Test
  public void expectedReadsWhatItWrites() {
    for (Kind kind : Kind.values()) {
      assertEquals(kind.expected(), Expected.parse(kind.expected().toString()));
    }
    assertEquals("DLQ:TOO_DEEP", Expected.dlq(ErrorCode.TOO_DEEP).toString());
    assertEquals("EVENT", Kind.GOOD.expected().toString());
    assertEquals("DEDUPED", Kind.DUPLICATE.expected().toString());
    assertThrows(IllegalArgumentException.class, () -> Expected.parse("DLQ"));
    assertThrows(
        IllegalArgumentException.class, () -> Expected.of(Outcome.EVENT, ErrorCode.TS_LATE));
  }

  @Test
  public void rejectsImpossibleShares() {
    assertThrows(
        IllegalArgumentException.class,
        () -> EventFactory.builder().badShare(0.7).duplicateShare(0.5).build());
    assertThrows(
        IllegalArgumentException.class, () -> EventFactory.builder().badShare(-0.1).build());
  }

  @Test
  public void titlesBecomeMediaWikiUrls() {
    assertEquals("Portal:%E7%94%B5%E5%BD%B1", MediaWikiText.encodeTitle("Portal:电影"));
    assertEquals("EFL_Championship", MediaWikiText.encodeTitle("EFL Championship"));
    assertEquals("A%26B%3F", MediaWikiText.encodeTitle("A&B?"));
  }

  // ---------------------------------------------------------------------------------------------

  private static void checkBad(GeneratedRecord record) throws Exception {
    byte[] v = record.value();
    switch (record.kind()) {
      case TOMBSTONE -> assertNull(v);
      case EMPTY -> assertEquals(0, v.length);
      case MALFORMED -> {
        String text = strictUtf8(v);
        assertParseFails(LENIENT, text);
      }
      case TRAILING_GARBAGE -> {
        String text = strictUtf8(v);
        assertParseFails(STRICT, text);
        // A lenient parser stops after the first value and sees a good event: the trap.
        assertValid(LENIENT.readTree(text));
      }
      case NON_FINITE_NUMBER -> {
        String text = strictUtf8(v);
        assertParseFails(STRICT, text);
        JsonNode lenient =
            JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build()
                .readTree(text);
        assertTrue(
            Double.isNaN(lenient.get("namespace").asDouble())
                || Double.isInfinite(lenient.get("namespace").asDouble()));
      }
      case ROOT_ARRAY -> {
        JsonNode root = STRICT.readTree(strictUtf8(v));
        assertTrue(root.isArray());
        assertValid(root.get(0));
        assertEquals(root.get(0).get("meta").get("id").asText(), record.eventId());
      }
      case ROOT_SCALAR -> {
        JsonNode root = STRICT.readTree(strictUtf8(v));
        assertTrue(root.isValueNode());
        assertNull(record.eventId());
      }
      case INVALID_UTF8 -> assertThrows(CharacterCodingException.class, () -> strictUtf8(v));
      case UTF8_BOM -> {
        assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, Arrays.copyOf(v, 3));
        assertGoodEvent(STRICT.readTree(strictUtf8(Arrays.copyOfRange(v, 3, v.length))), record);
      }
      case UTF16 -> {
        boolean notUtf8Json;
        try {
          STRICT.readTree(strictUtf8(v));
          notUtf8Json = false;
        } catch (CharacterCodingException | JsonProcessingException e) {
          notUtf8Json = true;
        }
        assertTrue("UTF-16 bytes must not read as UTF-8 JSON", notUtf8Json);
        Charset charset =
            (v[0] == (byte) 0xFE) ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE;
        int skip = (v[0] == (byte) 0xFE || v[0] == (byte) 0xFF) ? 2 : 0;
        String text = strict(charset, Arrays.copyOfRange(v, skip, v.length));
        assertGoodEvent(STRICT.readTree(text), record);
      }
      case GZIP -> {
        assertEquals((byte) 0x1F, v[0]);
        assertEquals((byte) 0x8B, v[1]);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(v))) {
          assertGoodEvent(STRICT.readTree(strictUtf8(in.readAllBytes())), record);
        }
      }
      case CONFLUENT_WIRE_FORMAT -> {
        assertEquals(0, v[0]);
        assertThat(ByteBuffer.wrap(v, 1, 4).getInt(), greaterThan(0));
        assertGoodEvent(STRICT.readTree(strictUtf8(Arrays.copyOfRange(v, 5, v.length))), record);
      }
      case AVRO_CONTAINER -> assertGoodEvent(STRICT.readTree(readAvroContainer(v)), record);
      case OVERSIZED -> {
        assertThat(v.length, greaterThan(1_048_576));
        assertGoodEvent(STRICT.readTree(strictUtf8(v)), record);
      }
      case DEEP_NESTING -> {
        String text = strictUtf8(v);
        assertThat(maxDepth(text), greaterThan(EventFactory.NESTING_DEPTH));
        assertGoodEvent(STRICT.readTree(text), record);
      }
      case DUPLICATE_KEY -> {
        String text = strictUtf8(v);
        JsonParseException e = assertThrows(JsonParseException.class, () -> STRICT.readTree(text));
        assertThat(e.getMessage(), containsString("Duplicate field"));
        // Jackson's default keeps the last value, which is the event's own: it looks valid.
        assertGoodEvent(LENIENT.readTree(text), record);
      }
      case MISSING_STREAM -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        assertFalse(event.get("meta").has("stream"));
        assertThat(errors(event).toString(), containsString("stream"));
      }
      case NULL_ID -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        assertTrue(event.get("meta").get("id").isNull());
        assertNull(record.eventId());
        assertFalse(errors(event).isEmpty());
      }
      case WRONG_TYPE -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        JsonNode namespace = event.get("namespace");
        JsonNode bot = event.get("bot");
        assertTrue(namespace.isTextual() || bot.isTextual());
        // The strings coerce cleanly ("0", "true"): a lenient mapper would hide the error.
        if (namespace.isTextual()) {
          Integer.parseInt(namespace.asText());
        } else {
          assertTrue(Set.of("true", "false").contains(bot.asText()));
        }
        assertFalse(errors(event).isEmpty());
      }
      case ID_NOT_UUID -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        String id = event.get("meta").get("id").asText();
        assertFalse(UUID.matcher(id).matches());
        assertEquals(id, record.eventId());
        assertFalse(errors(event).isEmpty());
      }
      case UNPARSEABLE_TIME -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        assertNull(EventTimes.parse(event.get("meta").get("dt").asText()));
      }
      case FUTURE_TIME -> {
        JsonNode event = STRICT.readTree(strictUtf8(v));
        long dt = EventTimes.parse(event.get("meta").get("dt").asText()).getMillis();
        assertThat(dt, greaterThanOrEqualTo(NOW.plusSeconds(47 * 3600).toEpochMilli()));
        assertValid(event);
      }
      default -> fail("not a bad kind: " + record.kind());
    }
  }

  private static void assertGoodEvent(JsonNode event, GeneratedRecord record) {
    assertValid(event);
    assertEquals(event.get("meta").get("id").asText(), record.eventId());
  }

  private static void assertValid(JsonNode event) {
    Set<ValidationMessage> errors = errors(event);
    assertTrue("schema errors: " + errors + " in " + event, errors.isEmpty());
  }

  private static Set<ValidationMessage> errors(JsonNode event) {
    return schema.validate(event);
  }

  private static void assertParseFails(ObjectMapper mapper, String text) {
    assertThrows(JsonProcessingException.class, () -> mapper.readTree(text));
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return strict(StandardCharsets.UTF_8, bytes);
  }

  private static String strict(Charset charset, byte[] bytes) throws CharacterCodingException {
    return charset
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  private static int maxDepth(String text) throws IOException {
    int depth = 0;
    int max = 0;
    try (JsonParser parser = LENIENT.getFactory().createParser(text)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token.isStructStart()) {
          max = Math.max(max, ++depth);
        } else if (token.isStructEnd()) {
          depth--;
        }
      }
    }
    return max;
  }

  /** Reads an Avro object container with one block of one string record, checking its frame. */
  private static String readAvroContainer(byte[] v) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(v);
    byte[] magic = new byte[4];
    in.get(magic);
    assertArrayEquals(new byte[] {'O', 'b', 'j', 1}, magic);
    Map<String, String> metadata = new HashMap<>();
    long entries;
    while ((entries = readLong(in)) != 0) {
      for (long i = 0; i < entries; i++) {
        metadata.put(readString(in), readString(in));
      }
    }
    assertEquals("null", metadata.get("avro.codec"));
    assertThat(metadata.get("avro.schema"), containsString("\"type\":\"record\""));
    byte[] sync = new byte[16];
    in.get(sync);
    assertEquals(1, readLong(in));
    long size = readLong(in);
    int start = in.position();
    String json = readString(in);
    assertEquals(size, in.position() - start);
    byte[] end = new byte[16];
    in.get(end);
    assertArrayEquals(sync, end);
    assertFalse(in.hasRemaining());
    return json;
  }

  private static long readLong(ByteBuffer in) {
    long raw = 0;
    int shift = 0;
    byte b;
    do {
      b = in.get();
      raw |= (long) (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return (raw >>> 1) ^ -(raw & 1);
  }

  private static String readString(ByteBuffer in) throws CharacterCodingException {
    byte[] bytes = new byte[(int) readLong(in)];
    in.get(bytes);
    return strictUtf8(bytes);
  }
}
